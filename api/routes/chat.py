"""The web widget's API: a buyer's turn, agent replies by polling, and answer ratings (CSAT)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from api.conversation import message_view
from api.deps import ServicesDep, client_ip, rate_limit
from api.schemas import SESSION_ID, ChatRequest, FeedbackRequest
from api.security import identity_from_request, verify_customer

router = APIRouter(prefix="/v1/chat", tags=["chat"])

SessionPath = Path(..., description="The widget's session id", max_length=128)


def _check_session_id(session_id: str) -> None:
    if not SESSION_ID.match(session_id):
        raise HTTPException(422, "session_id: must be 1 to 128 letters, digits or . _ - @ +")


@router.post("")
async def chat(
    body: ChatRequest, request: Request, background: BackgroundTasks, services: ServicesDep
) -> dict[str, Any]:
    """One buyer message in, the bot's replies out (none while an agent has the conversation)."""
    rate_limit(services, f"chat-ip:{client_ip(request)}", f"chat-session:{body.session_id}")
    limit = services.settings.max_message_chars
    if len(body.message) > limit:
        raise HTTPException(422, f"message: is longer than {limit} characters; please shorten it.")
    customer_id = verify_customer(services.settings, body.customer_id, body.customer_hash)
    turn = await services.chat.handle_turn(
        body.session_id, body.message, channel="web", customer_id=customer_id
    )
    if turn.forwarded:
        background.add_task(services.chat.record_intent, body.session_id)
    return {
        "session_id": body.session_id,
        "customer_verified": customer_id is not None,
        # "agent": the message waits for the person who has the conversation (no bot reply).
        "answered_by": "bot" if turn.forwarded else "agent",
        "messages": [message_view(message) for message in turn.messages],
    }


@router.get("/{session_id}/messages")
async def messages(
    request: Request,
    services: ServicesDep,
    session_id: str = SessionPath,
    after: int = Query(0, ge=0, description="Only messages with a larger id"),
) -> dict[str, Any]:
    """Messages newer than ``after`` (the widget polls this for agent replies). The caller proves
    who they are with ``X-Customer-Id``/``X-Customer-Hash`` like ``POST /v1/chat`` does."""
    _check_session_id(session_id)
    customer_id = identity_from_request(services.settings, request)
    conversation = await services.chat.owned_conversation(session_id, "web", customer_id)
    if conversation is None:
        return {"session_id": session_id, "status": None, "messages": []}
    found = await run_in_threadpool(services.conversations.messages, session_id, after)
    return {
        "session_id": session_id,
        "status": conversation.status,
        "messages": [message_view(message) for message in found],
    }


@router.post("/feedback")
async def feedback(body: FeedbackRequest, request: Request, services: ServicesDep) -> dict[str, Any]:
    """Rates one bot answer helpful or not; rating again overwrites. Feeds the CSAT score."""
    rate_limit(services, f"feedback-ip:{client_ip(request)}")
    customer_id = identity_from_request(services.settings, request)
    conversation = await services.chat.owned_conversation(body.session_id, "web", customer_id)
    if conversation is None:
        raise HTTPException(404, "There is no conversation with this session id.")
    await run_in_threadpool(
        services.conversations.record_feedback, body.session_id, body.message_id, body.helpful
    )
    services.metrics.set_csat(await run_in_threadpool(services.conversations.csat))
    return {"session_id": body.session_id, "message_id": body.message_id, "helpful": body.helpful}
