"""The gateway's identity checks, each in one place.

- Buyers on the web: a ``customer_hash`` or a ``customer_token`` made by the shop with
  ``SUPPORTBOT_WIDGET_SECRET`` (checked by ``bot.identity.WidgetIdentity``). POST /v1/chat carries
  it in the body; every other call in the ``X-Customer-*`` headers, never in the query string
  (URLs end up in access logs, browser history and Referer headers).
- Shop sync and other machines: ``Authorization: Bearer SUPPORTBOT_ADMIN_TOKEN``.
- Agents in the console: a session cookie (``SESSION_COOKIE``: HttpOnly, SameSite=Strict, Secure
  over HTTPS) from signing in by name (``bot.agents``). A request that changes something with the
  cookie must also send the session's CSRF token as ``X-CSRF-Token``: another site's page can make
  the browser send the cookie (SameSite aside) but can neither read the token nor, cross-origin,
  set that header (CORS does not allow it). The console's API also takes the admin token, for
  machines (``Actor`` says which).

Who a conversation belongs to is a rule of the conversation service (``bot.chat``).
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from bot.agents import AgentDirectory
from bot.config import Settings
from bot.errors import Forbidden, Unauthenticated
from bot.identity import WidgetIdentity, WidgetProof
from bot.schemas.agents import ADMIN_TOKEN_ACTOR, Actor, AgentSession

CUSTOMER_ID_HEADER = "X-Customer-Id"
CUSTOMER_HASH_HEADER = "X-Customer-Hash"
CUSTOMER_TOKEN_HEADER = "X-Customer-Token"
IDENTITY_HEADERS = (CUSTOMER_ID_HEADER, CUSTOMER_HASH_HEADER, CUSTOMER_TOKEN_HEADER)
SESSION_COOKIE = "supportbot_agent"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SIGN_IN_REQUIRED = "Sign in to the agent console (or send the admin token)."


def proof_from_headers(request: Request) -> WidgetProof:
    headers = request.headers
    return WidgetProof(
        customer_id=headers.get(CUSTOMER_ID_HEADER),
        customer_hash=headers.get(CUSTOMER_HASH_HEADER),
        customer_token=headers.get(CUSTOMER_TOKEN_HEADER),
    )


async def verified_customer(identity: WidgetIdentity, proof: WidgetProof) -> str | None:
    """The verified customer id or None; ``Unauthenticated`` (401) for an expired or revoked token.
    Off the event loop: a valid proof is checked against the customer's revocation in the database."""
    return await run_in_threadpool(identity.verify, proof)


def check_admin(settings: Settings, authorization: str | None) -> None:
    """401 unless the bearer token is the admin token (and one is configured at all)."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if not settings.admin_token:
        raise HTTPException(
            401, "The admin API is disabled: SUPPORTBOT_ADMIN_TOKEN is not set.", headers=challenge
        )
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401, "Send the admin token as 'Authorization: Bearer <token>'.", headers=challenge
        )
    if not hmac.compare_digest(token.strip().encode(), settings.admin_token.encode()):
        raise HTTPException(401, "The admin token was not accepted.", headers=challenge)


# ------------------------------------------------------------------ agents


def set_session_cookie(response: Response, settings: Settings, token: str, session: AgentSession) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int((session.expires_at - session.created_at).total_seconds()),
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=settings.secure_cookies
    )


def check_same_origin(request: Request, settings: Settings) -> None:
    """Refuse a browser request another site's page sent (its ``Origin`` names another host than
    the one it was sent to, or than ``SUPPORTBOT_PUBLIC_URL``)."""
    origin = request.headers.get("origin")
    if origin is None:
        return  # not sent by a browser page (curl, tests), or a same-origin GET
    sent_from = origin.split("://", 1)[-1].rstrip("/")
    allowed = {request.headers.get("host", "")}
    if settings.public_url:
        allowed.add(settings.public_url.split("://", 1)[-1].rstrip("/"))
    if sent_from not in allowed:
        raise Forbidden("This request came from another site's page.")


def session_of(request: Request, agents: AgentDirectory) -> AgentSession:
    """The signed-in agent's session (presence recorded), or ``Unauthenticated``."""
    return agents.session(request.cookies.get(SESSION_COOKIE), touch=True)


def current_actor(request: Request, settings: Settings, agents: AgentDirectory) -> Actor:
    """Who is calling the console's API: the admin token (a machine) when an Authorization header
    is sent, else the signed-in agent, whose state-changing requests must carry the CSRF token.
    401 without either; the message never says which part of a credential was wrong."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        check_admin(settings, authorization)
        return Actor(name=ADMIN_TOKEN_ACTOR, role="admin", via="token")
    if SESSION_COOKIE not in request.cookies:
        raise Unauthenticated(SIGN_IN_REQUIRED)
    session = session_of(request, agents)
    if request.method not in SAFE_METHODS:
        check_same_origin(request, settings)
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            raise Forbidden(f"This request needs the console's {CSRF_HEADER} header; reload the page.")
    return session.actor()
