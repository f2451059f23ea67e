"""The order JSON shared by the CLI, the HTTP API, admin sync and the store.

``order_from_dict`` is the single validator: every error names the offending field, so a
caller can tell the shop which value to fix. Timestamps are ISO 8601; naive ones are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Mapping, Optional

STATUSES = (
    "unpaid",
    "payment_verifying",
    "awaiting_shipment",
    "shipped",
    "completed",
    "cancelled",
    "closed",
)
LOGISTICS = (
    "normal",
    "no_tracking",
    "returned_to_seller",
    "held_in_customs",
    "wrong_address",
    "delivered",
)
PAYMENT_METHODS = ("card", "paypal", "bank_transfer", "wallet", "cash_on_delivery", "other")

# Dates a status cannot exist without (a shipped order has been paid and shipped).
_REQUIRED_DATES: dict[str, tuple[str, ...]] = {
    "unpaid": (),
    "payment_verifying": (),
    "awaiting_shipment": ("paid_at",),
    "shipped": ("paid_at", "shipped_at", "delivery_deadline"),
    "completed": ("paid_at", "shipped_at", "delivery_deadline"),
    "cancelled": (),
    "closed": (),
}

_ORDER_KEYS = (
    "order_id",
    "customer_id",
    "status",
    "created_at",
    "paid_at",
    "payment_method",
    "shipped_at",
    "delivery_deadline",
    "received_confirmed_at",
    "logistics",
    "dispute",
    "refund",
    "free_return",
    "amount",
    "currency",
    "items",
)


class OrderValidationError(ValueError):
    """An order field is missing or invalid; ``field`` names it (dotted for nested fields)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Dispute:
    status: Literal["open", "closed"]
    opened_at: datetime
    closed_at: Optional[datetime] = None


@dataclass(frozen=True)
class Refund:
    status: Literal["processing", "completed"]
    processed_at: Optional[datetime] = None


@dataclass(frozen=True)
class Order:
    order_id: str
    customer_id: str
    status: str
    created_at: datetime
    paid_at: Optional[datetime] = None
    payment_method: Optional[str] = None
    shipped_at: Optional[datetime] = None
    delivery_deadline: Optional[datetime] = None
    received_confirmed_at: Optional[datetime] = None
    logistics: str = "normal"
    dispute: Optional[Dispute] = None
    refund: Optional[Refund] = None
    free_return: bool = False
    amount: Decimal = Decimal("0")
    currency: str = "USD"
    items: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def dates(self) -> dict[str, datetime]:
        """Every timestamp on the order, by dotted field name (for 'dates after now' checks)."""
        found = {
            name: getattr(self, name)
            for name in ("created_at", "paid_at", "shipped_at", "received_confirmed_at")
            if getattr(self, name) is not None
        }
        if self.dispute is not None:
            found["dispute.opened_at"] = self.dispute.opened_at
            if self.dispute.closed_at is not None:
                found["dispute.closed_at"] = self.dispute.closed_at
        if self.refund is not None and self.refund.processed_at is not None:
            found["refund.processed_at"] = self.refund.processed_at
        return found


def parse_datetime(value: Any, field_name: str) -> datetime:
    """ISO 8601 -> aware UTC datetime; naive input is taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise OrderValidationError(field_name, f"{value!r} is not an ISO 8601 date-time") from None
    else:
        raise OrderValidationError(field_name, "must be an ISO 8601 date-time string")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_datetime(value: Optional[datetime]) -> Optional[str]:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _optional_datetime(data: Mapping[str, Any], name: str, prefix: str = "") -> Optional[datetime]:
    value = data.get(name)
    if value is None:
        return None
    return parse_datetime(value, prefix + name)


def _text(data: Mapping[str, Any], name: str, *, required: bool, max_len: int = 200) -> Optional[str]:
    value = data.get(name)
    if value is None:
        if required:
            raise OrderValidationError(name, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise OrderValidationError(name, "must be a string")
    text = str(value).strip()
    if not text:
        raise OrderValidationError(name, "must not be empty")
    if len(text) > max_len:
        raise OrderValidationError(name, f"must be at most {max_len} characters")
    return text


def _choice(
    data: Mapping[str, Any], name: str, choices: tuple[str, ...], default: Optional[str]
) -> Optional[str]:
    value = data.get(name, default)
    if value is None:
        return None
    if value not in choices:
        raise OrderValidationError(name, f"{value!r} is not one of {', '.join(choices)}")
    return str(value)


def _dispute(value: Any) -> Optional[Dispute]:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise OrderValidationError("dispute", "must be null or an object")
    status = value.get("status")
    if status not in ("open", "closed"):
        raise OrderValidationError("dispute.status", f"{status!r} is not one of open, closed")
    if value.get("opened_at") is None:
        raise OrderValidationError("dispute.opened_at", "is required")
    opened_at = parse_datetime(value["opened_at"], "dispute.opened_at")
    closed_at = _optional_datetime(value, "closed_at", "dispute.")
    if status == "closed" and closed_at is None:
        raise OrderValidationError("dispute.closed_at", "is required for a closed dispute")
    if closed_at is not None and closed_at < opened_at:
        raise OrderValidationError("dispute.closed_at", "is before dispute.opened_at")
    return Dispute(status=status, opened_at=opened_at, closed_at=closed_at)


def _refund(value: Any) -> Optional[Refund]:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise OrderValidationError("refund", "must be null or an object")
    status = value.get("status")
    if status not in ("processing", "completed"):
        raise OrderValidationError("refund.status", f"{status!r} is not one of processing, completed")
    processed_at = _optional_datetime(value, "processed_at", "refund.")
    if processed_at is None:
        raise OrderValidationError("refund.processed_at", "is required")
    return Refund(status=status, processed_at=processed_at)


def _amount(value: Any) -> Decimal:
    if value is None:
        return Decimal("0")
    if isinstance(value, bool):
        raise OrderValidationError("amount", "must be a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise OrderValidationError("amount", f"{value!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise OrderValidationError("amount", "must be a non-negative number")
    return amount.quantize(Decimal("0.01"))


def _items(value: Any) -> tuple[dict[str, Any], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise OrderValidationError("items", "must be a list")
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise OrderValidationError(f"items[{index}]", "must be an object")
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            raise OrderValidationError(f"items[{index}].title", "is required")
        quantity = item.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise OrderValidationError(f"items[{index}].quantity", "must be a positive whole number")
        items.append({**item, "title": title.strip(), "quantity": quantity})
    return tuple(items)


def order_from_dict(data: Any) -> Order:
    """Validate order JSON and return an ``Order``; raises ``OrderValidationError`` naming the field."""
    if not isinstance(data, Mapping):
        raise OrderValidationError("order", "must be a JSON object")
    unknown = sorted(set(data) - set(_ORDER_KEYS))
    if unknown:
        raise OrderValidationError(unknown[0], "is not an order field")
    status = _choice(data, "status", STATUSES, None)
    if status is None:
        raise OrderValidationError("status", "is required")
    if data.get("created_at") is None:
        raise OrderValidationError("created_at", "is required")
    free_return = data.get("free_return", False)
    if not isinstance(free_return, bool):
        raise OrderValidationError("free_return", "must be true or false")
    currency = _text(data, "currency", required=False, max_len=3) or "USD"
    if not currency.isalpha():
        raise OrderValidationError("currency", "must be a 3-letter currency code")
    order = Order(
        order_id=_text(data, "order_id", required=True, max_len=64) or "",
        customer_id=_text(data, "customer_id", required=True, max_len=64) or "",
        status=status,
        created_at=parse_datetime(data["created_at"], "created_at"),
        paid_at=_optional_datetime(data, "paid_at"),
        payment_method=_choice(data, "payment_method", PAYMENT_METHODS, None),
        shipped_at=_optional_datetime(data, "shipped_at"),
        delivery_deadline=_optional_datetime(data, "delivery_deadline"),
        received_confirmed_at=_optional_datetime(data, "received_confirmed_at"),
        logistics=_choice(data, "logistics", LOGISTICS, "normal") or "normal",
        dispute=_dispute(data.get("dispute")),
        refund=_refund(data.get("refund")),
        free_return=free_return,
        amount=_amount(data.get("amount")),
        currency=currency.upper(),
        items=_items(data.get("items")),
    )
    for name in _REQUIRED_DATES[status]:
        if getattr(order, name) is None:
            raise OrderValidationError(name, f"is required for a {status} order")
    _check_order_of_events(order)
    return order


def _check_order_of_events(order: Order) -> None:
    sequence = [
        ("created_at", order.created_at),
        ("paid_at", order.paid_at),
        ("shipped_at", order.shipped_at),
        ("received_confirmed_at", order.received_confirmed_at),
    ]
    previous_name, previous = "created_at", order.created_at
    for name, value in sequence[1:]:
        if value is None:
            continue
        if value < previous:
            raise OrderValidationError(name, f"is before {previous_name}")
        previous_name, previous = name, value
    if order.shipped_at and order.delivery_deadline and order.delivery_deadline < order.shipped_at:
        raise OrderValidationError("delivery_deadline", "is before shipped_at")


def order_to_dict(order: Order) -> dict[str, Any]:
    """The order JSON for an ``Order`` (round-trips through ``order_from_dict``)."""
    return {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "status": order.status,
        "created_at": format_datetime(order.created_at),
        "paid_at": format_datetime(order.paid_at),
        "payment_method": order.payment_method,
        "shipped_at": format_datetime(order.shipped_at),
        "delivery_deadline": format_datetime(order.delivery_deadline),
        "received_confirmed_at": format_datetime(order.received_confirmed_at),
        "logistics": order.logistics,
        "dispute": None
        if order.dispute is None
        else {
            "status": order.dispute.status,
            "opened_at": format_datetime(order.dispute.opened_at),
            "closed_at": format_datetime(order.dispute.closed_at),
        },
        "refund": None
        if order.refund is None
        else {"status": order.refund.status, "processed_at": format_datetime(order.refund.processed_at)},
        "free_return": order.free_return,
        "amount": float(order.amount),
        "currency": order.currency,
        "items": [dict(item) for item in order.items],
    }
