"""``GET /metrics`` in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from api.deps import ConversationsDep, MetricsDep
from api.requests import StrictJSONRoute

router = APIRouter(tags=["operations"], route_class=StrictJSONRoute)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
async def metrics(metrics: MetricsDep, conversations: ConversationsDep) -> Response:
    # CSAT is read from the database at scrape time, so ratings from before a restart count too.
    metrics.set_csat(await run_in_threadpool(conversations.csat))
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
