"""Shop-to-supportbot sync of customers and orders (bearer ``SUPPORTBOT_ADMIN_TOKEN``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AdminDep, ServicesDep
from api.schemas import CustomerRequest
from bot.orders.schema import order_from_dict, order_to_dict

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[AdminDep])


def customer_view(customer: Any) -> dict[str, Any]:
    return {
        "customer_id": customer.customer_id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
    }


@router.put("/customers/{customer_id}")
async def put_customer(
    customer_id: str, body: CustomerRequest, response: Response, services: ServicesDep
) -> dict[str, Any]:
    """Creates (201) or replaces (200) a customer; ``phone`` links their WhatsApp number to them."""
    if body.customer_id != customer_id:
        raise HTTPException(
            422, f"customer_id: {body.customer_id!r} does not match the URL ({customer_id!r})"
        )
    from bot.orders.store import Customer

    customer = Customer(
        customer_id=customer_id, name=body.name, email=body.email or None, phone=body.phone or None
    )
    created = await run_in_threadpool(services.store.upsert_customer, customer)
    response.status_code = 201 if created else 200
    return customer_view(customer)


@router.get("/customers/{customer_id}")
async def get_customer(customer_id: str, services: ServicesDep) -> dict[str, Any]:
    customer = await run_in_threadpool(services.store.get_customer, customer_id)
    if customer is None:
        raise HTTPException(404, f"There is no customer {customer_id}.")
    return customer_view(customer)


@router.put("/orders/{order_id}")
async def put_order(
    order_id: str, response: Response, services: ServicesDep, order: Any = Body(..., description="Order JSON")
) -> dict[str, Any]:
    """Creates (201) or replaces (200) an order; its customer must exist already (422 otherwise)."""
    parsed = order_from_dict(order)
    if parsed.order_id != order_id:
        raise HTTPException(422, f"order_id: {parsed.order_id!r} does not match the URL ({order_id!r})")
    created = await run_in_threadpool(services.store.upsert_order, parsed)
    response.status_code = 201 if created else 200
    return order_to_dict(parsed)


@router.get("/orders/{order_id}")
async def get_order(order_id: str, services: ServicesDep) -> dict[str, Any]:
    order = await run_in_threadpool(services.store.get_order, order_id)
    if order is None:
        raise HTTPException(404, f"There is no order {order_id}.")
    return order_to_dict(order)
