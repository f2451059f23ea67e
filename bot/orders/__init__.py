"""Orders: the order JSON schema, the customer-scoped store and the demo data."""

from bot.orders.schema import (
    LOGISTICS,
    STATUSES,
    Dispute,
    Order,
    OrderValidationError,
    Refund,
    order_from_dict,
    order_to_dict,
)

__all__ = [
    "LOGISTICS",
    "STATUSES",
    "Dispute",
    "Order",
    "OrderValidationError",
    "Refund",
    "order_from_dict",
    "order_to_dict",
]
