"""Agents: signing in to the console, the accounts (admins), and who can take a handoff now."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.deps import ActorDep, AdminActorDep, AgentsDep, AvailabilityDep, SettingsDep, ThrottleDep, client_ip
from api.security import (
    SESSION_COOKIE,
    check_same_origin,
    clear_session_cookie,
    session_of,
    set_session_cookie,
)
from bot.agents import SIGN_IN_FAILED, normalise_name
from bot.errors import Unauthenticated
from bot.schemas.agents import Agent, AgentList, NewAgent, NewAgentRequest, SignedIn, SignInRequest
from bot.schemas.base import Model, UtcDateTime

router = APIRouter(tags=["agents"])


@router.post("/v1/agent/session")
async def sign_in(
    request: Request,
    body: SignInRequest,
    response: Response,
    settings: SettingsDep,
    agents: AgentsDep,
    throttle: ThrottleDep,
) -> SignedIn:
    """Signs an agent in by name and password: a session cookie (HttpOnly, SameSite=Strict) and
    the CSRF token the console sends back as ``X-CSRF-Token``. 401 for any wrong credential."""
    check_same_origin(request, settings)
    key = f"{client_ip(request)}|{normalise_name(body.name)}"
    wait = throttle.wait(key)
    if wait is not None:
        raise HTTPException(
            429,
            f"Too many failed sign-ins. Please wait {wait} seconds and try again.",
            headers={"Retry-After": str(wait)},
        )
    try:
        token, session = await run_in_threadpool(agents.sign_in, body.name, body.password)
    except Unauthenticated:
        throttle.failed(key)
        raise Unauthenticated(SIGN_IN_FAILED) from None
    set_session_cookie(response, settings, token, session)
    return SignedIn(
        agent=session.agent.name,
        role=session.agent.role,
        csrf_token=session.csrf_token,
        expires_at=session.expires_at,
    )


@router.get("/v1/agent/session")
async def current_session(request: Request, agents: AgentsDep) -> SignedIn:
    """The signed-in agent and the CSRF token (the console asks on load); 401 when signed out or expired."""
    session = await run_in_threadpool(session_of, request, agents)
    return SignedIn(
        agent=session.agent.name,
        role=session.agent.role,
        csrf_token=session.csrf_token,
        expires_at=session.expires_at,
    )


@router.delete("/v1/agent/session", status_code=204)
async def sign_out(request: Request, _actor: ActorDep, settings: SettingsDep, agents: AgentsDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(agents.sign_out, token)
    response = Response(status_code=204)
    clear_session_cookie(response, settings)
    return response


class AvailabilityView(Model):
    available: bool
    code: str = Field(..., description="available | closed | nobody_online")
    hours: str
    next_open: UtcDateTime | None = None
    present: list[str] = Field(..., description="Agents whose console was active in the last minutes.")


@router.get("/v1/agent/availability")
async def availability(
    _actor: ActorDep, settings: SettingsDep, agents: AgentsDep, now: AvailabilityDep
) -> AvailabilityView:
    """Whether a handoff reaches a person now (opening hours and presence), as the bot decides it."""
    within = timedelta(minutes=settings.presence_minutes)
    present = await run_in_threadpool(agents.present, within)
    decided = await run_in_threadpool(now.now)
    return AvailabilityView(
        available=decided.available,
        code=decided.code,
        hours=decided.hours,
        next_open=decided.next_open,
        present=present,
    )


@router.get("/v1/agents")
async def list_agents(_admin: AdminActorDep, agents: AgentsDep) -> AgentList:
    return AgentList(agents=await run_in_threadpool(agents.list_agents))


@router.post("/v1/agents", status_code=201)
async def add_agent(body: NewAgentRequest, admin: AdminActorDep, agents: AgentsDep) -> NewAgent:
    """Creates an account; the answer carries its one-time password (shown once, stored hashed)."""
    agent, password = await run_in_threadpool(lambda: agents.add(body.name, body.role, actor=admin))
    return NewAgent(agent=agent, password=password)


@router.post("/v1/agents/{name}/revoke")
async def revoke_agent(name: str, admin: AdminActorDep, agents: AgentsDep) -> Agent:
    """Revokes the account at once: its console sessions end; its replies keep its name."""
    return await run_in_threadpool(lambda: agents.revoke(name, actor=admin))
