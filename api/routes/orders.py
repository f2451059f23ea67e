"""Buyer-facing order data (the verified customer's own orders only) and the eligibility engine."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from fastapi import APIRouter, Body, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.security import identity_from_request
from bot.orders.schema import OrderValidationError, order_from_dict, order_to_dict, parse_datetime

router = APIRouter(prefix="/v1", tags=["orders"])


@router.get("/orders/{order_id}")
async def get_order(order_id: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """Send ``X-Customer-Id`` and ``X-Customer-Hash`` (or the ``customer_id`` and ``customer_hash``
    query parameters). Another customer's order is answered exactly like a missing one."""
    customer_id = identity_from_request(services.settings, request)
    if customer_id is None:
        raise HTTPException(
            401, "Sign in first: send customer_id and customer_hash (the shop's HMAC of the customer id)."
        )
    order = await run_in_threadpool(services.store.get_customer_order, customer_id, order_id)
    if order is None:
        raise HTTPException(404, f"You have no order {order_id}.")
    return order_to_dict(order)


@router.post("/eligibility")
async def eligibility(
    services: ServicesDep,
    order: Any = Body(..., description="Order JSON (see docs/api.md)"),
    now: Optional[str] = Query(None, description="ISO 8601 instant to decide at; default: the current time"),
) -> dict[str, Any]:
    """What the buyer may do with this order now: cancel, dispute, refund, return, with reasons."""
    try:
        at: datetime = parse_datetime(now, "now") if now is not None else services.clock()
    except OrderValidationError as exc:
        raise HTTPException(422, str(exc)) from None
    parsed = order_from_dict(order)
    decision: dict[str, Any] = services.evaluate(parsed, at).to_dict()
    return decision
