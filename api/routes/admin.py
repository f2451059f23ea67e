"""Shop-to-supportbot sync of customers and orders (bearer ``SUPPORTBOT_ADMIN_TOKEN``).

PUT creates (201) or replaces (200); the id in the body must be the one in the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AdminDep, ClockDep, StoreDep
from api.requests import StrictJSONRoute
from bot.errors import InvalidField, NotFound
from bot.schemas.customers import Customer, IdentitiesRevoked
from bot.schemas.orders import Order

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[AdminDep], route_class=StrictJSONRoute)

T = TypeVar("T")


async def _put(response: Response, field: str, in_body: str, in_url: str, upsert: Callable[[], bool]) -> None:
    if in_body != in_url:
        raise InvalidField(field, f"{in_body!r} does not match the URL ({in_url!r})")
    response.status_code = 201 if await run_in_threadpool(upsert) else 200


async def _get(load: Callable[[], T | None], missing: str) -> T:
    found = await run_in_threadpool(load)
    if found is None:
        raise NotFound(missing)
    return found


@router.put("/customers/{customer_id}", responses={201: {"model": Customer, "description": "Created"}})
async def put_customer(customer_id: str, customer: Customer, response: Response, store: StoreDep) -> Customer:
    """``phone`` links the customer's WhatsApp number to them."""
    await _put(
        response, "customer_id", customer.customer_id, customer_id, lambda: store.upsert_customer(customer)
    )
    return customer


@router.get("/customers/{customer_id}")
async def get_customer(customer_id: str, store: StoreDep) -> Customer:
    return await _get(lambda: store.get_customer(customer_id), f"There is no customer {customer_id}.")


@router.post("/customers/{customer_id}/revoke-identities")
async def revoke_identities(customer_id: str, store: StoreDep, clock: ClockDep) -> IdentitiesRevoked:
    """Signs the customer out of the widget everywhere, without rotating the widget secret: tokens
    issued until now and every ``customer_hash`` of theirs are refused from now on; tokens the
    shop issues afterwards work."""
    at = await run_in_threadpool(store.revoke_identities, customer_id, clock())
    return IdentitiesRevoked(customer_id=customer_id, identities_valid_after=at)


@router.put("/orders/{order_id}", responses={201: {"model": Order, "description": "Created"}})
async def put_order(order_id: str, order: Order, response: Response, store: StoreDep) -> Order:
    """The order's customer must exist already (422 otherwise)."""
    await _put(response, "order_id", order.order_id, order_id, lambda: store.upsert_order(order))
    return order


@router.get("/orders/{order_id}")
async def get_order(order_id: str, store: StoreDep) -> Order:
    return await _get(lambda: store.get_order(order_id), f"There is no order {order_id}.")
