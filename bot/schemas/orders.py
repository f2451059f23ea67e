"""The order: one model for the CLI, the HTTP API (admin sync, eligibility), the store and the actions.

Validation errors name the offending field (``InvalidField``, dotted for nested fields) so a shop
can tell which value to fix. ``amount`` is a decimal string with two places on the wire
(``"49.90"``); numbers are accepted on the way in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Extra, Field, StrictBool, root_validator, validator

from bot.errors import InvalidField
from bot.schemas.base import (
    AMOUNT_MAX,
    CURRENCY_CHARS,
    ID_MAX_CHARS,
    ITEM_QUANTITY_MAX,
    ITEM_TITLE_MAX_CHARS,
    Model,
    UtcDateTime,
    check_one_of,
)

OrderStatus = Literal[
    "unpaid", "payment_verifying", "awaiting_shipment", "shipped", "completed", "cancelled", "closed"
]
Logistics = Literal[
    "normal", "no_tracking", "returned_to_seller", "held_in_customs", "wrong_address", "delivered"
]
PaymentMethod = Literal["card", "paypal", "bank_transfer", "wallet", "cash_on_delivery", "other"]
DisputeStatus = Literal["open", "closed"]
RefundStatus = Literal["processing", "completed"]

STATUSES: tuple[OrderStatus, ...] = OrderStatus.__args__  # type: ignore[attr-defined]
LOGISTICS: tuple[Logistics, ...] = Logistics.__args__  # type: ignore[attr-defined]
PAYMENT_METHODS: tuple[PaymentMethod, ...] = PaymentMethod.__args__  # type: ignore[attr-defined]

# Dates a status cannot exist without (a shipped order has been paid and shipped).
REQUIRED_DATES: dict[str, tuple[str, ...]] = {
    "unpaid": (),
    "payment_verifying": (),
    "awaiting_shipment": ("paid_at",),
    "shipped": ("paid_at", "shipped_at", "delivery_deadline"),
    "completed": ("paid_at", "shipped_at", "delivery_deadline"),
    "cancelled": (),
    "closed": (),
}
# Statuses in which the order has left the seller (disputes and returns are about these).
SHIPPED_STATUSES = ("shipped", "completed")
BEFORE_SHIPPING = ("unpaid", "payment_verifying", "awaiting_shipment")


def one_of(choices: tuple[str, ...], default: str | None = None) -> Callable[[Any], Any]:
    """A pre-validator: the value must be one of ``choices`` (null becomes ``default``)."""

    def check(value: Any) -> Any:
        if value is None:
            return default
        check_one_of("", value, choices)
        return value

    return check


if TYPE_CHECKING:
    OrderId = str
    ItemTitle = str
    Quantity = int
else:
    from pydantic import conint, constr

    OrderId = constr(strip_whitespace=True, min_length=1, max_length=ID_MAX_CHARS)
    ItemTitle = constr(strip_whitespace=True, min_length=1, max_length=ITEM_TITLE_MAX_CHARS)
    Quantity = conint(strict=True, ge=1, le=ITEM_QUANTITY_MAX)


class _Money(Decimal):
    """A non-negative amount with two decimal places: ``"49.90"`` on the wire, numbers accepted in."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], Decimal]]:
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            raise ValueError("must be a number")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
        if not amount.is_finite() or amount < 0:
            raise ValueError("must be a non-negative number")
        if amount > AMOUNT_MAX:
            raise ValueError(f"must be at most {AMOUNT_MAX}")
        return amount.quantize(Decimal("0.01"))

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.update(type="string", pattern=r"^\d+\.\d{2}$", example="49.90")


if TYPE_CHECKING:
    Money = Decimal
else:
    Money = _Money


class ItemLine(Model):
    """What a buyer recognises an order line by."""

    title: ItemTitle
    quantity: Quantity = 1


class Item(ItemLine):
    """One line of the order; any other JSON fields the shop sends (price, seller, sku) are kept."""

    class Config:
        extra = Extra.allow


class Dispute(Model):
    status: DisputeStatus
    opened_at: UtcDateTime
    closed_at: UtcDateTime | None = None

    _status = validator("status", pre=True, allow_reuse=True)(one_of(("open", "closed")))

    @root_validator(skip_on_failure=True)
    def _closed_after_opened(cls, values: dict[str, Any]) -> dict[str, Any]:
        closed_at, opened_at = values.get("closed_at"), values["opened_at"]
        if values["status"] == "closed" and closed_at is None:
            raise InvalidField("closed_at", "is required for a closed dispute")
        if closed_at is not None and closed_at < opened_at:
            raise InvalidField("closed_at", "is before dispute.opened_at")
        return values


class Refund(Model):
    status: RefundStatus
    processed_at: UtcDateTime

    _status = validator("status", pre=True, allow_reuse=True)(one_of(("processing", "completed")))


class OrderFacts(Model):
    """What a buyer sees of an order: the full order and the order card share these fields."""

    order_id: OrderId
    status: OrderStatus
    created_at: UtcDateTime
    paid_at: UtcDateTime | None = None
    shipped_at: UtcDateTime | None = None
    delivery_deadline: UtcDateTime | None = Field(
        default=None, description="Promised delivery date (may be ahead)."
    )
    received_confirmed_at: UtcDateTime | None = None
    logistics: Logistics = "normal"
    amount: Money = Field(
        default=Decimal("0.00"), description='Decimal string with two places, e.g. "49.90".'
    )
    currency: str = Field(default="USD", description="ISO 4217 code, e.g. EUR.")

    _status = validator("status", pre=True, allow_reuse=True)(one_of(STATUSES))
    _logistics = validator("logistics", pre=True, allow_reuse=True)(one_of(LOGISTICS, "normal"))

    @validator("currency", pre=True)
    def _currency(cls, value: Any) -> str:
        if value is None:
            return "USD"
        text = value.strip().upper() if isinstance(value, str) else ""
        if len(text) != CURRENCY_CHARS or not text.isalpha():
            raise ValueError("must be a 3-letter currency code")
        return text


class Order(OrderFacts):
    customer_id: OrderId
    payment_method: PaymentMethod | None = None
    dispute: Dispute | None = None
    refund: Refund | None = None
    free_return: StrictBool = False
    items: tuple[Item, ...] = ()

    _payment = validator("payment_method", pre=True, allow_reuse=True)(one_of(PAYMENT_METHODS))

    @root_validator(skip_on_failure=True)
    def _dates_fit_the_status(cls, values: dict[str, Any]) -> dict[str, Any]:
        for name in REQUIRED_DATES[values["status"]]:
            if values.get(name) is None:
                raise InvalidField(name, f"is required for a {values['status']} order")
        previous_name, previous = "created_at", values["created_at"]
        for name in ("paid_at", "shipped_at", "received_confirmed_at"):
            value = values.get(name)
            if value is None:
                continue
            if value < previous:
                raise InvalidField(name, f"is before {previous_name}")
            previous_name, previous = name, value
        shipped_at, deadline = values.get("shipped_at"), values.get("delivery_deadline")
        if shipped_at and deadline and deadline < shipped_at:
            raise InvalidField("delivery_deadline", "is before shipped_at")
        return values

    def dates(self) -> dict[str, datetime]:
        """Every event timestamp on the order, by dotted field name (for 'dates after now' checks).

        The delivery deadline is a promise, not an event, so it is not among them.
        """
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

    @property
    def has_open_dispute(self) -> bool:
        return self.dispute is not None and self.dispute.status == "open"

    @property
    def is_refunded(self) -> bool:
        return self.refund is not None and self.refund.status == "completed"


class OrderSummary(OrderFacts):
    """The ``order`` object of an order-status reply: what a card shows, nothing internal."""

    status_label: str
    dispute: DisputeStatus | None = None
    refund: RefundStatus | None = None
    items: list[ItemLine]
