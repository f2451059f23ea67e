"""The agent console's API (a signed-in agent, or the admin token): queue, transcript, reply, close.

Replies and closes are recorded under the agent who made them (``bot.chat``)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Query

from api.deps import ActorDep, AssistDep, ChatDep, ConversationsDep
from api.requests import StrictJSONRoute
from bot.assist import AssistPending
from bot.errors import SupportbotError
from bot.schemas.chat import (
    AgentReply,
    AgentReplyRequest,
    ConversationClosed,
    ConversationDetail,
    ConversationList,
)
from bot.schemas.conversations import AgentMessage, ConversationStatus

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/agent", tags=["agent"], route_class=StrictJSONRoute)


@router.get("/conversations")
async def conversations(
    _actor: ActorDep,
    chat: ChatDep,
    log: ConversationsDep,
    status: ConversationStatus | None = Query(None, description="bot | handoff | agent"),
    limit: int = Query(100, ge=1, le=500),
) -> ConversationList:
    found = await chat.db(log.list_conversations, status, limit)
    return ConversationList(conversations=[conversation.summary() for conversation in found])


@router.get("/conversations/{session_id}", response_model_exclude_unset=True)
async def conversation(
    session_id: str, _actor: ActorDep, chat: ChatDep, log: ConversationsDep, assist: AssistDep
) -> ConversationDetail:
    found = await chat.conversation(session_id)
    messages = await chat.db(log.messages, session_id, 0)
    view = ConversationDetail(
        **found.summary().dict(), messages=[AgentMessage.of(message) for message in messages], assist=None
    )
    try:
        return view.copy(update={"assist": await assist.for_conversation(found, messages)})
    except AssistPending:
        return ConversationDetail(**view.dict(exclude_unset=True), assist_pending=True)
    except SupportbotError as exc:
        # The transcript is still worth showing when the search index or Rasa is missing.
        logger.warning("agent assist failed for %s: %s", session_id, exc)
        return ConversationDetail(**view.dict(exclude_unset=True), assist_error=str(exc))


@router.post("/conversations/{session_id}/reply")
async def reply(session_id: str, body: AgentReplyRequest, actor: ActorDep, chat: ChatDep) -> AgentReply:
    """Sends the reply on the buyer's channel first, then logs it under the agent; the bot stays
    silent from now on until the conversation is closed."""
    return await chat.agent_reply(session_id, body.text, actor)


@router.post("/conversations/{session_id}/close")
async def close(session_id: str, actor: ActorDep, chat: ChatDep) -> ConversationClosed:
    """Resolves the handoff ticket and gives the conversation back to the bot."""
    return await chat.close(session_id, actor)
