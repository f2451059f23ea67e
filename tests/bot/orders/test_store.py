"""OrderStore on SQLite and PostgreSQL (fixtures in conftest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot import db
from bot.errors import UsageError
from bot.orders.store import OrderStore
from bot.schemas.customers import Customer, phone_digits
from bot.schemas.orders import Order

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
ANA = Customer(customer_id="C1001", name="Ana Silva", email="ana@example.com", phone="+4915112345678")
MATEO = Customer(customer_id="C1002", name="Mateo García", email="mateo@example.com", phone="+34 612 345 678")


def make_order(order_id: str = "1001", customer_id: str = "C1001", **fields: Any) -> Order:
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": customer_id,
        "status": "shipped",
        "created_at": "2024-05-20T09:00:00Z",
        "paid_at": "2024-05-20T09:05:00Z",
        "payment_method": "card",
        "shipped_at": "2024-05-22T10:00:00Z",
        "delivery_deadline": "2024-06-20T00:00:00Z",
        "logistics": "normal",
        "amount": "49.90",
        "currency": "EUR",
        "items": [{"title": "Wireless earbuds", "quantity": 1, "price": "49.90"}],
    }
    data.update(fields)
    return Order.from_json(data)


@pytest.fixture
def customers(store: OrderStore) -> OrderStore:
    store.upsert_customer(ANA)
    store.upsert_customer(MATEO)
    return store


def test_upsert_order_reports_created_then_updated(customers: OrderStore) -> None:
    assert customers.upsert_order(make_order()) is True
    assert (
        customers.upsert_order(make_order(status="completed", received_confirmed_at="2024-05-30T00:00:00Z"))
        is False
    )
    assert customers.upsert_order(make_order(logistics="delivered")) is False
    stored = customers.get_order("1001")
    assert stored is not None
    assert stored.logistics == "delivered"
    assert customers.count_orders() == 1


def test_order_round_trip_is_lossless(customers: OrderStore) -> None:
    order = make_order(
        status="completed",
        received_confirmed_at="2024-05-28T08:30:15.123456+02:00",
        logistics="delivered",
        dispute={
            "status": "closed",
            "opened_at": "2024-05-28T10:00:00Z",
            "closed_at": "2024-05-29T10:00:00Z",
        },
        refund={"status": "completed", "processed_at": "2024-05-30T10:00:00Z"},
        free_return=True,
        payment_method="paypal",
        amount="12345678901234.57",
        items=[
            {
                "title": "Earbuds",
                "quantity": 2,
                "price": "24.95",
                "options": {"colour": "black", "tags": [1, None]},
            },
            {"title": "Ünïcode ✓ case", "quantity": 1},
        ],
    )
    customers.upsert_order(order)
    stored = customers.get_order("1001")
    assert stored == order
    assert stored.amount == Decimal("12345678901234.57")
    assert stored.created_at.tzinfo is not None
    assert stored.to_dict() == order.to_dict()


def test_upsert_order_for_unknown_customer_names_it_and_writes_nothing(customers: OrderStore) -> None:
    with pytest.raises(UsageError, match="C9999"):
        customers.upsert_order(make_order(customer_id="C9999"))
    assert customers.count_orders() == 0
    assert customers.get_order("1001") is None


def test_failed_update_leaves_the_stored_order_intact(customers: OrderStore) -> None:
    original = make_order()
    customers.upsert_order(original)
    with pytest.raises(UsageError, match="C9999"):
        customers.upsert_order(
            make_order(customer_id="C9999", status="completed", received_confirmed_at=None)
        )
    assert customers.get_order("1001") == original
    assert customers.get_customer_order("C1001", "1001") == original


def test_invalid_order_object_is_refused_before_writing(customers: OrderStore) -> None:
    # An Order built in code without the validator (a shipped order never paid).
    bad = Order.construct(order_id="1002", customer_id="C1001", status="shipped", created_at=NOW)
    with pytest.raises(UsageError, match="paid_at"):
        customers.upsert_order(bad)
    assert customers.count_orders() == 0


def test_upsert_many_is_all_or_nothing(customers: OrderStore) -> None:
    customers.upsert_order(make_order("1001"))
    newcomer = Customer(customer_id="C2000", name="New Buyer")
    batch = [
        make_order("2001", "C2000"),
        make_order("1001", "C1001", logistics="delivered"),
        make_order("2002", "NOPE"),
    ]
    with pytest.raises(UsageError, match="NOPE"):
        customers.upsert_many([newcomer], batch)
    assert customers.get_customer("C2000") is None
    assert customers.get_order("2001") is None
    assert customers.get_order("1001") == make_order("1001")
    assert customers.upsert_many([newcomer], batch[:2]) == (1, 1)


def test_buyer_lookups_never_cross_customers(customers: OrderStore) -> None:
    customers.upsert_order(make_order("1001", "C1001"))
    customers.upsert_order(make_order("2001", "C1002"))
    assert customers.get_customer_order("C1001", "1001") is not None
    assert customers.get_customer_order("C1002", "1001") is None
    assert customers.get_customer_order("C1001", "2001") is None
    assert customers.get_customer_order("", "1001") is None
    assert customers.get_customer_order("C1001", "") is None
    assert [order.order_id for order in customers.list_customer_orders("C1002")] == ["2001"]
    assert customers.list_customer_orders("C9999") == []
    assert customers.list_customer_orders("") == []


def test_moving_an_order_to_another_customer_moves_its_visibility(customers: OrderStore) -> None:
    customers.upsert_order(make_order("1001", "C1001"))
    customers.upsert_order(make_order("1001", "C1002"))
    assert customers.get_customer_order("C1001", "1001") is None
    assert customers.get_customer_order("C1002", "1001") is not None


def test_list_customer_orders_newest_first(customers: OrderStore) -> None:
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for order_id, days in (("1", 3), ("2", 10), ("3", 1)):
        created = (base + timedelta(days=days)).isoformat()
        customers.upsert_order(make_order(order_id, status="unpaid", created_at=created, paid_at=None))
    assert [order.order_id for order in customers.list_customer_orders("C1001")] == ["2", "1", "3"]


def test_get_order_strips_blanks_and_misses_return_none(customers: OrderStore) -> None:
    customers.upsert_order(make_order("1001"))
    assert customers.get_order(" 1001 ") is not None
    assert customers.get_order("404") is None


def test_upsert_customer_and_get_customer(store: OrderStore) -> None:
    assert store.upsert_customer(Customer(customer_id=" C1001 ", name=" Ana ")) is True
    assert store.get_customer("C1001") == Customer(customer_id="C1001", name="Ana")
    assert store.upsert_customer(ANA) is False
    assert store.get_customer("C1001") == ANA
    assert store.get_customer("C404") is None
    assert store.list_customers() == [ANA]


@pytest.mark.parametrize(
    ("customer", "field"),
    [
        (Customer.construct(customer_id="", name="Ana"), "customer_id"),
        (Customer.construct(customer_id="C1", name="  "), "name"),
        (Customer.construct(customer_id="C1", name="Ana", email="not-an-email"), "email"),
        (Customer.construct(customer_id="C1", name="Ana", phone="12"), "phone"),
        (Customer.construct(customer_id="C1", name="Ana", phone="+49 151 1234 5678 9999 00"), "phone"),
        (Customer.construct(customer_id="C" * 65, name="Ana"), "customer_id"),
    ],
)
def test_invalid_customer_names_the_field_and_writes_nothing(
    store: OrderStore, customer: Customer, field: str
) -> None:
    with pytest.raises(UsageError, match=field):
        store.upsert_customer(customer)
    assert store.list_customers() == []


def test_customer_from_json_validates_admin_json() -> None:
    assert Customer.from_json({"customer_id": "C1", "name": "Ana", "phone": "+4915112345678"}) == Customer(
        customer_id="C1", name="Ana", email=None, phone="+4915112345678"
    )
    with pytest.raises(UsageError, match="nickname"):
        Customer.from_json({"customer_id": "C1", "name": "Ana", "nickname": "A"})
    with pytest.raises(UsageError, match="name"):
        Customer.from_json({"customer_id": "C1", "name": 5})
    with pytest.raises(UsageError, match="object"):
        Customer.from_json(["C1"])


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("+4915112345678", "4915112345678"),
        ("whatsapp:+49 151 1234-5678", "4915112345678"),
        ("WhatsApp:+4915112345678", "4915112345678"),
        ("004915112345678", "4915112345678"),
        ("(0151) 123", "0151123"),
        ("", ""),
    ],
)
def test_phone_digits(typed: str, digits: str) -> None:
    assert phone_digits(typed) == digits


def test_find_customer_by_phone_ignores_formatting(customers: OrderStore) -> None:
    assert customers.find_customer_by_phone("whatsapp:+4915112345678") == ANA
    assert customers.find_customer_by_phone("+49 151 12345678") == ANA
    assert customers.find_customer_by_phone("whatsapp:+34612345678") == MATEO
    assert customers.find_customer_by_phone("+4915100000000") is None
    assert customers.find_customer_by_phone("whatsapp:") is None


def test_find_customer_by_phone_follows_phone_changes(customers: OrderStore) -> None:
    customers.upsert_customer(Customer(customer_id="C1001", name="Ana Silva", phone="+351912345678"))
    assert customers.find_customer_by_phone("+4915112345678") is None
    assert customers.find_customer_by_phone("whatsapp:+351912345678") == Customer(
        customer_id="C1001", name="Ana Silva", phone="+351912345678"
    )


def test_a_phone_shared_by_two_customers_identifies_nobody(customers: OrderStore) -> None:
    customers.upsert_customer(Customer(customer_id="C1003", name="Ana's brother", phone="+49 151 12345678"))
    assert customers.find_customer_by_phone("whatsapp:+4915112345678") is None


def test_count_orders(customers: OrderStore) -> None:
    assert customers.count_orders() == 0
    customers.upsert_order(make_order("1"))
    customers.upsert_order(make_order("2", "C1002"))
    assert customers.count_orders() == 2


# Handoff tickets


def test_create_ticket_and_read_it_back(store: OrderStore) -> None:
    transcript = [{"role": "customer", "text": "I want a person"}, {"role": "bot", "text": "Connecting you"}]
    ticket = store.create_ticket("s-1", "web", "C1001", "asked for a human", transcript)
    assert ticket.ticket_id.startswith("T-")
    assert (ticket.session_id, ticket.channel, ticket.customer_id) == ("s-1", "web", "C1001")
    assert ticket.status == "open"
    assert ticket.transcript == transcript
    assert ticket.created_at == ticket.updated_at
    assert store.get_open_ticket("s-1") == ticket
    assert store.list_tickets() == [ticket]
    assert ticket.to_dict()["transcript"] == transcript


def test_a_second_handoff_request_returns_the_open_ticket(store: OrderStore) -> None:
    first = store.create_ticket("s-1", "whatsapp", None, "asked for a human", [])
    again = store.create_ticket(
        "s-1", "whatsapp", None, "asked again", [{"role": "customer", "text": "hello?"}]
    )
    assert again == first
    assert len(store.list_tickets()) == 1


def test_closed_ticket_lets_the_session_open_a_new_one(store: OrderStore) -> None:
    first = store.create_ticket("s-1", "web", None, "help", [])
    store.update_ticket(first.ticket_id, "closed")
    assert store.get_open_ticket("s-1") is None
    second = store.create_ticket("s-1", "web", None, "help again", [])
    assert second.ticket_id != first.ticket_id
    assert store.get_open_ticket("s-1") == second


def test_update_ticket_changes_status_and_updated_at(store: OrderStore) -> None:
    ticket = store.create_ticket("s-1", "web", "C1001", "help", [])
    assigned = store.update_ticket(ticket.ticket_id, "assigned")
    assert assigned.status == "assigned"
    assert assigned.updated_at >= ticket.updated_at
    assert assigned.created_at == ticket.created_at
    assert store.get_open_ticket("s-1") == assigned


def test_list_tickets_filters_by_status_oldest_first(store: OrderStore) -> None:
    first = store.create_ticket("s-1", "web", None, "help", [])
    second = store.create_ticket("s-2", "web", None, "help", [])
    third = store.create_ticket("s-3", "whatsapp", None, "help", [])
    store.update_ticket(second.ticket_id, "closed")
    assert [t.ticket_id for t in store.list_tickets("open")] == [first.ticket_id, third.ticket_id]
    assert [t.ticket_id for t in store.list_tickets("closed")] == [second.ticket_id]
    assert [t.ticket_id for t in store.list_tickets()] == [first.ticket_id, second.ticket_id, third.ticket_id]


def test_ticket_errors_are_usage_errors_and_change_nothing(store: OrderStore) -> None:
    ticket = store.create_ticket("s-1", "web", None, "help", [])
    with pytest.raises(UsageError, match="status"):
        store.update_ticket(ticket.ticket_id, "resolved")
    with pytest.raises(UsageError, match="T-NOPE"):
        store.update_ticket("T-NOPE", "closed")
    with pytest.raises(UsageError, match="status"):
        store.list_tickets("pending")
    with pytest.raises(UsageError, match="channel"):
        store.create_ticket("s-2", "telegram", None, "help", [])
    with pytest.raises(UsageError, match="reason"):
        store.create_ticket("s-2", "web", None, " ", [])
    with pytest.raises(UsageError, match="transcript"):
        store.create_ticket("s-2", "web", None, "help", [{"at": NOW}])
    assert store.list_tickets() == [ticket]


def test_datetimes_come_back_aware_utc(customers: OrderStore, engine: Any) -> None:
    customers.upsert_order(make_order(created_at="2024-05-20T11:00:00+02:00", paid_at=None, status="unpaid"))
    with engine.connect() as conn:
        created = conn.execute(select(db.orders.c.created_at)).scalar_one()
    assert created == datetime(2024, 5, 20, 9, 0, tzinfo=timezone.utc)


def test_order_built_in_code_is_stored_as_the_validator_would_read_it(customers: OrderStore) -> None:
    loose = Order(order_id=" 3001 ", customer_id="C1001", status="unpaid", created_at=NOW, currency="eur")
    assert customers.upsert_order(loose) is True
    stored = customers.get_customer_order("C1001", "3001")
    assert stored is not None
    assert stored.order_id == "3001"
    assert stored.currency == "EUR"
