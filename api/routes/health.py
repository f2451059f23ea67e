"""Liveness and readiness.

- ``GET /healthz/live``: 200 while the gateway process serves requests; it checks nothing else,
  so an orchestrator restarts the gateway only when the gateway itself is stuck.
- ``GET /healthz/ready`` (and ``GET /healthz``): 200 only when a buyer's turn can be answered at
  once: at least one Rasa replica has its model loaded, the action server answers (it only
  accepts connections once its searcher is loaded), the database answers, the gateway's own
  search model is loaded and, when configured, Redis answers. Otherwise 503 with ``"down: <why>"``
  (or ``"loading"``) for each failing part. A load balancer sends buyers only to ready gateways.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.deps import RasaDep, SearcherDep, SettingsDep, StoreDep
from api.requests import StrictJSONRoute
from bot.orders.store import OrderStore
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.schemas.base import Model

router = APIRouter(tags=["operations"], route_class=StrictJSONRoute)


class Health(Model):
    status: Literal["ok", "unavailable"]
    rasa: str = Field(..., description='"ok" when at least one replica has a model, else "down: <why>"')
    rasa_replicas: dict[str, str] = Field(..., description="Each Rasa replica's URL and its state.")
    action_server: str
    database: str
    search: str = Field(
        ..., description='"ok" or "loading" (the gateway\'s own FAQ search model; "on first use" in tests)'
    )
    redis: str = Field(..., description='"ok", "down: <why>" or "not configured"')


class Live(Model):
    status: Literal["ok"] = "ok"


async def _replica(rasa: RasaClient, url: str) -> str:
    """Ready when its gateway channel says the model is loaded and warmed up."""
    try:
        await rasa.replica_ready(url)
    except RasaUnavailable as exc:
        return f"down: {exc}"
    return "ok"


async def _action_server(rasa: RasaClient) -> str:
    try:
        await rasa.action_server_health()
    except RasaUnavailable as exc:
        return f"down: {exc}"
    return "ok"


async def _database(store: OrderStore) -> str:
    try:
        await run_in_threadpool(store.count_orders)
    except Exception as exc:  # any driver error means the same thing here: no database
        return f"down: {exc.__class__.__name__}"
    return "ok"


def _ping_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
    try:
        client.ping()
    finally:
        client.close()


async def _redis(url: str | None) -> str:
    if url is None:
        return "not configured"
    try:
        await run_in_threadpool(_ping_redis, url)
    except Exception as exc:
        return f"down: {exc.__class__.__name__}"
    return "ok"


@router.get("/healthz/live", response_model=Live)
async def live() -> Live:
    """200 while this gateway process serves requests (it checks nothing else)."""
    return Live()


@router.get("/healthz/ready", response_model=Health, responses={503: {"model": Health}})
async def ready(rasa: RasaDep, store: StoreDep, searcher: SearcherDep, settings: SettingsDep) -> JSONResponse:
    """200 only when a buyer's turn can be answered without waiting for anything to load."""
    replica_states = await asyncio.gather(*(_replica(rasa, url) for url in rasa.replicas))
    actions, database, redis_state = await asyncio.gather(
        _action_server(rasa), _database(store), _redis(settings.redis_url)
    )
    replicas = dict(zip(rasa.replicas, replica_states, strict=True))
    up = [state for state in replicas.values() if state == "ok"]
    rasa_state = "ok" if up else next(iter(replicas.values()))
    checks = {
        "rasa": rasa_state,
        "action_server": actions,
        "database": database,
        # The test environment loads it on first use instead of at start (api.main).
        "search": "ok" if searcher.loaded else ("on first use" if settings.env == "test" else "loading"),
        "redis": redis_state,
    }
    healthy = all(value in ("ok", "not configured", "on first use") for value in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", **checks, "rasa_replicas": replicas},
        status_code=200 if healthy else 503,
    )


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(
    rasa: RasaDep, store: StoreDep, searcher: SearcherDep, settings: SettingsDep
) -> JSONResponse:
    """Readiness, as ``/healthz/ready``."""
    return await ready(rasa, store, searcher, settings)
