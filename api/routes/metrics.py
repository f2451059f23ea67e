"""``GET /metrics`` in the Prometheus text format."""

from __future__ import annotations

import os

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
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
    return Response(metrics_text(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def metrics_text(registry: CollectorRegistry) -> bytes:
    """This app's metrics; with ``PROMETHEUS_MULTIPROC_DIR`` (several gateway processes under
    ``make run``), every process's, added up."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)
        return generate_latest(merged)
    return generate_latest(registry)
