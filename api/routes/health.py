"""``GET /healthz``: 200 only when every process the buyer depends on answers."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.deps import RasaDep, StoreDep
from api.requests import StrictJSONRoute
from bot.orders.store import OrderStore
from bot.rasa_client import RasaClient, RasaUnavailable, model_loaded
from bot.schemas.base import Model

router = APIRouter(tags=["operations"], route_class=StrictJSONRoute)


class Health(Model):
    status: Literal["ok", "unavailable"]
    rasa: str = Field(..., description='"ok" or "down: <why>"')
    action_server: str
    database: str


async def _rasa(rasa: RasaClient) -> str:
    try:
        status = await rasa.status()
    except RasaUnavailable as exc:
        return f"down: {exc}"
    return "ok" if model_loaded(status) else "down: Rasa is running but has no model loaded"


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


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(rasa: RasaDep, store: StoreDep) -> JSONResponse:
    """200 only when Rasa has a model loaded, the action server answers and the database answers."""
    rasa_status, actions, database = await asyncio.gather(_rasa(rasa), _action_server(rasa), _database(store))
    checks = {"rasa": rasa_status, "action_server": actions, "database": database}
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status_code=200 if healthy else 503
    )
