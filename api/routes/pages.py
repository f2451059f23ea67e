"""The web pages (demo shop, help articles, agent console), the widget script and the demo
sign-in the static shop page uses in place of a real shop's server.

The demo sign-in hands anyone any customer's identity, so it answers only when
``Settings.demo_enabled`` (a development gateway that only this machine can reach, or
``SUPPORTBOT_DEMO=on`` there) and only to a request that comes straight from this machine: no
proxy in between, never cross-origin (CORS covers the chat API only)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from api.deps import ClockDep, SettingsDep, StoreDep
from api.requests import StrictJSONRoute
from bot.config import Settings, is_loopback
from bot.errors import NotFound
from bot.identity import customer_hash, customer_token
from bot.schemas.base import Model
from bot.schemas.orders import Order, OrderStatus

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# Pages change with every deploy; the browser revalidates instead of running an old widget.
NO_CACHE = {"Cache-Control": "no-cache"}
DEMO_CUSTOMER_LIMIT = 20
DEMO_ORDER_LIMIT = 10
DEMO_TOKEN_SECONDS = 3600
# Set by a reverse proxy: a request carrying one did not come from a browser on this machine.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")

router = APIRouter(include_in_schema=False, route_class=StrictJSONRoute)


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


# The console's other pages: static, all data comes from the signed-in agent's API calls.
@router.get("/agent/reports")
async def agent_reports() -> FileResponse:
    return _page("reports.html")


@router.get("/agent/review")
async def agent_review() -> FileResponse:
    return _page("review.html")


@router.get("/agent/knowledge")
async def agent_knowledge() -> FileResponse:
    return _page("knowledge.html")


# ------------------------------------------------------------------ local demo only


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
    customer_token: str


def _require_local_demo(settings: Settings, request: Request) -> None:
    peer = request.client.host if request.client else ""
    proxied = any(name in request.headers for name in PROXY_HEADERS)
    if not settings.demo_enabled or not is_loopback(peer) or proxied:
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
async def demo_customers(
    request: Request, response: Response, settings: SettingsDep, store: StoreDep
) -> DemoCustomers:
    """The customers in the store (the seeded demo buyers) with their orders, for the shop page."""
    _require_local_demo(settings, request)
    response.headers["Cache-Control"] = "no-store"

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
    request: Request,
    response: Response,
    settings: SettingsDep,
    store: StoreDep,
    clock: ClockDep,
    customer_id: str = Query(..., min_length=1, max_length=64),
) -> DemoIdentity:
    """What a shop's server would render into the widget tag for a signed-in buyer."""
    _require_local_demo(settings, request)
    response.headers["Cache-Control"] = "no-store"
    secret = settings.widget_secret
    if not secret:
        raise HTTPException(503, "SUPPORTBOT_WIDGET_SECRET is not set, so buyers cannot be verified.")
    customer = await run_in_threadpool(store.get_customer, customer_id)
    if customer is None:
        raise NotFound(f"There is no demo customer {customer_id}.")
    lifetime = min(DEMO_TOKEN_SECONDS, settings.widget_token_max_seconds)
    return DemoIdentity(
        customer_id=customer_id,
        customer_hash=customer_hash(secret, customer_id),
        customer_token=customer_token(secret, customer_id, issued_at=clock(), lifetime_seconds=lifetime),
    )
