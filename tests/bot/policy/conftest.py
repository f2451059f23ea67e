"""Order factory for the policy tests: a valid order of any status with overridable fields."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bot.schemas.orders import Order

# A Monday, so business-day arithmetic in the tests is easy to check by hand.
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

OrderFactory = Callable[..., Order]


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    return value


def build_order(status: str = "shipped", **overrides: Any) -> Order:
    """Through ``Order.from_json`` so every test order is one the schema accepts."""
    data: dict[str, Any] = {
        "order_id": "8001",
        "customer_id": "c-1",
        "status": status,
        "created_at": _json(T0 - timedelta(days=30)),
        "payment_method": "card",
        "logistics": "normal",
    }
    if status not in ("unpaid", "payment_verifying"):
        data["paid_at"] = _json(T0)
    if status in ("shipped", "completed"):
        data["shipped_at"] = _json(T0 + timedelta(days=2))
        data["delivery_deadline"] = _json(T0 + timedelta(days=32))
    for key, value in overrides.items():
        data[key] = _json(value)
    return Order.from_json(data)


@pytest.fixture(scope="session")
def make_order() -> OrderFactory:
    return build_order
