"""Support reports (a signed-in agent, or the admin token for machines): JSON and CSV."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import ActorDep, ClockDep, ReportsDep
from bot.reports import parse_range, to_csv
from bot.schemas.conversations import Channel
from bot.schemas.reports import ReportPart, ReportSummary

router = APIRouter(prefix="/v1/reports", tags=["reports"])

SINCE = Query(None, description="ISO 8601 date or date-time (UTC); default: 30 days before until")
UNTIL = Query(None, description="ISO 8601 date (that whole day included) or date-time; default: now")
CHANNEL = Query(None, description="web | whatsapp; default: both")


@router.get("/summary")
async def summary(
    _actor: ActorDep,
    reports: ReportsDep,
    clock: ClockDep,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    channel: Channel | None = CHANNEL,
) -> ReportSummary:
    """The figures of docs/operations.md for conversations that started in ``[since, until)``.
    422 for an unreadable date or ``since`` not before ``until``."""
    start, end = parse_range(since, until, now=clock())
    return await run_in_threadpool(reports.summary, start, end, channel)


@router.get("/{part}.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def export_csv(
    part: ReportPart,
    _actor: ActorDep,
    reports: ReportsDep,
    clock: ClockDep,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    channel: Channel | None = CHANNEL,
) -> Response:
    """One table of the report as CSV (daily, intents, articles, unanswered, agents); buyers'
    e-mails and phone numbers are masked."""
    start, end = parse_range(since, until, now=clock())
    report = await run_in_threadpool(reports.summary, start, end, channel)
    name = f"supportbot-{part}-{start.date().isoformat()}-{end.date().isoformat()}.csv"
    return Response(
        to_csv(report, part),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
