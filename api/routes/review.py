"""Conversation review (signed-in agents): conversations that fell short, and labels for training."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from api.deps import ActorDep, ClockDep, ReviewDep
from bot.reports import parse_range
from bot.schemas.conversations import Channel
from bot.schemas.review import Label, LabelRequest, ReviewDetail, ReviewList, ReviewOptions, ReviewReason

router = APIRouter(prefix="/v1/review", tags=["review"])


@router.get("/conversations")
async def conversations(
    _actor: ActorDep,
    review: ReviewDep,
    clock: ClockDep,
    reason: ReviewReason | None = Query(None, description="fallback | negative | handoff; default: any"),
    since: str | None = Query(None, description="ISO 8601 date or date-time; default: 30 days ago"),
    until: str | None = Query(None, description="ISO 8601 date or date-time; default: now"),
    channel: Channel | None = Query(None),
) -> ReviewList:
    start, end = parse_range(since, until, now=clock())
    found = await run_in_threadpool(lambda: review.conversations(start, end, reason=reason, channel=channel))
    return ReviewList(conversations=found)


@router.get("/conversations/{session_id}")
async def conversation(session_id: str, _actor: ActorDep, review: ReviewDep) -> ReviewDetail:
    """The messages with what the bot understood, which buyer messages it could not answer, and labels."""
    return await run_in_threadpool(review.conversation, session_id)


@router.get("/options")
async def options(_actor: ActorDep, review: ReviewDep) -> ReviewOptions:
    """The intents and articles a label may name."""
    return await run_in_threadpool(review.options)


@router.put("/messages/{message_id}/label")
async def label(message_id: int, body: LabelRequest, actor: ActorDep, review: ReviewDep) -> Label:
    """Labels a buyer message with the intent it should have had, the article that answers it, or
    out of scope; labelling again replaces the label."""
    return await run_in_threadpool(lambda: review.label(message_id, body, actor=actor))


@router.delete("/messages/{message_id}/label", status_code=204)
async def clear(message_id: int, actor: ActorDep, review: ReviewDep) -> Response:
    await run_in_threadpool(lambda: review.clear(message_id, actor=actor))
    return Response(status_code=204)
