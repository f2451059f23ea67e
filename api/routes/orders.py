"""Buyer-facing order data (the verified customer's own orders only) and the eligibility engine."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from api.deps import ClockDep, IdentityDep, StoreDep
from api.requests import StrictJSONRoute
from api.security import proof_from_headers, verified_customer
from bot.assistant import replies
from bot.errors import NotFound
from bot.policy import evaluate
from bot.schemas.base import parse_datetime
from bot.schemas.decisions import Eligibility
from bot.schemas.orders import Order

router = APIRouter(prefix="/v1", tags=["orders"], route_class=StrictJSONRoute)


@router.get("/orders/{order_id}")
async def get_order(order_id: str, request: Request, store: StoreDep, identity: IdentityDep) -> Order:
    """Send ``X-Customer-Id`` with ``X-Customer-Hash``, or ``X-Customer-Token`` (never in the query
    string). Another customer's order is answered exactly like a missing one."""
    customer_id = await verified_customer(identity, proof_from_headers(request))
    if customer_id is None:
        raise HTTPException(
            401,
            "Sign in first: send X-Customer-Id with X-Customer-Hash (the shop's HMAC of the customer id), "
            "or X-Customer-Token.",
        )
    order = await run_in_threadpool(store.get_customer_order, customer_id, order_id)
    if order is None:
        raise NotFound(f"You have no order {order_id}.")
    return order


@router.post("/eligibility")
async def eligibility(
    order: Order,
    clock: ClockDep,
    now: str | None = Query(None, description="ISO 8601 instant to decide at; default: the current time"),
) -> Eligibility:
    """What the buyer may do with this order now: cancel, dispute, refund, return, with reasons."""
    at = parse_datetime(now, "now") if now is not None else clock()
    return replies.eligibility(order, evaluate(order, at))
