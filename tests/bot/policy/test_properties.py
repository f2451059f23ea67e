"""Properties of the engine over generated orders: windows are well-formed and verdicts don't flap.

A buyer told "not yet", then "yes", then "no longer" is fine; "yes", "no", "yes" is a bug.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.policy import Decision, evaluate
from bot.schemas.orders import LOGISTICS, STATUSES, Dispute, Order, Refund

CREATED = datetime(2026, 1, 5, 8, 30, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)
REFUND_STATES = ("none", "processing", "overdue", "completed")

hours = st.integers(min_value=0, max_value=24 * 60)


@st.composite
def orders(draw: st.DrawFn) -> Order:
    status = draw(st.sampled_from(STATUSES))
    paid_at = shipped_at = deadline = confirmed = None
    last_event = CREATED
    if status not in ("unpaid", "payment_verifying") or draw(st.booleans()):
        paid_at = CREATED + timedelta(hours=draw(hours))
        last_event = paid_at
    if status in ("shipped", "completed") and paid_at is not None:
        shipped_at = paid_at + timedelta(hours=draw(hours))
        deadline = shipped_at + timedelta(hours=draw(hours))
        last_event = shipped_at
        if status == "completed" or draw(st.booleans()):
            confirmed = shipped_at + timedelta(hours=draw(hours))
            last_event = confirmed
    dispute = None
    if shipped_at is not None and draw(st.booleans()):
        opened = last_event + timedelta(hours=draw(hours))
        closed = opened + timedelta(hours=draw(hours)) if draw(st.booleans()) else None
        dispute = Dispute(status="closed" if closed else "open", opened_at=opened, closed_at=closed)
    refund = None
    if paid_at is not None and draw(st.booleans()):
        refund = Refund(
            status=draw(st.sampled_from(["processing", "completed"])),
            processed_at=last_event + timedelta(hours=draw(hours)),
        )
    return Order(
        order_id="p-1",
        customer_id="c-1",
        status=status,
        created_at=CREATED,
        paid_at=paid_at,
        payment_method=draw(st.sampled_from(["card", "paypal", "bank_transfer", None])),
        shipped_at=shipped_at,
        delivery_deadline=deadline,
        received_confirmed_at=confirmed,
        logistics=draw(st.sampled_from(LOGISTICS)),
        dispute=dispute,
        refund=refund,
        free_return=draw(st.booleans()),
    )


def _latest_event(order: Order) -> datetime:
    return max(order.dates().values())


def _edges(decision: Decision) -> list[datetime]:
    """Every instant the decision names, so the sampled timeline straddles each edge."""
    found: list[datetime] = []
    for check in (decision.cancel, decision.dispute, decision.refund, decision.return_):
        for value in vars(check).values():
            if isinstance(value, datetime):
                found += [value - SECOND, value, value + SECOND]
    return found


def _timeline(order: Order, offsets: list[int]) -> list[datetime]:
    start = _latest_event(order)
    points = {start + timedelta(hours=h) for h in offsets}
    points |= {p for p in _edges(evaluate(order, start)) if p >= start}
    return sorted(points)


def _flips_back(verdicts: list[Any]) -> bool:
    """True unless the sequence has the shape False* True* False*."""
    changes = sum(1 for a, b in pairwise(verdicts) if a != b)
    return changes > 2 or (changes == 2 and verdicts[0] is True)


@settings(max_examples=200, deadline=None)
@given(orders(), st.lists(st.integers(min_value=0, max_value=24 * 400), max_size=20))
def test_dispute_window_opens_before_it_closes(order: Order, offsets: list[int]) -> None:
    for now in _timeline(order, offsets):
        dispute = evaluate(order, now).dispute
        assert (dispute.opens_at is None) == (dispute.closes_at is None)
        if dispute.opens_at is not None and dispute.closes_at is not None:
            assert dispute.opens_at <= dispute.closes_at


@settings(max_examples=200, deadline=None)
@given(orders(), st.lists(st.integers(min_value=0, max_value=24 * 400), max_size=20))
def test_no_verdict_flips_back_and_forth_as_time_passes(order: Order, offsets: list[int]) -> None:
    decisions = [evaluate(order, now) for now in _timeline(order, offsets)]
    for name in ("cancel", "dispute", "return_"):
        verdicts = [getattr(decision, name).allowed for decision in decisions]
        assert not _flips_back(verdicts), (name, verdicts)
    # the refund only moves forward: none/processing -> overdue, never back
    states = [REFUND_STATES.index(decision.refund.state) for decision in decisions]
    assert states == sorted(states)
    # the dates a decision names are facts about the order, not about the clock
    windows = {(d.dispute.opens_at, d.dispute.closes_at, d.return_.closes_at) for d in decisions}
    assert len(windows) <= 1


def test_flip_detector_itself() -> None:
    assert not _flips_back([False, False, True, True, False])
    assert not _flips_back([True, True, False])
    assert not _flips_back([False, True])
    assert _flips_back([True, False, True])
    assert _flips_back([False, True, False, True])
