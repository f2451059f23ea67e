"""The web pages (demo shop, help articles, agent console), the widget script and the
development-only demo sign-in the static shop page uses in place of a real shop's server."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from api.deps import SettingsDep, StoreDep
from api.security import customer_hash
from bot.config import Settings
from bot.errors import NotFound
from bot.schemas.base import Model
from bot.schemas.orders import Order, OrderStatus

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# Pages change with every deploy; the browser revalidates instead of running an old widget.
NO_CACHE = {"Cache-Control": "no-cache"}
DEMO_CUSTOMER_LIMIT = 20
DEMO_ORDER_LIMIT = 10

router = APIRouter(include_in_schema=False)


def _page(name: str, media_type: str = "text/html") -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type=media_type, headers=NO_CACHE)


@router.get("/")
async def shop() -> FileResponse:
    return _page("index.html")


@router.get("/widget.js")
async def widget() -> FileResponse:
    return _page("widget.js", "text/javascript")


@router.get("/help/{article_id}")
async def help_article(article_id: str) -> FileResponse:
    # article.js fetches /v1/faq/articles/{id} and explains an unknown id itself.
    return _page("article.html")


@router.get("/agent")
async def agent_console() -> FileResponse:
    return _page("agent.html")


# ------------------------------------------------------------------ development only


class DemoOrder(Model):
    order_id: str
    status: OrderStatus
    summary: str
    question: str


class DemoCustomer(Model):
    customer_id: str
    name: str
    orders: list[DemoOrder]


class DemoCustomers(Model):
    customers: list[DemoCustomer]


class DemoIdentity(Model):
    customer_id: str
    customer_hash: str


def _require_development(settings: Settings) -> None:
    if settings.env != "development":
        raise HTTPException(404, "Not found")


def _demo_question(order: Order) -> str:
    if order.status in ("unpaid", "payment_verifying", "awaiting_shipment"):
        return f"Can I cancel order {order.order_id}?"
    if order.status == "shipped":
        if order.logistics in ("normal", "delivered"):
            return f"Where is my order {order.order_id}?"
        return f"Can I open a dispute for order {order.order_id}?"
    if order.status == "completed":
        return f"Can I return order {order.order_id}?"
    return f"When do I get my refund for order {order.order_id}?"


def _demo_summary(order: Order) -> str:
    items = ", ".join(item.title for item in order.items) or "No items"
    parts = [items, f"{order.amount} {order.currency}"]
    if order.logistics not in ("normal",):
        parts.append(order.logistics.replace("_", " "))
    return " · ".join(parts)


@router.get("/demo/customers")
async def demo_customers(settings: SettingsDep, store: StoreDep) -> DemoCustomers:
    """The customers in the store (the seeded demo buyers) with their orders, for the shop page."""
    _require_development(settings)

    def load() -> DemoCustomers:
        return DemoCustomers(
            customers=[
                DemoCustomer(
                    customer_id=customer.customer_id,
                    name=customer.name,
                    orders=[
                        DemoOrder(
                            order_id=order.order_id,
                            status=order.status,
                            summary=_demo_summary(order),
                            question=_demo_question(order),
                        )
                        for order in store.list_customer_orders(customer.customer_id)[:DEMO_ORDER_LIMIT]
                    ],
                )
                for customer in store.list_customers()[:DEMO_CUSTOMER_LIMIT]
            ]
        )

    return await run_in_threadpool(load)


@router.get("/demo/identity")
async def demo_identity(
    settings: SettingsDep, store: StoreDep, customer_id: str = Query(..., min_length=1, max_length=64)
) -> DemoIdentity:
    """What a shop's server would render into the widget tag for a signed-in buyer."""
    _require_development(settings)
    secret = settings.widget_secret
    if not secret:
        raise HTTPException(503, "SUPPORTBOT_WIDGET_SECRET is not set, so buyers cannot be verified.")
    customer = await run_in_threadpool(store.get_customer, customer_id)
    if customer is None:
        raise NotFound(f"There is no demo customer {customer_id}.")
    return DemoIdentity(customer_id=customer_id, customer_hash=customer_hash(secret, customer_id))
