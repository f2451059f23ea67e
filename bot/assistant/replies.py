"""What the assistant says to a buyer: the wording of order states and eligibility decisions.

Framework-free, so the Rasa actions and agent assist (suggested replies) say the same thing.
The eligibility engine's ``reason`` is already a buyer-facing sentence carrying its dates; this
module says which order it is about, adds the way forward where the engine only says "no", and
shapes the machine-readable payloads channels render as cards (docs/architecture.md).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Optional

from bot.orders.schema import Order, format_datetime

CHECKS = ("cancel", "dispute", "refund", "return")

SIGN_IN = "Please sign in so I can look at your orders: I only share order details with the account that placed them."
SIGN_IN_ARTICLES = SIGN_IN + " Meanwhile, here is what our help center says."
ORDER_NOT_FOUND = "I can't find that order in your account. Please check the order number under My Orders."
NO_ORDER_NUMBER = "I couldn't spot an order number in that. You'll find it under My Orders."
ASK_ORDER_ID = "Which order is it about? You'll find the order number under My Orders."
ASK_ORDER_ID_RECENT = "Which order is it about? Here are your most recent ones, or type the order number."
NO_ORDERS = "I can't see any orders in your account yet. If you placed one, what's its order number?"
NOT_SURE = "I'm not sure I have the right answer. Is your question one of these?"
NO_ARTICLE = "I couldn't find an answer to that in our help center."
HANDOFF = "I'm connecting you with a support agent, who will reply right here. Your ticket is {ticket_id}."
HANDOFF_FAILED = (
    "Sorry, I couldn't reach our support team just now. Please try again in a few minutes, "
    "or write to us from the Help page."
)
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side. Could you ask again in other words, or talk to a person?"
)
TALK_TO_PERSON = "Talk to a person"
HANDOFF_PAYLOAD = "/human_handoff"

# Help-center questions that answer an order question in general, for a buyer who is not signed in.
CHECK_QUESTIONS = {
    "status": "How do I track my package?",
    "cancel": "How to cancel my order?",
    "dispute": "When can I open a dispute?",
    "refund": "When will I get my refund?",
    "return": "How do I return an item?",
}

STATUS_LABELS = {
    "unpaid": "awaiting payment",
    "payment_verifying": "payment being verified",
    "awaiting_shipment": "awaiting shipment",
    "shipped": "shipped",
    "completed": "completed",
    "cancelled": "cancelled",
    "closed": "closed",
}

_LOGISTICS = {
    "normal": "Tracking shows it on its way.",
    "no_tracking": "There is no tracking information for the parcel yet.",
    "returned_to_seller": "Tracking shows the parcel was returned to the seller.",
    "held_in_customs": (
        "The parcel is held in customs; the local customs office can tell you whether a tax or a document is needed."
    ),
    "wrong_address": "Tracking shows the parcel was sent to a wrong address.",
    "delivered": "Tracking shows it was delivered.",
}


# Long articles are cut for chat; the source link (or "Talk to a person") leads on.
MAX_ANSWER_CHARS = 1500


def format_day(value: datetime) -> str:
    """'3 March 2026': the date alone reads better in a status line than a UTC time."""
    value = value.astimezone(timezone.utc) if value.tzinfo else value
    return f"{value.day} {calendar.month_name[value.month]} {value.year}"


def order_title(order: Order) -> str:
    """'order 1001 (Wireless earbuds)': the number and what the buyer bought, to recognise it."""
    if not order.items:
        return f"order {order.order_id}"
    first = str(order.items[0].get("title", "")).strip()
    more = len(order.items) - 1
    what = first if more <= 0 else f"{first} and {more} more item{'s' if more > 1 else ''}"
    return f"order {order.order_id} ({what})" if first else f"order {order.order_id}"


def order_button_title(order: Order) -> str:
    """A quick-reply label for picking an order: '1001 · Wireless earbuds · shipped'."""
    parts = [order.order_id]
    if order.items and str(order.items[0].get("title", "")).strip():
        parts.append(str(order.items[0]["title"]).strip()[:40])
    parts.append(STATUS_LABELS.get(order.status, order.status))
    return " · ".join(parts)


def order_summary(order: Order) -> dict[str, Any]:
    """The ``order`` object of an order-status payload: what a card needs, nothing internal."""
    return {
        "order_id": order.order_id,
        "status": order.status,
        "status_label": STATUS_LABELS.get(order.status, order.status),
        "created_at": format_datetime(order.created_at),
        "paid_at": format_datetime(order.paid_at),
        "shipped_at": format_datetime(order.shipped_at),
        "delivery_deadline": format_datetime(order.delivery_deadline),
        "received_confirmed_at": format_datetime(order.received_confirmed_at),
        "logistics": order.logistics,
        "dispute": None if order.dispute is None else order.dispute.status,
        "refund": None if order.refund is None else order.refund.status,
        "amount": f"{order.amount:.2f}",
        "currency": order.currency,
        "items": [
            {"title": str(item.get("title", "")), "quantity": int(item.get("quantity", 1))}
            for item in order.items
        ],
    }


def status_text(order: Order, now: datetime) -> str:
    """Where the order stands, in one or two sentences."""
    title = _capitalised(order_title(order))
    status = order.status
    if status == "unpaid":
        text = f"{title} was placed on {format_day(order.created_at)} and is waiting for payment."
    elif status == "payment_verifying":
        text = (
            f"The payment for {order_title(order)} is being verified; the seller ships once it is confirmed."
        )
    elif status == "awaiting_shipment":
        paid = f" was paid on {format_day(order.paid_at)} and" if order.paid_at else ""
        text = f"{title}{paid} is waiting for the seller to ship it."
    elif status == "shipped":
        text = f"{title} was shipped"
        if order.shipped_at:
            text += f" on {format_day(order.shipped_at)}"
        if order.delivery_deadline:
            passed = order.delivery_deadline < now
            text += (
                f"; the promised delivery date was {format_day(order.delivery_deadline)}"
                if passed
                else f" and should arrive by {format_day(order.delivery_deadline)}"
            )
        text += ". " + _LOGISTICS.get(order.logistics, "")
    elif status == "completed":
        if order.received_confirmed_at:
            text = (
                f"{title} was delivered; receipt was confirmed on {format_day(order.received_confirmed_at)}."
            )
        else:
            text = f"{title} is completed."
    elif status == "cancelled":
        text = f"{title} was cancelled."
    else:
        text = f"{title} is {STATUS_LABELS.get(status, status)}."
    if order.dispute is not None and order.dispute.status == "open":
        text += " There is an open dispute on it."
    if order.refund is not None:
        text += (
            " Its refund is being processed."
            if order.refund.status == "processing"
            else " It has been refunded."
        )
    return text.strip()


def check_text(check: str, order: Order, decision: Mapping[str, Any]) -> str:
    """The answer to 'may I <check>?' for ``order``, from the engine's ``decision`` (its to_dict())."""
    if check not in CHECKS:
        raise ValueError(f"unknown check {check!r}; expected one of {', '.join(CHECKS)}")
    verdict = decision[check]
    label = STATUS_LABELS.get(order.status, order.status)
    text = f"{_capitalised(order_title(order))}, {label}: {verdict['reason']}"
    if check == "refund" and verdict.get("state") == "none":
        text += " " + _refund_route(decision)
    return text


def _refund_route(decision: Mapping[str, Any]) -> str:
    """No refund yet: say how to get one (cancelling before shipment, a dispute after)."""
    cancel, dispute = decision["cancel"], decision["dispute"]
    if cancel.get("allowed"):
        return f"To get your money back, cancel the order: {cancel['reason']}"
    if dispute.get("allowed") or dispute.get("opens_at"):
        return f"A refund for a shipped order goes through a dispute: {dispute['reason']}"
    return cancel["reason"]


def check_payload(check: str, order: Order, decision: Mapping[str, Any]) -> dict[str, Any]:
    """``{"order_id", "status", "<check>": <decision>}`` (docs/architecture.md, custom payloads)."""
    return {"order_id": order.order_id, "status": order.status, check: dict(decision[check])}


def status_payload(order: Order) -> dict[str, Any]:
    return {"order_id": order.order_id, "status": order.status, "order": order_summary(order)}


def source_payload(article_id: str, title: str, category: str) -> dict[str, Any]:
    return {"source": {"id": article_id, "title": title, "category": category}}


def answer_text(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """An article's text for one chat bubble, cut at a line or sentence end near ``limit``.

    Blank lines are dropped: Rasa's output channels split a text at every blank line into
    separate messages, which would detach the answer's first paragraphs from its source.
    """
    text = re.sub(r"\n\s*\n+", "\n", text.strip())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for stop in ("\n", ". "):
        index = cut.rfind(stop)
        if index > limit // 2:
            return cut[: index + 1].rstrip() + " …"
    return cut.rstrip() + " …"


def handoff_text(ticket_id: Optional[str]) -> str:
    return HANDOFF.format(ticket_id=ticket_id)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
