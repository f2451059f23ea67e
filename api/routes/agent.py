"""The agent console's API (bearer ``SUPPORTBOT_ADMIN_TOKEN``): queue, transcript, reply, close."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

from fastapi import APIRouter, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from api.conversation import agent_message_view, conversation_view
from api.deps import AdminDep, Services, ServicesDep
from api.schemas import AgentReplyRequest
from bot.assist import ChatLine
from bot.channels.whatsapp_cloud import ChannelDeliveryError
from bot.errors import SupportbotError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/agent", tags=["agent"], dependencies=[AdminDep])

STATUSES = ("bot", "handoff", "agent")
# How long the transcript waits for assist before answering without it.
ASSIST_WAIT_SECONDS = 2.0


async def _conversation_or_404(services: Services, session_id: str) -> Any:
    conversation = await run_in_threadpool(services.conversations.get_conversation, session_id)
    if conversation is None:
        raise HTTPException(404, f"There is no conversation {session_id!r}.")
    return conversation


async def _assist_for(services: Services, conversation: Any, messages: list[Any]) -> Optional[dict[str, Any]]:
    """Assist for the conversation, or None while it is still being computed (the transcript
    must not wait for a model that is loading; the console picks it up on its next refresh)."""
    lines = [
        ChatLine(role="customer" if message.role == "customer" else "agent", text=message.text)
        for message in messages
        if message.text
    ]
    if not any(line.role == "customer" for line in lines):
        return None
    # Orders the bot already looked up for this buyer, newest first.
    mentioned = [
        str(message.data["order_id"])
        for message in reversed(messages)
        if message.role == "bot" and isinstance(message.data, dict) and message.data.get("order_id")
    ]
    # The minute is part of the key: eligibility windows move with time and orders get updated.
    minute = int(services.clock().timestamp() // 60)
    key = (conversation.session_id, messages[-1].id, conversation.customer_id, minute)
    task = services.assist_cache.task(
        key,
        lambda: services.assist.assist(
            lines, customer_id=conversation.customer_id, mentioned_order_ids=mentioned
        ),
    )
    done, _ = await asyncio.wait({task}, timeout=ASSIST_WAIT_SECONDS)
    if not done:
        raise AssistPending()
    result: dict[str, Any] = task.result()
    return result


class AssistPending(Exception):
    pass


@router.get("/conversations")
async def conversations(
    services: ServicesDep,
    status: Optional[str] = Query(None, description="bot | handoff | agent"),
    limit: int = Query(100, ge=1, le=500),
) -> dict[str, Any]:
    if status is not None and status not in STATUSES:
        raise HTTPException(422, f"status: must be one of {', '.join(STATUSES)}")
    found = await run_in_threadpool(services.conversations.list_conversations, status, limit)
    return {"conversations": [conversation_view(conversation) for conversation in found]}


@router.get("/conversations/{session_id}")
async def conversation(session_id: str, services: ServicesDep) -> dict[str, Any]:
    found = await _conversation_or_404(services, session_id)
    messages = await run_in_threadpool(services.conversations.messages, session_id, 0)
    view = conversation_view(found)
    view["messages"] = [agent_message_view(message) for message in messages]
    try:
        view["assist"] = await _assist_for(services, found, messages)
    except AssistPending:
        view["assist"] = None
        view["assist_pending"] = True
    except SupportbotError as exc:
        # The transcript is still worth showing when the search index or Rasa is missing.
        logger.warning("agent assist failed for %s: %s", session_id, exc)
        view["assist"] = None
        view["assist_error"] = str(exc)
    return view


@router.post("/conversations/{session_id}/reply")
async def reply(session_id: str, body: AgentReplyRequest, services: ServicesDep) -> dict[str, Any]:
    """Sends the reply on the buyer's channel first, then logs it; the bot stays silent from now
    on until the conversation is closed."""
    found = await _conversation_or_404(services, session_id)
    try:
        await services.chat.deliver_agent_reply(found, body.text)
    except ChannelDeliveryError as exc:
        raise HTTPException(502, f"The reply could not be delivered: {exc}") from None

    def record() -> Any:
        message = services.conversations.add_message(
            session_id, "agent", body.text, channel=found.channel, customer_id=found.customer_id
        )
        ticket = services.store.get_open_ticket(session_id)
        if ticket is not None and ticket.status == "open":
            services.store.update_ticket(ticket.ticket_id, "assigned")
        ticket_id = found.ticket_id or (ticket.ticket_id if ticket is not None else None)
        services.conversations.set_status(session_id, "agent", ticket_id=ticket_id)
        return message

    message = await run_in_threadpool(record)
    services.metrics.agent_replies.labels(found.channel).inc()
    return {"session_id": session_id, "status": "agent", "message": agent_message_view(message)}


@router.post("/conversations/{session_id}/close")
async def close(session_id: str, services: ServicesDep) -> dict[str, Any]:
    """Resolves the handoff ticket and gives the conversation back to the bot."""
    await _conversation_or_404(services, session_id)

    def record() -> None:
        ticket = services.store.get_open_ticket(session_id)
        if ticket is not None:
            services.store.update_ticket(ticket.ticket_id, "closed")
        services.conversations.set_status(session_id, "bot", ticket_id=None)

    await run_in_threadpool(record)
    return {"session_id": session_id, "status": "bot"}
