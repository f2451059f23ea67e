"""Every rule of the eligibility engine, with the day before, of and after each edge.

Windows are closed at both ends at the exact instant (docs/policy.md), so each edge is also
pinned one second outside it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.assistant import replies
from bot.assistant.replies import format_moment
from bot.errors import InvalidField
from bot.policy import ARTICLES
from bot.policy import evaluate as decide
from bot.policy.engine import add_business_days
from bot.schemas.decisions import Eligibility
from bot.schemas.orders import Order, Refund


def evaluate(order: Order, now: datetime) -> Eligibility:
    """The engine's decision as channels show it: the reasons are asserted as buyers read them."""
    return replies.eligibility(order, decide(order, now))


DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
PAID = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # a Monday
SHIPPED = PAID + 2 * DAY
ELEVENTH_DAY = SHIPPED + 10 * DAY
LATE_DEADLINE = SHIPPED + 30 * DAY


# --- cancel -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "allowed", "mode"),
    [
        ("unpaid", True, "immediate"),
        ("payment_verifying", False, "none"),
        ("shipped", False, "none"),
        ("completed", False, "none"),
        ("cancelled", False, "none"),
        ("closed", False, "none"),
    ],
)
def test_cancel_by_status(make_order, status: str, allowed: bool, mode: str) -> None:
    cancel = evaluate(make_order(status), PAID + 3 * DAY).cancel
    assert (cancel.allowed, cancel.mode) == (allowed, mode)
    assert cancel.article_id == ARTICLES["cancel"]
    assert cancel.reason


@pytest.mark.parametrize(
    ("now", "mode"),
    [
        (PAID + 6 * DAY, "immediate"),  # day before the 7-day edge
        (PAID + 7 * DAY, "immediate"),  # the edge itself: "within 7 days" includes it
        (PAID + 7 * DAY + SECOND, "seller_approval"),
        (PAID + 8 * DAY, "seller_approval"),  # day after
    ],
)
def test_cancel_awaiting_shipment_seven_days_after_payment(make_order, now: datetime, mode: str) -> None:
    cancel = evaluate(make_order("awaiting_shipment", paid_at=PAID), now).cancel
    assert cancel.allowed is True
    assert cancel.mode == mode
    assert cancel.immediate_until == PAID + 7 * DAY
    if mode == "immediate":
        assert cancel.deadline is None
        assert format_moment(PAID + 7 * DAY) in cancel.reason
        assert "3-20 business days" in cancel.reason
    else:
        # the seller has 48 hours from a request made now; silence cancels automatically
        assert cancel.deadline == now + timedelta(hours=48)
        assert format_moment(now + timedelta(hours=48)) in cancel.reason
        assert "automatically" in cancel.reason


def test_cancel_payment_verifying_says_try_after_the_status_updates(make_order) -> None:
    cancel = evaluate(make_order("payment_verifying"), PAID).cancel
    assert "status updates" in cancel.reason


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (ELEVENTH_DAY - DAY, f"open a dispute from {format_moment(ELEVENTH_DAY)}"),
        (ELEVENTH_DAY, f"open a dispute until {format_moment(LATE_DEADLINE + 15 * DAY)}"),
        (LATE_DEADLINE + 16 * DAY, "contact the seller"),
    ],
)
def test_cancel_shipped_points_to_refusing_or_a_dispute(make_order, now: datetime, expected: str) -> None:
    order = make_order(
        "shipped", shipped_at=SHIPPED, delivery_deadline=LATE_DEADLINE, logistics="no_tracking"
    )
    cancel = evaluate(order, now).cancel
    assert cancel.allowed is False
    assert expected in cancel.reason
    assert "refuse the delivery" in cancel.reason or "contact the seller" in cancel.reason


# --- dispute window -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "logistics", ["no_tracking", "returned_to_seller", "held_in_customs", "wrong_address"]
)
@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (ELEVENTH_DAY - DAY, False),
        (ELEVENTH_DAY - SECOND, False),
        (ELEVENTH_DAY, True),  # the 11th day starts exactly 10 days after shipping
        (ELEVENTH_DAY + DAY, True),
    ],
)
def test_abnormal_logistics_open_the_dispute_from_the_11th_day(
    make_order, logistics: str, now: datetime, allowed: bool
) -> None:
    order = make_order("shipped", shipped_at=SHIPPED, delivery_deadline=LATE_DEADLINE, logistics=logistics)
    dispute = evaluate(order, now).dispute
    assert dispute.allowed is allowed
    assert dispute.opens_at == ELEVENTH_DAY
    assert dispute.closes_at == LATE_DEADLINE + 15 * DAY
    assert dispute.article_id == ARTICLES["dispute_not_received"]
    if not allowed:
        assert format_moment(ELEVENTH_DAY) in dispute.reason


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (ELEVENTH_DAY, False),  # the 11th day is not enough while the parcel moves normally
        (ELEVENTH_DAY + DAY, False),
        (LATE_DEADLINE - DAY, False),
        (LATE_DEADLINE - SECOND, False),
        (LATE_DEADLINE, True),
        (LATE_DEADLINE + DAY, True),
    ],
)
def test_normal_transit_opens_only_at_the_delivery_deadline(make_order, now: datetime, allowed: bool) -> None:
    order = make_order("shipped", shipped_at=SHIPPED, delivery_deadline=LATE_DEADLINE, logistics="normal")
    dispute = evaluate(order, now).dispute
    assert dispute.allowed is allowed
    assert dispute.opens_at == LATE_DEADLINE
    if not allowed:
        assert "delivery deadline" in dispute.reason
        assert format_moment(LATE_DEADLINE) in dispute.reason
        assert dispute.article_id == ARTICLES["dispute_in_transit"]


def test_normal_transit_with_an_early_deadline_still_waits_for_the_11th_day(make_order) -> None:
    deadline = SHIPPED + 5 * DAY
    order = make_order("shipped", shipped_at=SHIPPED, delivery_deadline=deadline, logistics="normal")
    assert evaluate(order, ELEVENTH_DAY - DAY).dispute.allowed is False
    assert evaluate(order, ELEVENTH_DAY).dispute.allowed is True
    assert evaluate(order, ELEVENTH_DAY).dispute.opens_at == ELEVENTH_DAY
    assert evaluate(order, ELEVENTH_DAY).dispute.closes_at == deadline + 15 * DAY


@pytest.mark.parametrize(
    ("status", "logistics", "confirmed"),
    [
        ("shipped", "delivered", None),  # delivered is not "in transit"
        ("shipped", "normal", SHIPPED + 3 * DAY),  # receipt confirmed: not in transit either
        ("completed", "normal", None),
        ("completed", "delivered", SHIPPED + 3 * DAY),
    ],
)
def test_parcels_no_longer_in_transit_open_on_the_11th_day(
    make_order, status: str, logistics: str, confirmed: datetime | None
) -> None:
    extra = {"received_confirmed_at": confirmed} if confirmed else {}
    order = make_order(
        status, shipped_at=SHIPPED, delivery_deadline=LATE_DEADLINE, logistics=logistics, **extra
    )
    assert evaluate(order, ELEVENTH_DAY - DAY).dispute.allowed is False
    assert evaluate(order, ELEVENTH_DAY).dispute.allowed is True
    assert evaluate(order, ELEVENTH_DAY + DAY).dispute.allowed is True


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (LATE_DEADLINE + 14 * DAY, True),
        (LATE_DEADLINE + 15 * DAY, True),  # still open at the closing instant
        (LATE_DEADLINE + 15 * DAY + SECOND, False),
        (LATE_DEADLINE + 16 * DAY, False),
    ],
)
def test_dispute_closes_15_days_after_the_delivery_deadline(make_order, now: datetime, allowed: bool) -> None:
    order = make_order("shipped", shipped_at=SHIPPED, delivery_deadline=LATE_DEADLINE, logistics="normal")
    dispute = evaluate(order, now).dispute
    assert dispute.allowed is allowed
    assert dispute.closes_at == LATE_DEADLINE + 15 * DAY
    if allowed:
        assert format_moment(LATE_DEADLINE + 15 * DAY) in dispute.reason
        assert dispute.article_id == ARTICLES["dispute_window"]
    else:
        assert "contact the seller" in dispute.reason
        assert dispute.article_id == ARTICLES["dispute_expired"]


@pytest.mark.parametrize("confirmed_after_shipping", [timedelta(days=12), timedelta(days=40)])
@pytest.mark.parametrize(
    ("offset", "allowed"),
    [(14 * DAY, True), (15 * DAY, True), (15 * DAY + SECOND, False), (16 * DAY, False)],
)
def test_dispute_closes_15_days_after_confirmed_receipt(
    make_order, confirmed_after_shipping: timedelta, offset: timedelta, allowed: bool
) -> None:
    # receipt before the deadline shortens the window; receipt after it lengthens the window
    confirmed = SHIPPED + confirmed_after_shipping
    order = make_order(
        "completed", shipped_at=SHIPPED, delivery_deadline=LATE_DEADLINE, received_confirmed_at=confirmed
    )
    dispute = evaluate(order, confirmed + offset).dispute
    assert dispute.closes_at == confirmed + 15 * DAY
    assert dispute.allowed is allowed


@pytest.mark.parametrize(
    "status", ["unpaid", "payment_verifying", "awaiting_shipment", "cancelled", "closed"]
)
def test_no_dispute_before_shipment_or_after_cancellation(make_order, status: str) -> None:
    dispute = evaluate(make_order(status), PAID + 60 * DAY).dispute
    assert dispute.allowed is False
    assert (dispute.opens_at, dispute.closes_at) == (None, None)
    assert dispute.article_id == ARTICLES["dispute_window"]


def test_no_dispute_after_a_completed_refund(make_order) -> None:
    order = make_order(
        "shipped",
        logistics="no_tracking",
        shipped_at=SHIPPED,
        refund={"status": "completed", "processed_at": SHIPPED + 11 * DAY},
    )
    dispute = evaluate(order, SHIPPED + 12 * DAY).dispute
    assert dispute.allowed is False
    assert "refunded" in dispute.reason
    assert dispute.article_id == ARTICLES["dispute_refunded"]


def test_a_processing_refund_does_not_block_a_dispute(make_order) -> None:
    order = make_order(
        "shipped",
        logistics="no_tracking",
        shipped_at=SHIPPED,
        refund={"status": "processing", "processed_at": SHIPPED + 11 * DAY},
    )
    assert evaluate(order, SHIPPED + 12 * DAY).dispute.allowed is True


# --- PayPal -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "mentions_paypal"),
    [
        (PAID + 179 * DAY, True),
        (PAID + 180 * DAY, True),
        (PAID + 180 * DAY + SECOND, False),
        (PAID + 181 * DAY, False),
    ],
)
def test_paypal_dispute_possible_180_days_after_payment(
    make_order, now: datetime, mentions_paypal: bool
) -> None:
    order = make_order(
        "shipped", payment_method="paypal", paid_at=PAID, shipped_at=SHIPPED, delivery_deadline=LATE_DEADLINE
    )
    dispute = evaluate(order, now).dispute
    assert dispute.paypal_until == PAID + 180 * DAY
    assert dispute.allowed is False  # the platform window closed long before
    assert ("PayPal" in dispute.reason) is mentions_paypal
    if mentions_paypal:
        assert format_moment(PAID + 180 * DAY) in dispute.reason


@pytest.mark.parametrize("method", ["card", "bank_transfer", None])
def test_paypal_until_only_for_paypal(make_order, method: str | None) -> None:
    order = make_order("shipped", payment_method=method)
    assert evaluate(order, SHIPPED + DAY).dispute.paypal_until is None


# --- after a dispute opens ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (4 * DAY, "refunded automatically"),
        (5 * DAY, "refunded automatically"),
        (5 * DAY + SECOND, "stepping in"),
        (6 * DAY, "stepping in"),
    ],
)
def test_open_dispute_seller_has_5_days_then_the_platform_steps_in(
    make_order, offset: timedelta, expected: str
) -> None:
    opened = ELEVENTH_DAY + DAY
    order = make_order(
        "shipped",
        logistics="no_tracking",
        shipped_at=SHIPPED,
        dispute={"status": "open", "opened_at": opened},
    )
    dispute = evaluate(order, opened + offset).dispute
    assert dispute.allowed is False  # one is already open
    assert dispute.seller_response_by == opened + 5 * DAY
    assert dispute.platform_steps_in_at == opened + 5 * DAY
    assert expected in dispute.reason
    assert dispute.article_id == ARTICLES["dispute_process"]


@pytest.mark.parametrize(
    ("offset", "mentions_appeal"),
    [(6 * DAY, True), (7 * DAY, True), (7 * DAY + SECOND, False), (8 * DAY, False)],
)
def test_closed_dispute_can_be_appealed_within_7_days(
    make_order, offset: timedelta, mentions_appeal: bool
) -> None:
    opened, closed = ELEVENTH_DAY, ELEVENTH_DAY + 6 * DAY
    order = make_order(
        "shipped",
        logistics="no_tracking",
        shipped_at=SHIPPED,
        delivery_deadline=LATE_DEADLINE,
        dispute={"status": "closed", "opened_at": opened, "closed_at": closed},
    )
    dispute = evaluate(order, closed + offset).dispute
    assert dispute.appeal_until == closed + 7 * DAY
    assert ("appeal" in dispute.reason) is mentions_appeal
    assert (dispute.article_id == ARTICLES["dispute_appeal"]) is mentions_appeal
    if mentions_appeal:
        assert format_moment(closed + 7 * DAY) in dispute.reason
        assert f"open a new dispute until {format_moment(LATE_DEADLINE + 15 * DAY)}" in dispute.reason
    # a closed dispute is not an open one: the window rule alone decides
    assert dispute.allowed is True


# --- refund -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (
            datetime(2026, 3, 2, 10, tzinfo=timezone.utc),
            3,
            datetime(2026, 3, 5, 10, tzinfo=timezone.utc),
        ),  # Mon->Thu
        (
            datetime(2026, 3, 6, 10, tzinfo=timezone.utc),
            1,
            datetime(2026, 3, 9, 10, tzinfo=timezone.utc),
        ),  # Fri->Mon
        (
            datetime(2026, 3, 6, 10, tzinfo=timezone.utc),
            3,
            datetime(2026, 3, 11, 10, tzinfo=timezone.utc),
        ),  # Fri->Wed
        (
            datetime(2026, 3, 7, 10, tzinfo=timezone.utc),
            1,
            datetime(2026, 3, 9, 10, tzinfo=timezone.utc),
        ),  # Sat->Mon
        (
            datetime(2026, 3, 8, 10, tzinfo=timezone.utc),
            5,
            datetime(2026, 3, 13, 10, tzinfo=timezone.utc),
        ),  # Sun->Fri
        (datetime(2026, 3, 2, 10, tzinfo=timezone.utc), 20, datetime(2026, 3, 30, 10, tzinfo=timezone.utc)),
        (datetime(2026, 3, 2, 10, tzinfo=timezone.utc), 0, datetime(2026, 3, 2, 10, tzinfo=timezone.utc)),
    ],
)
def test_business_days_skip_weekends(start: datetime, days: int, expected: datetime) -> None:
    assert add_business_days(start, days) == expected


def test_no_refund(make_order) -> None:
    refund = evaluate(make_order("awaiting_shipment"), PAID + DAY).refund
    assert (refund.state, refund.expected_by) == ("none", None)


REFUNDED = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)  # Monday
EXPECTED_BY = datetime(2026, 3, 30, 10, tzinfo=timezone.utc)  # 20 business days later


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (EXPECTED_BY - DAY, "processing"),
        (EXPECTED_BY, "processing"),
        (EXPECTED_BY + SECOND, "overdue"),
        (EXPECTED_BY + DAY, "overdue"),
    ],
)
def test_processing_refund_expected_within_20_business_days(make_order, now: datetime, state: str) -> None:
    order = make_order(
        "cancelled", paid_at=REFUNDED - DAY, refund={"status": "processing", "processed_at": REFUNDED}
    )
    refund = evaluate(order, now).refund
    assert refund.state == state
    assert refund.expected_by == EXPECTED_BY
    assert refund.expected_from == datetime(2026, 3, 5, 10, tzinfo=timezone.utc)
    assert format_moment(EXPECTED_BY) in refund.reason


def test_overdue_card_refund_asks_the_bank_with_the_arn(make_order) -> None:
    order = make_order(
        "cancelled",
        payment_method="card",
        paid_at=REFUNDED - DAY,
        refund={"status": "processing", "processed_at": REFUNDED},
    )
    refund = evaluate(order, EXPECTED_BY + DAY).refund
    assert "ARN" in refund.reason
    assert "bank" in refund.reason
    assert refund.article_id == ARTICLES["refund_arn"]


def test_overdue_paypal_refund_does_not_mention_the_arn(make_order) -> None:
    order = make_order(
        "cancelled",
        payment_method="paypal",
        paid_at=REFUNDED - DAY,
        refund={"status": "processing", "processed_at": REFUNDED},
    )
    refund = evaluate(order, EXPECTED_BY + DAY).refund
    assert refund.state == "overdue"
    assert "ARN" not in refund.reason
    assert refund.article_id == ARTICLES["refund_timing"]


def test_completed_refund(make_order) -> None:
    order = make_order(
        "closed", paid_at=REFUNDED - DAY, refund={"status": "completed", "processed_at": REFUNDED}
    )
    refund = evaluate(order, REFUNDED + 30 * DAY).refund
    assert (refund.state, refund.expected_by) == ("completed", None)
    assert format_moment(REFUNDED) in refund.reason
    assert refund.article_id == ARTICLES["refund_completed"]


# --- return -------------------------------------------------------------------------------


CONFIRMED = SHIPPED + 8 * DAY


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (CONFIRMED + 14 * DAY, True),
        (CONFIRMED + 15 * DAY, True),
        (CONFIRMED + 15 * DAY + SECOND, False),
        (CONFIRMED + 16 * DAY, False),
    ],
)
def test_free_return_within_15_days_of_confirmed_receipt(make_order, now: datetime, allowed: bool) -> None:
    order = make_order("completed", shipped_at=SHIPPED, received_confirmed_at=CONFIRMED, free_return=True)
    ret = evaluate(order, now).return_
    assert ret.allowed is allowed
    assert ret.closes_at == CONFIRMED + 15 * DAY
    assert ret.article_id == ARTICLES["free_return"]
    assert ret.mode == ("free_return" if allowed else "none")
    assert format_moment(CONFIRMED + 15 * DAY) in ret.reason


def test_free_return_starts_at_confirmation_even_before_the_11th_day(make_order) -> None:
    order = make_order(
        "completed", shipped_at=SHIPPED, received_confirmed_at=SHIPPED + 3 * DAY, free_return=True
    )
    decision = evaluate(order, SHIPPED + 4 * DAY)
    assert decision.return_.allowed is True
    assert decision.dispute.allowed is False


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (ELEVENTH_DAY - DAY, False),
        (ELEVENTH_DAY, True),
        (LATE_DEADLINE + 15 * DAY, True),
        (LATE_DEADLINE + 15 * DAY + SECOND, False),
        (LATE_DEADLINE + 16 * DAY, False),
    ],
)
@pytest.mark.parametrize("free_return", [False, True])  # Free Return without confirmed receipt: via dispute
def test_other_returns_go_through_the_dispute_window(
    make_order, now: datetime, allowed: bool, free_return: bool
) -> None:
    order = make_order(
        "shipped",
        shipped_at=SHIPPED,
        delivery_deadline=LATE_DEADLINE,
        logistics="delivered",
        free_return=free_return,
    )
    decision = evaluate(order, now)
    assert decision.return_.allowed is allowed is decision.dispute.allowed
    assert decision.return_.closes_at == LATE_DEADLINE + 15 * DAY
    assert decision.return_.mode == ("dispute" if allowed else "none")
    assert "dispute" in decision.return_.reason


@pytest.mark.parametrize(
    "status", ["unpaid", "payment_verifying", "awaiting_shipment", "cancelled", "closed"]
)
def test_nothing_to_return_before_shipment(make_order, status: str) -> None:
    ret = evaluate(make_order(status), PAID + DAY).return_
    assert (ret.allowed, ret.closes_at, ret.mode) == (False, None, "none")


def test_no_return_after_a_completed_refund_or_during_an_open_dispute(make_order) -> None:
    refunded = make_order(
        "completed",
        received_confirmed_at=CONFIRMED,
        free_return=True,
        refund={"status": "completed", "processed_at": CONFIRMED + DAY},
    )
    assert evaluate(refunded, CONFIRMED + 2 * DAY).return_.allowed is False
    disputed = make_order(
        "completed",
        received_confirmed_at=CONFIRMED,
        free_return=True,
        dispute={"status": "open", "opened_at": CONFIRMED + DAY},
    )
    ret = evaluate(disputed, CONFIRMED + 2 * DAY).return_
    assert ret.allowed is False
    assert "open dispute" in ret.reason


# --- contract -----------------------------------------------------------------------------


def test_to_dict_has_the_contract_keys_and_utc_z_dates(make_order) -> None:
    order = make_order("shipped", payment_method="paypal", logistics="no_tracking")
    data = evaluate(order, ELEVENTH_DAY).to_dict()
    assert set(data) == {"order_id", "cancel", "dispute", "refund", "return"}
    assert data["order_id"] == "8001"
    assert {"allowed", "mode", "reason", "article_id"} <= set(data["cancel"])
    assert {"allowed", "opens_at", "closes_at", "reason", "article_id", "paypal_until"} <= set(
        data["dispute"]
    )
    assert {"state", "expected_by", "reason"} <= set(data["refund"])
    assert {"allowed", "closes_at", "reason"} <= set(data["return"])
    assert data["dispute"]["opens_at"] == "2026-03-14T10:00:00Z"
    assert data["dispute"]["paypal_until"] == "2026-08-29T10:00:00Z"
    assert data["refund"]["expected_by"] is None


def test_every_decision_names_an_article_from_the_one_table(make_order) -> None:
    known = set(ARTICLES.values())
    for status in (
        "unpaid",
        "payment_verifying",
        "awaiting_shipment",
        "shipped",
        "completed",
        "cancelled",
        "closed",
    ):
        for days in (3, 20, 60, 400):
            decision = evaluate(make_order(status), PAID + days * DAY)
            for check in (decision.cancel, decision.dispute, decision.refund, decision.return_):
                assert check.article_id in known


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"paid_at": PAID + 10 * DAY, "shipped_at": PAID + 11 * DAY}, "paid_at"),
        ({"shipped_at": PAID + 10 * DAY}, "shipped_at"),
        ({"received_confirmed_at": PAID + 10 * DAY}, "received_confirmed_at"),
        ({"dispute": {"status": "open", "opened_at": PAID + 10 * DAY}}, "dispute.opened_at"),
        ({"refund": {"status": "processing", "processed_at": PAID + 10 * DAY}}, "refund.processed_at"),
    ],
)
def test_dates_after_now_are_an_error_naming_the_field(make_order, overrides: dict, field: str) -> None:
    order = make_order("completed", **{"shipped_at": PAID + DAY, **overrides})
    with pytest.raises(InvalidField) as exc:
        evaluate(order, PAID + 5 * DAY)
    assert exc.value.field == field


def test_a_future_delivery_deadline_is_a_promise_not_an_error(make_order) -> None:
    order = make_order("shipped", shipped_at=SHIPPED, delivery_deadline=LATE_DEADLINE)
    assert evaluate(order, SHIPPED + DAY).dispute.opens_at == LATE_DEADLINE


def test_naive_now_is_utc(make_order) -> None:
    order = make_order("shipped", logistics="no_tracking", shipped_at=SHIPPED)
    naive = ELEVENTH_DAY.replace(tzinfo=None)
    assert evaluate(order, naive) == evaluate(order, ELEVENTH_DAY)


def test_naive_timestamps_on_a_directly_built_order_are_utc(make_order) -> None:
    # a store reading SQLite gets naive datetimes back and may build Order itself
    aware = make_order("completed", shipped_at=SHIPPED, received_confirmed_at=CONFIRMED, free_return=True)
    naive = aware.copy(
        update={
            "created_at": aware.created_at.replace(tzinfo=None),
            "paid_at": PAID.replace(tzinfo=None),
            "shipped_at": SHIPPED.replace(tzinfo=None),
            "received_confirmed_at": CONFIRMED.replace(tzinfo=None),
        }
    )
    assert evaluate(naive, CONFIRMED + DAY).to_dict() == evaluate(aware, CONFIRMED + DAY).to_dict()


@pytest.mark.parametrize(
    ("order", "field"),
    [
        (
            Order.construct(order_id="x", customer_id="c", status="awaiting_shipment", created_at=PAID),
            "paid_at",
        ),
        (
            Order.construct(
                order_id="x",
                customer_id="c",
                status="shipped",
                created_at=PAID,
                paid_at=PAID,
                delivery_deadline=LATE_DEADLINE,
            ),
            "shipped_at",
        ),
        (
            Order.construct(
                order_id="x",
                customer_id="c",
                status="completed",
                created_at=PAID,
                paid_at=PAID,
                shipped_at=SHIPPED,
            ),
            "delivery_deadline",
        ),
        (
            Order.construct(
                order_id="x",
                customer_id="c",
                status="cancelled",
                created_at=PAID,
                refund=Refund.construct(status="processing", processed_at=None),
            ),
            "refund.processed_at",
        ),
    ],
)
def test_orders_built_outside_the_schema_still_name_a_missing_date(order: Order, field: str) -> None:
    with pytest.raises(InvalidField) as exc:
        evaluate(order, PAID + 60 * DAY)
    assert exc.value.field == field


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"dispute": {"status": "open", "opened_at": ELEVENTH_DAY}}, "your open dispute"),
        ({"refund": {"status": "completed", "processed_at": ELEVENTH_DAY}}, "already been refunded"),
    ],
)
def test_cancel_of_a_shipped_order_does_not_offer_a_blocked_dispute(
    make_order, overrides: dict, expected: str
) -> None:
    order = make_order("shipped", shipped_at=SHIPPED, logistics="no_tracking", **overrides)
    reason = evaluate(order, ELEVENTH_DAY + DAY).cancel.reason
    assert expected in reason
    assert "open a dispute until" not in reason
