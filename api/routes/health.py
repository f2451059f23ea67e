"""``GET /healthz``: 200 only when every process the buyer depends on answers."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import Services, ServicesDep
from bot.rasa_client import RasaUnavailable, model_loaded

router = APIRouter(tags=["operations"])


async def _rasa(services: Services) -> str:
    try:
        status = await services.rasa.status()
    except RasaUnavailable as exc:
        return f"down: {exc}"
    return "ok" if model_loaded(status) else "down: Rasa is running but has no model loaded"


async def _action_server(services: Services) -> str:
    try:
        await services.rasa.action_server_health()
    except RasaUnavailable as exc:
        return f"down: {exc}"
    return "ok"


async def _database(services: Services) -> str:
    try:
        await run_in_threadpool(services.store.count_orders)
    except Exception as exc:  # any driver error means the same thing here: no database
        return f"down: {exc.__class__.__name__}"
    return "ok"


@router.get("/healthz")
async def healthz(services: ServicesDep) -> JSONResponse:
    rasa, actions, database = await asyncio.gather(
        _rasa(services), _action_server(services), _database(services)
    )
    checks: dict[str, Any] = {"rasa": rasa, "action_server": actions, "database": database}
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status_code=200 if healthy else 503
    )
