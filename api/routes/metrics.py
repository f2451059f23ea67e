"""``GET /metrics`` in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep

router = APIRouter(tags=["operations"])


@router.get("/metrics")
async def metrics(services: ServicesDep) -> Response:
    # CSAT is read from the database at scrape time, so ratings from before a restart count too.
    services.metrics.set_csat(await run_in_threadpool(services.conversations.csat))
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
