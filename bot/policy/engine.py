"""The eligibility engine: may this buyer cancel, dispute, get a refund or return, and until when.

``evaluate`` is pure: the same order and ``now`` always give the same decision, so channels can
render it, tests can pin it and nothing here touches a clock, a database or the network. The
decision is data (``bot.schemas.decisions``): verdicts, reason codes, dates and articles. The
sentences a buyer reads are written in one place, ``bot.assistant.replies``, from these codes and
from the constants below.

Edge semantics (see docs/policy.md): a "day" is 24 hours counted from the event's exact
instant in UTC, and every window is closed at both ends, so a window opening at 10 days after
shipment is open at that very instant, and one closing 15 days after the deadline is still open
at that instant and shut one second later. Refund business days skip Saturdays and Sundays only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.errors import InvalidField
from bot.schemas.base import as_utc, isoformat_z
from bot.schemas.decisions import (
    CancelAlternative,
    CancelDecision,
    Decision,
    DisputeCode,
    DisputeDecision,
    RefundDecision,
    ReturnCode,
    ReturnDecision,
)
from bot.schemas.orders import BEFORE_SHIPPING, SHIPPED_STATUSES, Logistics, Order

# Help-centre article ids (slugs in data/faq/articles.yaml) each rule rests on. One place, so a
# renamed article breaks one test (tests/bot/policy/test_articles.py), not a conversation.
ARTICLES: dict[str, str] = {
    "cancel": "how-to-cancel-my-order",
    "dispute_window": "when-can-i-open-dispute",
    "dispute_in_transit": "i-cant-open-dispute-what-can-i-do",
    "dispute_not_received": "i-havent-received-my-order-what-should-i-do",
    "dispute_expired": "what-can-i-do-if-dispute-time-is-expired",
    "dispute_refunded": "rules-about-abusing-the-buyer-protection-programs",
    "dispute_process": "whats-the-dispute-process-after-i-have-opened-a-dispute",
    "dispute_appeal": "i-am-not-satisfied-with-dispute-result-what-can-i-do",
    "dispute_how": "how-do-i-open-a-dispute",
    "refund_timing": "when-will-i-get-my-refund",
    "refund_completed": "i-have-not-received-my-refund-what-can-i-do",
    "refund_arn": "what-is-arn",
    "free_return": "whats-free-return-service",
}

CANCEL_IMMEDIATE = timedelta(days=7)
SELLER_CANCEL_REPLY = timedelta(hours=48)
DISPUTE_OPENS_AFTER_SHIPPING = timedelta(days=10)  # i.e. from the 11th day
DISPUTE_PROTECTION = timedelta(days=15)
PAYPAL_PROTECTION = timedelta(days=180)
SELLER_DISPUTE_REPLY = timedelta(days=5)
APPEAL_WINDOW = timedelta(days=7)
REFUND_MIN_BUSINESS_DAYS = 3
REFUND_MAX_BUSINESS_DAYS = 20
FREE_RETURN_WINDOW = timedelta(days=15)

# Logistics states in which the buyer may open a dispute from the 11th day even before the
# delivery deadline: the parcel is demonstrably not on its normal way.
ABNORMAL_LOGISTICS: frozenset[Logistics] = frozenset(
    {"no_tracking", "returned_to_seller", "held_in_customs", "wrong_address"}
)


def evaluate(order: Order, now: datetime) -> Decision:
    """Decide every check for ``order`` at ``now`` (naive ``now`` is UTC).

    Raises ``InvalidField`` naming the field when a date on the order lies after ``now``: a
    decision built on events that have not happened yet would be wrong either way.
    """
    now = as_utc(now)
    order = _as_utc(order)
    check_dates_not_after(order, now)
    dispute = _dispute(order, now)
    return Decision(
        order_id=order.order_id,
        cancel=_cancel(order, now, dispute),
        dispute=dispute,
        refund=_refund(order, now),
        return_=_return(order, now, dispute),
    )


def check_dates_not_after(order: Order, now: datetime) -> None:
    """Raise ``InvalidField`` for the first event date later than ``now``.

    The delivery deadline is a promise, not an event, so it may lie in the future.
    """
    now = as_utc(now)
    for name, value in order.dates().items():
        if value > now:
            raise InvalidField(name, f"{isoformat_z(value)} is after now ({isoformat_z(now)})")


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` moved forward by ``days`` weekdays, keeping the time of day.

    Counting starts with the first weekday after ``start``'s date, so a refund processed on a
    Saturday reaches its first business day on Monday.
    """
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def _as_utc(order: Order) -> Order:
    """The order with every timestamp aware UTC: orders built in code (``Order.construct``) may
    carry the naive datetimes SQLite hands back."""
    dispute, refund = order.dispute, order.refund
    if dispute is not None:
        dispute = dispute.copy(
            update={"opened_at": as_utc(dispute.opened_at), "closed_at": _utc_or_none(dispute.closed_at)}
        )
    if refund is not None:
        refund = refund.copy(update={"processed_at": _utc_or_none(refund.processed_at)})
    return order.copy(
        update={
            "created_at": as_utc(order.created_at),
            "paid_at": _utc_or_none(order.paid_at),
            "shipped_at": _utc_or_none(order.shipped_at),
            "delivery_deadline": _utc_or_none(order.delivery_deadline),
            "received_confirmed_at": _utc_or_none(order.received_confirmed_at),
            "dispute": dispute,
            "refund": refund,
        }
    )


def _required(order: Order, name: str) -> datetime:
    """A date the order's status cannot exist without; orders built outside the schema may lack it."""
    value: datetime | None = getattr(order, name)
    if value is None:
        raise InvalidField(name, f"is required for a {order.status} order")
    return as_utc(value)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


# --- cancel -------------------------------------------------------------------------------


def _cancel(order: Order, now: datetime, dispute: DisputeDecision) -> CancelDecision:
    article = ARTICLES["cancel"]
    status = order.status
    if status == "unpaid":
        return CancelDecision(allowed=True, mode="immediate", code="unpaid", article_id=article)
    if status == "awaiting_shipment":
        immediate_until = _required(order, "paid_at") + CANCEL_IMMEDIATE
        if now <= immediate_until:
            return CancelDecision(
                allowed=True,
                mode="immediate",
                code="within_immediate_window",
                article_id=article,
                immediate_until=immediate_until,
            )
        return CancelDecision(
            allowed=True,
            mode="seller_approval",
            code="seller_approval",
            article_id=article,
            immediate_until=immediate_until,
            deadline=now + SELLER_CANCEL_REPLY,
        )
    if status == "shipped" or status == "completed":
        alternative: CancelAlternative
        if order.has_open_dispute:
            alternative = "open_dispute"
        elif order.is_refunded:
            alternative = "refunded"
        elif dispute.allowed and dispute.closes_at is not None:
            alternative = "dispute_until"
        elif dispute.opens_at is not None and now < dispute.opens_at:
            alternative = "dispute_from"
        else:
            alternative = "contact_seller"
        return CancelDecision(
            allowed=False, mode="none", code=status, alternative=alternative, article_id=article
        )
    # payment_verifying (try again once it updates), cancelled, closed
    return CancelDecision(allowed=False, mode="none", code=status, article_id=article)


# --- dispute ------------------------------------------------------------------------------


def dispute_window(order: Order) -> tuple[datetime | None, datetime | None]:
    """(opens_at, closes_at) of the platform dispute window, or (None, None) before shipment."""
    if order.status not in SHIPPED_STATUSES:
        return None, None
    deadline = _required(order, "delivery_deadline")
    opens_at = _required(order, "shipped_at") + DISPUTE_OPENS_AFTER_SHIPPING
    if _in_normal_transit(order):
        opens_at = max(opens_at, deadline)
    if order.received_confirmed_at is not None:
        closes_at = order.received_confirmed_at + DISPUTE_PROTECTION
    else:
        closes_at = deadline + DISPUTE_PROTECTION
    return opens_at, closes_at


def _in_normal_transit(order: Order) -> bool:
    return order.status == "shipped" and order.received_confirmed_at is None and order.logistics == "normal"


def _dispute(order: Order, now: datetime) -> DisputeDecision:
    opens_at, closes_at = dispute_window(order)
    paypal_until = (
        order.paid_at + PAYPAL_PROTECTION
        if order.payment_method == "paypal" and order.paid_at is not None
        else None
    )

    if order.dispute is not None and order.dispute.status == "open":
        respond_by = order.dispute.opened_at + SELLER_DISPUTE_REPLY
        return DisputeDecision(
            allowed=False,
            code="open_dispute_awaiting_seller" if now <= respond_by else "open_dispute_escalated",
            article_id=ARTICLES["dispute_process"],
            seller_response_by=respond_by,
            platform_steps_in_at=respond_by,
            opens_at=opens_at,
            closes_at=closes_at,
            paypal_until=paypal_until,
        )

    if order.is_refunded:
        return DisputeDecision(
            allowed=False,
            code="refunded",
            article_id=ARTICLES["dispute_refunded"],
            opens_at=opens_at,
            closes_at=closes_at,
            paypal_until=paypal_until,
        )

    allowed, code, article = _window_verdict(order, now, opens_at, closes_at, paypal_until)
    appeal_until = None
    if order.dispute is not None and order.dispute.closed_at is not None:
        appeal_until = order.dispute.closed_at + APPEAL_WINDOW
        if now <= appeal_until:
            # Disagreeing with the result is what a buyer with a fresh result most likely wants.
            return DisputeDecision(
                allowed=allowed,
                code="appeal",
                window=code,
                article_id=ARTICLES["dispute_appeal"],
                appeal_until=appeal_until,
                opens_at=opens_at,
                closes_at=closes_at,
                paypal_until=paypal_until,
            )
    return DisputeDecision(
        allowed=allowed,
        code=code,
        article_id=article,
        appeal_until=appeal_until,
        opens_at=opens_at,
        closes_at=closes_at,
        paypal_until=paypal_until,
    )


def _window_verdict(
    order: Order,
    now: datetime,
    opens_at: datetime | None,
    closes_at: datetime | None,
    paypal_until: datetime | None,
) -> tuple[bool, DisputeCode, str]:
    """(allowed, reason code, article id) from the buyer protection window alone."""
    if opens_at is None or closes_at is None:
        code: DisputeCode = "not_shipped" if order.status in BEFORE_SHIPPING else "order_inactive"
        return False, code, ARTICLES["dispute_window"]

    if now < opens_at:
        waits_for_deadline = (
            _in_normal_transit(order)
            and order.shipped_at is not None
            and opens_at > order.shipped_at + DISPUTE_OPENS_AFTER_SHIPPING
        )
        if waits_for_deadline:
            return False, "awaiting_delivery_deadline", ARTICLES["dispute_in_transit"]
        if order.logistics in ABNORMAL_LOGISTICS:
            return False, "opens_later_abnormal_logistics", ARTICLES["dispute_not_received"]
        return False, "opens_later", ARTICLES["dispute_window"]

    if now <= closes_at:
        if order.logistics in ABNORMAL_LOGISTICS and order.received_confirmed_at is None:
            return True, "open_abnormal_logistics", ARTICLES["dispute_not_received"]
        return True, "open", ARTICLES["dispute_window"]

    if paypal_until is not None and now <= paypal_until:
        return False, "paypal_only", ARTICLES["dispute_window"]
    return False, "expired", ARTICLES["dispute_expired"]


# --- refund -------------------------------------------------------------------------------


def _refund(order: Order, now: datetime) -> RefundDecision:
    refund = order.refund
    if refund is None:
        return RefundDecision(
            state="none", code="none", expected_by=None, article_id=ARTICLES["refund_timing"]
        )
    processed_at: datetime | None = refund.processed_at
    if processed_at is None:  # an order built without the schema (Order.construct)
        raise InvalidField("refund.processed_at", "is required")
    if refund.status == "completed":
        return RefundDecision(
            state="completed", code="completed", expected_by=None, article_id=ARTICLES["refund_completed"]
        )
    expected_from = add_business_days(processed_at, REFUND_MIN_BUSINESS_DAYS)
    expected_by = add_business_days(processed_at, REFUND_MAX_BUSINESS_DAYS)
    if now <= expected_by:
        return RefundDecision(
            state="processing",
            code="processing",
            expected_by=expected_by,
            expected_from=expected_from,
            article_id=ARTICLES["refund_timing"],
        )
    card = order.payment_method == "card"
    return RefundDecision(
        state="overdue",
        code="overdue_card" if card else "overdue",
        expected_by=expected_by,
        expected_from=expected_from,
        article_id=ARTICLES["refund_arn"] if card else ARTICLES["refund_timing"],
    )


# --- return -------------------------------------------------------------------------------


def _return(order: Order, now: datetime, dispute: DisputeDecision) -> ReturnDecision:
    if order.status not in SHIPPED_STATUSES:
        code: ReturnCode = "not_shipped" if order.status in BEFORE_SHIPPING else "order_inactive"
        return ReturnDecision(allowed=False, code=code, closes_at=None, article_id=ARTICLES["cancel"])
    if order.is_refunded:
        return ReturnDecision(
            allowed=False, code="refunded", closes_at=None, article_id=ARTICLES["dispute_how"]
        )
    if order.has_open_dispute:
        return ReturnDecision(
            allowed=False,
            code="open_dispute",
            closes_at=dispute.closes_at,
            article_id=ARTICLES["dispute_process"],
        )

    if order.free_return and order.received_confirmed_at is not None:
        closes_at = order.received_confirmed_at + FREE_RETURN_WINDOW
        if now <= closes_at:
            return ReturnDecision(
                allowed=True,
                mode="free_return",
                code="free_return",
                closes_at=closes_at,
                article_id=ARTICLES["free_return"],
            )
        return ReturnDecision(
            allowed=False, code="free_return_expired", closes_at=closes_at, article_id=ARTICLES["free_return"]
        )

    window_opens, window_closes = dispute.opens_at, dispute.closes_at
    assert window_opens is not None
    assert window_closes is not None
    if dispute.allowed:
        return ReturnDecision(
            allowed=True,
            mode="dispute",
            code="through_dispute",
            closes_at=window_closes,
            article_id=ARTICLES["dispute_how"],
        )
    if now < window_opens:
        return ReturnDecision(
            allowed=False,
            code="through_dispute_later",
            opens_at=window_opens,
            closes_at=window_closes,
            article_id=ARTICLES["dispute_how"],
        )
    return ReturnDecision(
        allowed=False, code="expired", closes_at=window_closes, article_id=ARTICLES["dispute_expired"]
    )
