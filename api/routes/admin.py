"""Shop-to-supportbot sync of customers and orders (bearer ``SUPPORTBOT_ADMIN_TOKEN``)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AdminDep, StoreDep
from bot.errors import InvalidField, NotFound
from bot.schemas.customers import Customer
from bot.schemas.orders import Order

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[AdminDep])


def _same_id(field: str, in_body: str, in_url: str) -> None:
    if in_body != in_url:
        raise InvalidField(field, f"{in_body!r} does not match the URL ({in_url!r})")


@router.put("/customers/{customer_id}", responses={201: {"model": Customer, "description": "Created"}})
async def put_customer(customer_id: str, customer: Customer, response: Response, store: StoreDep) -> Customer:
    """Creates (201) or replaces (200) a customer; ``phone`` links their WhatsApp number to them."""
    _same_id("customer_id", customer.customer_id, customer_id)
    created = await run_in_threadpool(store.upsert_customer, customer)
    response.status_code = 201 if created else 200
    return customer


@router.get("/customers/{customer_id}")
async def get_customer(customer_id: str, store: StoreDep) -> Customer:
    customer = await run_in_threadpool(store.get_customer, customer_id)
    if customer is None:
        raise NotFound(f"There is no customer {customer_id}.")
    return customer


@router.put("/orders/{order_id}", responses={201: {"model": Order, "description": "Created"}})
async def put_order(order_id: str, order: Order, response: Response, store: StoreDep) -> Order:
    """Creates (201) or replaces (200) an order; its customer must exist already (422 otherwise)."""
    _same_id("order_id", order.order_id, order_id)
    created = await run_in_threadpool(store.upsert_order, order)
    response.status_code = 201 if created else 200
    return order


@router.get("/orders/{order_id}")
async def get_order(order_id: str, store: StoreDep) -> Order:
    order = await run_in_threadpool(store.get_order, order_id)
    if order is None:
        raise NotFound(f"There is no order {order_id}.")
    return order
