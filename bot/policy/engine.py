"""The eligibility engine: may this buyer cancel, dispute, get a refund or return, and until when.

``evaluate`` is pure: the same order and ``now`` always give the same decision, so channels can
render it, tests can pin it and nothing here touches a clock, a database or the network.

Edge semantics (see docs/policy.md): a "day" is 24 hours counted from the event's exact
instant in UTC, and every window is closed at both ends, so a window opening at 10 days after
shipment is open at that very instant, and one closing 15 days after the deadline is still open
at that instant and shut one second later. Refund business days skip Saturdays and Sundays only.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, Optional

from bot.orders.schema import Order, OrderValidationError, format_datetime

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
    "free_return": "what-does-free-return-mean",
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
ABNORMAL_LOGISTICS = frozenset({"no_tracking", "returned_to_seller", "held_in_customs", "wrong_address"})
_LOGISTICS_PHRASES = {
    "no_tracking": "the parcel has no tracking information",
    "returned_to_seller": "the parcel was returned to the seller",
    "held_in_customs": "the parcel is held in customs",
    "wrong_address": "the parcel was sent to a wrong address",
}

CancelMode = Literal["immediate", "seller_approval", "none"]
RefundState = Literal["none", "processing", "overdue", "completed"]
ReturnMode = Literal["free_return", "dispute", "none"]


@dataclass(frozen=True)
class CancelDecision:
    allowed: bool
    mode: CancelMode
    reason: str
    article_id: str
    immediate_until: Optional[datetime] = None  # last instant a paid order cancels without the seller
    deadline: Optional[datetime] = None  # a request made now is answered (or auto-cancelled) by then

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "mode": self.mode,
            "reason": self.reason,
            "article_id": self.article_id,
            "immediate_until": format_datetime(self.immediate_until),
            "deadline": format_datetime(self.deadline),
        }


@dataclass(frozen=True)
class DisputeDecision:
    allowed: bool
    opens_at: Optional[datetime]
    closes_at: Optional[datetime]
    reason: str
    article_id: str
    paypal_until: Optional[datetime] = None
    seller_response_by: Optional[datetime] = None  # open dispute: no answer by then refunds
    platform_steps_in_at: Optional[datetime] = None  # open dispute: escalation without agreement
    appeal_until: Optional[datetime] = None  # closed dispute: last instant to appeal the result

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "opens_at": format_datetime(self.opens_at),
            "closes_at": format_datetime(self.closes_at),
            "reason": self.reason,
            "article_id": self.article_id,
            "paypal_until": format_datetime(self.paypal_until),
            "seller_response_by": format_datetime(self.seller_response_by),
            "platform_steps_in_at": format_datetime(self.platform_steps_in_at),
            "appeal_until": format_datetime(self.appeal_until),
        }


@dataclass(frozen=True)
class RefundDecision:
    state: RefundState
    expected_by: Optional[datetime]
    reason: str
    article_id: str
    expected_from: Optional[datetime] = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "expected_by": format_datetime(self.expected_by),
            "reason": self.reason,
            "article_id": self.article_id,
            "expected_from": format_datetime(self.expected_from),
        }


@dataclass(frozen=True)
class ReturnDecision:
    allowed: bool
    closes_at: Optional[datetime]
    reason: str
    article_id: str
    mode: ReturnMode = "none"

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "closes_at": format_datetime(self.closes_at),
            "reason": self.reason,
            "article_id": self.article_id,
            "mode": self.mode,
        }


@dataclass(frozen=True)
class Decision:
    order_id: str
    cancel: CancelDecision
    dispute: DisputeDecision
    refund: RefundDecision
    return_: ReturnDecision

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `supportbot eligibility` (dates ISO 8601 UTC with Z, or null)."""
        return {
            "order_id": self.order_id,
            "cancel": self.cancel.to_dict(),
            "dispute": self.dispute.to_dict(),
            "refund": self.refund.to_dict(),
            "return": self.return_.to_dict(),
        }


def evaluate(order: Order, now: datetime) -> Decision:
    """Decide every check for ``order`` at ``now`` (naive ``now`` is UTC).

    Raises ``OrderValidationError`` naming the field when a date on the order lies after
    ``now``: a decision built on events that have not happened yet would be wrong either way.
    """
    now = _utc(now)
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
    """Raise ``OrderValidationError`` for the first event date later than ``now``.

    The delivery deadline is a promise, not an event, so it may lie in the future.
    """
    now = _utc(now)
    for name, value in order.dates().items():
        if value > now:
            raise OrderValidationError(
                name, f"{format_datetime(value)} is after now ({format_datetime(now)})"
            )


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


def format_day(value: datetime) -> str:
    """'3 March 2026 at 14:00 UTC': unambiguous for buyers in every country."""
    value = _utc(value)
    return f"{value.day} {calendar.month_name[value.month]} {value.year} at {value:%H:%M} UTC"


def _as_utc(order: Order) -> Order:
    """The order with every timestamp aware UTC: stores (SQLite) may hand back naive ones."""
    dispute, refund = order.dispute, order.refund
    if dispute is not None:
        dispute = replace(
            dispute, opened_at=_utc(dispute.opened_at), closed_at=_utc_or_none(dispute.closed_at)
        )
    if refund is not None:
        refund = replace(refund, processed_at=_utc_or_none(refund.processed_at))
    return replace(
        order,
        created_at=_utc(order.created_at),
        paid_at=_utc_or_none(order.paid_at),
        shipped_at=_utc_or_none(order.shipped_at),
        delivery_deadline=_utc_or_none(order.delivery_deadline),
        received_confirmed_at=_utc_or_none(order.received_confirmed_at),
        dispute=dispute,
        refund=refund,
    )


def _required(order: Order, name: str) -> datetime:
    """A date the order's status cannot exist without; orders built outside the schema may lack it."""
    value = getattr(order, name)
    if value is None:
        raise OrderValidationError(name, f"is required for a {order.status} order")
    return _utc(value)


def _utc_or_none(value: Optional[datetime]) -> Optional[datetime]:
    return None if value is None else _utc(value)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


# --- cancel -------------------------------------------------------------------------------


def _cancel(order: Order, now: datetime, dispute: DisputeDecision) -> CancelDecision:
    article = ARTICLES["cancel"]
    status = order.status
    if status == "unpaid":
        return CancelDecision(True, "immediate", "You can cancel this unpaid order right away.", article)
    if status == "payment_verifying":
        return CancelDecision(
            False,
            "none",
            "Your payment is still being verified; you can try to cancel once the order status updates.",
            article,
        )
    if status == "awaiting_shipment":
        immediate_until = _required(order, "paid_at") + CANCEL_IMMEDIATE
        if now <= immediate_until:
            return CancelDecision(
                True,
                "immediate",
                f"You can cancel right away until {format_day(immediate_until)} (7 days after payment); "
                f"the refund then takes {REFUND_MIN_BUSINESS_DAYS}-{REFUND_MAX_BUSINESS_DAYS} business days.",
                article,
                immediate_until=immediate_until,
            )
        deadline = now + SELLER_CANCEL_REPLY
        return CancelDecision(
            True,
            "seller_approval",
            f"More than 7 days have passed since payment, so the seller must approve your request; "
            f"if they do not answer by {format_day(deadline)}, the order is cancelled automatically.",
            article,
            immediate_until=immediate_until,
            deadline=deadline,
        )
    if status in ("shipped", "completed"):
        already = "has already been shipped" if status == "shipped" else "is already completed"
        refuse = "refuse the delivery or " if status == "shipped" else ""
        opens_at, closes_at = dispute.opens_at, dispute.closes_at
        if order.dispute is not None and order.dispute.status == "open":
            instead = "your open dispute is the way to a refund"
        elif order.refund is not None and order.refund.status == "completed":
            instead = "it has already been refunded"
        elif dispute.allowed and closes_at is not None:
            instead = f"you can {refuse}open a dispute until {format_day(closes_at)}"
        elif opens_at is not None and now < opens_at:
            instead = f"you can {refuse}open a dispute from {format_day(opens_at)}"
        else:
            instead = "please contact the seller"
        return CancelDecision(
            False, "none", f"The order {already}, so it can't be cancelled; {instead}.", article
        )
    if status == "cancelled":
        return CancelDecision(False, "none", "This order is already cancelled.", article)
    return CancelDecision(False, "none", "This order is closed, so there is nothing left to cancel.", article)


# --- dispute ------------------------------------------------------------------------------


def dispute_window(order: Order) -> tuple[Optional[datetime], Optional[datetime]]:
    """(opens_at, closes_at) of the platform dispute window, or (None, None) before shipment."""
    if order.status not in ("shipped", "completed"):
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
    window = {"opens_at": opens_at, "closes_at": closes_at, "paypal_until": paypal_until}

    if order.dispute is not None and order.dispute.status == "open":
        respond_by = order.dispute.opened_at + SELLER_DISPUTE_REPLY
        if now <= respond_by:
            reason = (
                f"You already have an open dispute: the seller has until {format_day(respond_by)} to respond, "
                "and if they don't, you are refunded automatically."
            )
        else:
            reason = (
                f"You already have an open dispute; the seller's 5 days ended on {format_day(respond_by)}, "
                "so if you have not agreed, our dispute team is stepping in."
            )
        return DisputeDecision(
            False,
            reason=reason,
            article_id=ARTICLES["dispute_process"],
            seller_response_by=respond_by,
            platform_steps_in_at=respond_by,
            **window,
        )

    if order.refund is not None and order.refund.status == "completed":
        return DisputeDecision(
            False,
            reason="This order has already been refunded, so a dispute can't be opened.",
            article_id=ARTICLES["dispute_refunded"],
            **window,
        )

    allowed, reason, article = _window_verdict(order, now, opens_at, closes_at, paypal_until)
    appeal_until = None
    if order.dispute is not None and order.dispute.closed_at is not None:
        closed_at = order.dispute.closed_at
        appeal_until = closed_at + APPEAL_WINDOW
        if now <= appeal_until:
            # Disagreeing with the result is what a buyer with a fresh result most likely wants.
            if allowed and closes_at is not None:
                also = f", or open a new dispute until {format_day(closes_at)}"
            elif opens_at is not None and closes_at is not None and now < opens_at:
                also = (
                    f"; a new dispute can be opened from {format_day(opens_at)} until {format_day(closes_at)}"
                )
            else:
                also = ""
            reason = (
                f"Your dispute closed on {format_day(closed_at)}: you can appeal its result until "
                f"{format_day(appeal_until)}{also}."
            )
            article = ARTICLES["dispute_appeal"]
    return DisputeDecision(allowed, reason=reason, article_id=article, appeal_until=appeal_until, **window)


def _window_verdict(
    order: Order,
    now: datetime,
    opens_at: Optional[datetime],
    closes_at: Optional[datetime],
    paypal_until: Optional[datetime],
) -> tuple[bool, str, str]:
    """(allowed, reason, article id) from the buyer protection window alone."""
    if opens_at is None or closes_at is None:
        return False, _not_shipped_dispute_reason(order), ARTICLES["dispute_window"]

    if now < opens_at:
        waits_for_deadline = (
            _in_normal_transit(order)
            and order.shipped_at is not None
            and opens_at > order.shipped_at + DISPUTE_OPENS_AFTER_SHIPPING
        )
        if waits_for_deadline:
            reason = (
                f"Your parcel is on its way with normal tracking, so you can open a dispute once the "
                f"delivery deadline passes, from {format_day(opens_at)} until {format_day(closes_at)}."
            )
            return False, reason, ARTICLES["dispute_in_transit"]
        if order.logistics in ABNORMAL_LOGISTICS:
            reason = (
                f"As {_LOGISTICS_PHRASES[order.logistics]}, you can open a dispute from "
                f"{format_day(opens_at)} (the 11th day after shipping) until {format_day(closes_at)}."
            )
            return False, reason, ARTICLES["dispute_not_received"]
        reason = (
            f"You can open a dispute from {format_day(opens_at)} (the 11th day after shipping) "
            f"until {format_day(closes_at)}."
        )
        return False, reason, ARTICLES["dispute_window"]

    if now <= closes_at:
        if order.logistics in ABNORMAL_LOGISTICS and order.received_confirmed_at is None:
            reason = (
                f"As {_LOGISTICS_PHRASES[order.logistics]}, you can open a dispute now, "
                f"until {format_day(closes_at)}."
            )
            return True, reason, ARTICLES["dispute_not_received"]
        return True, f"You can open a dispute now, until {format_day(closes_at)}.", ARTICLES["dispute_window"]

    if paypal_until is not None and now <= paypal_until:
        reason = (
            f"The buyer protection period ended on {format_day(closes_at)}, but as you paid with PayPal "
            f"you can still open a PayPal dispute until {format_day(paypal_until)}."
        )
        return False, reason, ARTICLES["dispute_window"]
    reason = (
        f"The buyer protection period ended on {format_day(closes_at)}, so please contact the seller "
        "for a solution."
    )
    return False, reason, ARTICLES["dispute_expired"]


def _not_shipped_dispute_reason(order: Order) -> str:
    if order.status in ("unpaid", "payment_verifying", "awaiting_shipment"):
        return "A dispute can only be opened once the order has shipped; until then you can ask to cancel it."
    return f"This order is {order.status}, so a dispute can't be opened."


# --- refund -------------------------------------------------------------------------------


def _refund(order: Order, now: datetime) -> RefundDecision:
    refund = order.refund
    if refund is None:
        return RefundDecision(
            "none", None, "No refund has been started for this order.", ARTICLES["refund_timing"]
        )
    processed_at = refund.processed_at
    if processed_at is None:
        raise OrderValidationError("refund.processed_at", "is required")
    if refund.status == "completed":
        return RefundDecision(
            "completed",
            None,
            f"Your refund was completed on {format_day(processed_at)}; if you can't see it, check your "
            "account statement, as some banks book it on the purchase date.",
            ARTICLES["refund_completed"],
        )
    expected_from = add_business_days(processed_at, REFUND_MIN_BUSINESS_DAYS)
    expected_by = add_business_days(processed_at, REFUND_MAX_BUSINESS_DAYS)
    if now <= expected_by:
        return RefundDecision(
            "processing",
            expected_by,
            f"Your refund is being processed and should reach you by {format_day(expected_by)} "
            f"({REFUND_MIN_BUSINESS_DAYS}-{REFUND_MAX_BUSINESS_DAYS} business days).",
            ARTICLES["refund_timing"],
            expected_from=expected_from,
        )
    if order.payment_method == "card":
        return RefundDecision(
            "overdue",
            expected_by,
            f"Your refund was due by {format_day(expected_by)}; please ask your bank to trace it "
            "with the ARN (Acquirer Reference Number) shown on the order page.",
            ARTICLES["refund_arn"],
            expected_from=expected_from,
        )
    return RefundDecision(
        "overdue",
        expected_by,
        f"Your refund was due by {format_day(expected_by)}; please check with your payment provider "
        "and contact us if it still hasn't arrived.",
        ARTICLES["refund_timing"],
        expected_from=expected_from,
    )


# --- return -------------------------------------------------------------------------------


def _return(order: Order, now: datetime, dispute: DisputeDecision) -> ReturnDecision:
    if order.status not in ("shipped", "completed"):
        if order.status in ("unpaid", "payment_verifying", "awaiting_shipment"):
            reason = "The order hasn't shipped yet, so there is nothing to return; you can ask to cancel it instead."
        else:
            reason = f"This order is {order.status}, so there is nothing to return."
        return ReturnDecision(False, None, reason, ARTICLES["cancel"])

    if order.refund is not None and order.refund.status == "completed":
        return ReturnDecision(
            False,
            None,
            "This order has already been refunded, so a return can't be requested.",
            ARTICLES["dispute_how"],
        )
    if order.dispute is not None and order.dispute.status == "open":
        return ReturnDecision(
            False,
            dispute.closes_at,
            "You already have an open dispute; ask for a return (Refund & Return) within that dispute.",
            ARTICLES["dispute_process"],
        )

    if order.free_return and order.received_confirmed_at is not None:
        closes_at = order.received_confirmed_at + FREE_RETURN_WINDOW
        if now <= closes_at:
            return ReturnDecision(
                True,
                closes_at,
                f"This item has Free Return, so you can return it free of charge until {format_day(closes_at)}.",
                ARTICLES["free_return"],
                mode="free_return",
            )
        return ReturnDecision(
            False,
            closes_at,
            f"The 15-day Free Return period ended on {format_day(closes_at)}; please contact the seller.",
            ARTICLES["free_return"],
        )

    window_opens, window_closes = dispute.opens_at, dispute.closes_at
    assert window_opens is not None and window_closes is not None  # shipped orders always have a window
    if dispute.allowed:
        return ReturnDecision(
            True,
            window_closes,
            f"You can return the item by opening a dispute (Refund & Return) until {format_day(window_closes)}.",
            ARTICLES["dispute_how"],
            mode="dispute",
        )
    if now < window_opens:
        return ReturnDecision(
            False,
            window_closes,
            f"You can ask for a return through a dispute (Refund & Return) from {format_day(window_opens)} "
            f"until {format_day(window_closes)}.",
            ARTICLES["dispute_how"],
        )
    return ReturnDecision(
        False,
        window_closes,
        f"Returns go through a dispute, and the buyer protection period ended on {format_day(window_closes)}; "
        "please contact the seller.",
        ARTICLES["dispute_expired"],
    )
