"""The demo customers and orders that `supportbot orders seed` loads (and `make run` uses).

Dates are relative to ``now`` so every eligibility window means the same thing whenever the
demo is seeded: order 1001 is always a parcel in transit that cannot be cancelled, 1002 can
always be cancelled at once, and so on (the table in docs/data.md). Between them the orders
cover every status, every logistics state, open and closed disputes, processing and completed
refunds, Free Return items and card and PayPal payments.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from bot.orders.store import OrderStore
from bot.schemas.base import isoformat_z
from bot.schemas.customers import Customer
from bot.schemas.orders import Order


def demo_customers() -> list[Customer]:
    return [
        Customer(
            customer_id="C1001", name="Ana Silva", email="ana.silva@example.com", phone="+4915112345678"
        ),
        Customer(
            customer_id="C1002", name="Mateo García", email="mateo.garcia@example.com", phone="+34612345678"
        ),
        Customer(
            customer_id="C1003", name="Chloé Martin", email="chloe.martin@example.com", phone="+33612345678"
        ),
    ]


def _item(title: str, price: str, quantity: int = 1, seller: str = "Shenzhen Sound Co.") -> dict[str, Any]:
    return {"title": title, "quantity": quantity, "price": price, "seller": seller}


def demo_orders(now: datetime) -> list[Order]:
    """The demo orders, dated relative to ``now`` (all past dates are before ``now``)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)

    def ago(days: float = 0, hours: float = 0) -> str:
        return isoformat_z(now - timedelta(days=days, hours=hours))

    def ahead(days: float) -> str:
        return isoformat_z(now + timedelta(days=days))

    rows: list[dict[str, Any]] = [
        # C1001 Ana Silva
        {
            "order_id": "1001",
            "customer_id": "C1001",
            "status": "shipped",
            "created_at": ago(6, 2),
            "paid_at": ago(6),
            "payment_method": "card",
            "shipped_at": ago(4),
            "delivery_deadline": ahead(21),
            "logistics": "normal",
            "amount": "49.90",
            "currency": "EUR",
            "items": [_item("Wireless earbuds", "49.90")],
        },
        {
            "order_id": "1002",
            "customer_id": "C1001",
            "status": "awaiting_shipment",
            "created_at": ago(2, 1),
            "paid_at": ago(2),
            "payment_method": "paypal",
            "amount": "18.50",
            "currency": "EUR",
            "items": [_item("Phone case", "9.25", 2, "Guangzhou Cases Ltd.")],
        },
        {
            "order_id": "1003",
            "customer_id": "C1001",
            "status": "completed",
            "created_at": ago(30),
            "paid_at": ago(30),
            "payment_method": "card",
            "shipped_at": ago(27),
            "delivery_deadline": ago(5),
            "received_confirmed_at": ago(4),
            "logistics": "delivered",
            "free_return": True,
            "amount": "35.00",
            "currency": "EUR",
            "items": [_item("Linen shirt", "35.00", seller="Hangzhou Textiles")],
        },
        {
            "order_id": "1004",
            "customer_id": "C1001",
            "status": "unpaid",
            "created_at": ago(hours=1),
            "amount": "12.99",
            "currency": "EUR",
            "items": [_item("USB-C cable", "12.99")],
        },
        {
            "order_id": "1005",
            "customer_id": "C1001",
            "status": "shipped",
            "created_at": ago(16),
            "paid_at": ago(16),
            "payment_method": "card",
            "shipped_at": ago(14),
            "delivery_deadline": ahead(16),
            "logistics": "no_tracking",
            "amount": "64.00",
            "currency": "EUR",
            "items": [_item("Smart watch strap set", "32.00", 2, "Dongguan Wearables")],
        },
        {
            "order_id": "1006",
            "customer_id": "C1001",
            "status": "cancelled",
            "created_at": ago(5),
            "paid_at": ago(5),
            "payment_method": "card",
            "refund": {"status": "processing", "processed_at": ago(3)},
            "amount": "22.40",
            "currency": "EUR",
            "items": [_item("Desk lamp", "22.40", seller="Ningbo Lighting")],
        },
        # C1002 Mateo García
        {
            "order_id": "1007",
            "customer_id": "C1002",
            "status": "payment_verifying",
            "created_at": ago(hours=3),
            "payment_method": "bank_transfer",
            "amount": "120.00",
            "currency": "EUR",
            "items": [_item("Mechanical keyboard", "120.00", seller="Shenzhen Keys")],
        },
        {
            "order_id": "1008",
            "customer_id": "C1002",
            "status": "awaiting_shipment",
            "created_at": ago(10, 1),
            "paid_at": ago(10),
            "payment_method": "card",
            "amount": "89.99",
            "currency": "EUR",
            "items": [_item("Trail running shoes", "89.99", seller="Fujian Footwear")],
        },
        {
            "order_id": "1009",
            "customer_id": "C1002",
            "status": "shipped",
            "created_at": ago(35),
            "paid_at": ago(35),
            "payment_method": "paypal",
            "shipped_at": ago(33),
            "delivery_deadline": ago(3),
            "logistics": "held_in_customs",
            "dispute": {"status": "open", "opened_at": ago(2), "closed_at": None},
            "amount": "230.00",
            "currency": "EUR",
            "items": [_item("Drone with camera", "230.00", seller="Shenzhen Sky Tech")],
        },
        {
            "order_id": "1010",
            "customer_id": "C1002",
            "status": "completed",
            "created_at": ago(70),
            "paid_at": ago(70),
            "payment_method": "paypal",
            "shipped_at": ago(67),
            "delivery_deadline": ago(40),
            "received_confirmed_at": ago(45),
            "logistics": "delivered",
            "dispute": {"status": "closed", "opened_at": ago(44), "closed_at": ago(36)},
            "refund": {"status": "completed", "processed_at": ago(35)},
            "amount": "45.00",
            "currency": "EUR",
            "items": [_item("Bluetooth speaker", "45.00")],
        },
        {
            "order_id": "1011",
            "customer_id": "C1002",
            "status": "shipped",
            "created_at": ago(28),
            "paid_at": ago(28),
            "payment_method": "card",
            "shipped_at": ago(25),
            "delivery_deadline": ahead(5),
            "logistics": "returned_to_seller",
            "amount": "15.80",
            "currency": "EUR",
            "items": [_item("Silicone baking mats", "7.90", 2, "Yiwu Kitchenware")],
        },
        {
            "order_id": "1012",
            "customer_id": "C1002",
            "status": "closed",
            "created_at": ago(90),
            "paid_at": ago(90),
            "payment_method": "card",
            "shipped_at": ago(88),
            "delivery_deadline": ago(58),
            "logistics": "returned_to_seller",
            "dispute": {"status": "closed", "opened_at": ago(60), "closed_at": ago(52)},
            "refund": {"status": "completed", "processed_at": ago(50)},
            "amount": "59.00",
            "currency": "EUR",
            "items": [_item("Espresso grinder", "59.00", seller="Foshan Appliances")],
        },
        # C1003 Chloé Martin
        {
            "order_id": "1013",
            "customer_id": "C1003",
            "status": "shipped",
            "created_at": ago(14),
            "paid_at": ago(14),
            "payment_method": "card",
            "shipped_at": ago(12),
            "delivery_deadline": ahead(18),
            "logistics": "wrong_address",
            "amount": "27.50",
            "currency": "EUR",
            "items": [_item("Yoga mat", "27.50", seller="Xiamen Sports")],
        },
        {
            "order_id": "1014",
            "customer_id": "C1003",
            "status": "shipped",
            "created_at": ago(40),
            "paid_at": ago(40),
            "payment_method": "paypal",
            "shipped_at": ago(38),
            "delivery_deadline": ago(3),
            "logistics": "normal",
            "amount": "74.00",
            "currency": "EUR",
            "items": [_item("Ceramic dinner set", "74.00", seller="Jingdezhen Ceramics")],
        },
        {
            "order_id": "1015",
            "customer_id": "C1003",
            "status": "completed",
            "created_at": ago(50),
            "paid_at": ago(50),
            "payment_method": "card",
            "shipped_at": ago(47),
            "delivery_deadline": ago(20),
            "received_confirmed_at": ago(20),
            "logistics": "delivered",
            "free_return": True,
            "amount": "39.00",
            "currency": "EUR",
            "items": [_item("Wool scarf", "39.00", seller="Hangzhou Textiles")],
        },
        {
            "order_id": "1016",
            "customer_id": "C1003",
            "status": "completed",
            "created_at": ago(80),
            "paid_at": ago(80),
            "payment_method": "card",
            "shipped_at": ago(77),
            "delivery_deadline": ago(47),
            "received_confirmed_at": ago(50),
            "logistics": "delivered",
            "dispute": {"status": "closed", "opened_at": ago(49), "closed_at": ago(42)},
            "refund": {"status": "processing", "processed_at": ago(40)},
            "amount": "110.00",
            "currency": "EUR",
            "items": [_item("Robot vacuum", "110.00", seller="Suzhou Home Robotics")],
        },
        {
            "order_id": "1017",
            "customer_id": "C1003",
            "status": "cancelled",
            "created_at": ago(8),
            "amount": "9.99",
            "currency": "EUR",
            "items": [_item("Sticker pack", "9.99", seller="Yiwu Stationery")],
        },
        {
            "order_id": "1018",
            "customer_id": "C1003",
            "status": "shipped",
            "created_at": ago(18),
            "paid_at": ago(18),
            "payment_method": "paypal",
            "shipped_at": ago(16),
            "delivery_deadline": ahead(14),
            "logistics": "delivered",
            "amount": "19.90",
            "currency": "EUR",
            "items": [_item("Reading glasses", "19.90", seller="Wenzhou Optics")],
        },
    ]
    return [Order.from_json(row) for row in rows]


def seed(store: OrderStore, now: datetime, *, if_empty: bool = False) -> tuple[int, int] | None:
    """Load the demo set in one transaction; (customers created, orders created).

    With ``if_empty``, a store that already has orders is left alone and None is returned, so
    `make run` never overwrites orders the shop synced.
    """
    if if_empty and store.count_orders() > 0:
        return None
    return store.upsert_many(demo_customers(), demo_orders(now))
