"""The demo data: coverage of every state, relative dates, and loading it into a store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.orders.seed import demo_customers, demo_orders, seed
from bot.orders.store import OrderStore, phone_digits
from bot.schemas.orders import LOGISTICS, STATUSES, Order

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_customers_are_the_three_demo_buyers() -> None:
    customers = demo_customers()
    assert [c.customer_id for c in customers] == ["C1001", "C1002", "C1003"]
    for customer in customers:
        assert customer.name
        assert customer.email
        assert customer.phone
        assert customer.phone.startswith("+")
        assert 10 <= len(phone_digits(customer.phone)) <= 15
    assert len({phone_digits(c.phone or "") for c in customers}) == 3


def test_orders_cover_every_status_and_logistics_state() -> None:
    orders = demo_orders(NOW)
    assert len(orders) >= 15
    assert {o.status for o in orders} == set(STATUSES)
    assert {o.logistics for o in orders} == set(LOGISTICS)
    assert {o.dispute.status for o in orders if o.dispute} == {"open", "closed"}
    assert {o.refund.status for o in orders if o.refund} == {"processing", "completed"}
    assert any(o.free_return for o in orders)
    assert {"card", "paypal"} <= {o.payment_method for o in orders}
    assert len({o.order_id for o in orders}) == len(orders)
    assert all(o.order_id.isdigit() for o in orders)
    assert {o.customer_id for o in orders} == {c.customer_id for c in demo_customers()}


def test_order_1001_is_ana_silvas_parcel_in_transit() -> None:
    order = next(o for o in demo_orders(NOW) if o.order_id == "1001")
    assert order.customer_id == "C1001"
    assert order.status == "shipped"
    assert order.logistics == "normal"
    assert order.received_confirmed_at is None
    assert order.shipped_at is not None
    assert order.shipped_at < NOW
    assert order.delivery_deadline is not None
    assert order.delivery_deadline > NOW


@pytest.mark.parametrize("now", [NOW, datetime(2031, 2, 28, 23, 59, tzinfo=timezone.utc)])
def test_every_date_is_in_the_past_of_the_seed_time(now: datetime) -> None:
    for order in demo_orders(now):
        for name, value in order.dates().items():
            assert value <= now, f"{order.order_id} {name}"


def test_dates_move_with_the_seed_time() -> None:
    later = NOW + timedelta(days=100)
    for before, after in zip(demo_orders(NOW), demo_orders(later), strict=True):
        assert after.created_at - before.created_at == timedelta(days=100)
        assert (after.order_id, after.status, after.logistics) == (
            before.order_id,
            before.status,
            before.logistics,
        )


def test_naive_seed_time_is_utc() -> None:
    assert demo_orders(NOW.replace(tzinfo=None)) == demo_orders(NOW)


def test_demo_orders_round_trip_through_the_order_json() -> None:
    for order in demo_orders(NOW):
        assert Order.from_json(order.to_dict()) == order


def test_seed_loads_everything_and_if_empty_then_skips(store: OrderStore) -> None:
    assert seed(store, NOW, if_empty=True) == (3, len(demo_orders(NOW)))
    assert store.count_orders() == len(demo_orders(NOW))
    assert store.get_customer_order("C1001", "1001") == next(
        o for o in demo_orders(NOW) if o.order_id == "1001"
    )
    assert store.find_customer_by_phone("whatsapp:+4915112345678") == demo_customers()[0]

    assert seed(store, NOW + timedelta(days=1), if_empty=True) is None
    assert store.get_order("1001") == next(o for o in demo_orders(NOW) if o.order_id == "1001")


def test_seeding_again_refreshes_the_dates(store: OrderStore) -> None:
    seed(store, NOW)
    later = NOW + timedelta(days=30)
    assert seed(store, later) == (0, 0)
    assert store.get_order("1001") == next(o for o in demo_orders(later) if o.order_id == "1001")


# What each demo order is there to show (docs/data.md): the demo only works if the eligibility
# engine agrees, whenever it is seeded.
STORIES = {
    "1001": ("none", False, "none", False),  # in transit: no cancel, dispute not open yet
    "1002": ("immediate", False, "none", False),
    "1003": ("none", True, "none", True),  # Free Return, receipt confirmed 4 days ago
    "1004": ("immediate", False, "none", False),
    "1005": ("none", True, "none", True),  # no tracking from the 11th day
    "1006": ("none", False, "processing", False),
    "1007": ("none", False, "none", False),  # payment verifying
    "1008": ("seller_approval", False, "none", False),  # paid 10 days ago
    "1009": ("none", False, "none", False),  # dispute already open
    "1010": ("none", False, "completed", False),
    "1011": ("none", True, "none", True),
    "1012": ("none", False, "completed", False),
    "1013": ("none", True, "none", True),
    "1014": ("none", True, "none", True),  # delivery deadline passed
    "1015": ("none", False, "none", False),  # Free Return window over
    "1016": ("none", False, "overdue", False),  # refund past 20 business days: ask the bank
    "1017": ("none", False, "none", False),
    "1018": ("none", True, "none", True),
}


@pytest.mark.parametrize("now", [NOW, datetime(2031, 2, 28, 23, 59, tzinfo=timezone.utc)])
def test_each_demo_order_tells_its_story(now: datetime) -> None:
    engine = pytest.importorskip("bot.policy.engine")
    orders = demo_orders(now)
    assert {o.order_id for o in orders} == set(STORIES)
    for order in orders:
        decision = engine.evaluate(order, now)
        seen = (
            decision.cancel.mode,
            decision.dispute.allowed,
            decision.refund.state,
            decision.return_.allowed,
        )
        assert seen == STORIES[order.order_id], order.order_id
