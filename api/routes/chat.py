"""The web widget's API: a buyer's turn, agent replies by polling, and answer ratings (CSAT)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request

from api.deps import ChatDep, ConversationsDep, IdentityDep, LimiterDep, MetricsDep, client_ip, rate_limit
from api.requests import StrictJSONRoute
from api.security import proof_from_headers, verified_customer
from bot.channels.render import web_message
from bot.identity import WidgetProof
from bot.schemas.base import ROW_ID_MAX, WEB_SESSION_ID_MAX_CHARS
from bot.schemas.chat import ChatHistory, ChatRequest, ChatResponse, Feedback, FeedbackRequest

router = APIRouter(prefix="/v1/chat", tags=["chat"], route_class=StrictJSONRoute)

SessionPath = Path(..., description="The widget's session id", max_length=WEB_SESSION_ID_MAX_CHARS)


@router.post("", response_model_exclude_unset=True)
async def chat(
    body: ChatRequest,
    request: Request,
    background: BackgroundTasks,
    chat: ChatDep,
    identity: IdentityDep,
    limiter: LimiterDep,
) -> ChatResponse:
    """One buyer message in, the bot's replies out (none while an agent has the conversation).
    401 when the buyer's token has expired or was revoked: the page must be reloaded."""
    rate_limit(limiter, f"chat-ip:{client_ip(request)}", f"chat-session:{body.session_id}")
    customer_id = await verified_customer(
        identity, WidgetProof(body.customer_id, body.customer_hash, body.customer_token)
    )
    turn = await chat.handle_turn(body.session_id, body.message, channel="web", customer_id=customer_id)
    if turn.forwarded:
        background.add_task(chat.record_intent, body.session_id)
    return ChatResponse(
        session_id=body.session_id,
        customer_verified=customer_id is not None,
        answered_by="bot" if turn.forwarded else "agent",
        messages=[web_message(message) for message in turn.messages],
    )


@router.get("/{session_id}/messages", response_model_exclude_unset=True)
async def messages(
    request: Request,
    chat: ChatDep,
    identity: IdentityDep,
    session_id: str = SessionPath,
    after: int = Query(0, ge=0, le=ROW_ID_MAX, description="Only messages with a larger id"),
) -> ChatHistory:
    """Messages newer than ``after`` (the widget polls this for agent replies). The caller proves
    who they are with ``X-Customer-Id`` and ``X-Customer-Hash`` or ``X-Customer-Token``, as
    ``POST /v1/chat`` does in its body."""
    customer_id = await verified_customer(identity, proof_from_headers(request))
    return await chat.history(session_id, customer_id, after=after)


@router.post("/feedback")
async def feedback(
    body: FeedbackRequest,
    request: Request,
    chat: ChatDep,
    conversations: ConversationsDep,
    metrics: MetricsDep,
    identity: IdentityDep,
    limiter: LimiterDep,
) -> Feedback:
    """Rates one bot answer helpful or not; rating again overwrites. Feeds the CSAT score."""
    rate_limit(limiter, f"feedback-ip:{client_ip(request)}")
    customer_id = await verified_customer(identity, proof_from_headers(request))
    rated = await chat.rate(body.session_id, body.message_id, body.helpful, customer_id)
    metrics.set_csat(await chat.db(conversations.csat))
    return rated
