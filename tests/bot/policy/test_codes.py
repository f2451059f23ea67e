"""Decisions are data: the engine answers in reason codes and dates, and every code has one sentence."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, get_args

import pytest

from bot.assistant import replies
from bot.policy import engine, evaluate
from bot.schemas.decisions import CancelCode, Decision, DisputeCode, RefundCode, ReturnCode
from bot.schemas.orders import LOGISTICS, STATUSES

DAY = timedelta(days=1)
PAID = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # what the policy tests' orders are paid at


def _sweep(make_order: Any) -> list[tuple[Any, Decision]]:
    """Orders of every status and logistics state, with and without disputes and refunds, over time."""
    paid = PAID
    found = []
    variants: list[dict[str, Any]] = [
        {},
        {"payment_method": "paypal"},
        {"free_return": True, "received_confirmed_at": paid + 5 * DAY},
        {"dispute": {"status": "open", "opened_at": paid + 12 * DAY}},
        {"dispute": {"status": "closed", "opened_at": paid + 12 * DAY, "closed_at": paid + 14 * DAY}},
        {"refund": {"status": "processing", "processed_at": paid + 3 * DAY}},
        {"payment_method": "paypal", "refund": {"status": "processing", "processed_at": paid + 3 * DAY}},
        {"refund": {"status": "completed", "processed_at": paid + 3 * DAY}},
    ]
    for status in STATUSES:
        for logistics in LOGISTICS:
            for variant in variants:
                if status not in ("shipped", "completed") and (
                    "dispute" in variant or "received_confirmed_at" in variant
                ):
                    continue
                if status == "completed" and "received_confirmed_at" not in variant:
                    variant = {**variant, "received_confirmed_at": paid + 5 * DAY}
                order = make_order(status, logistics=logistics, **variant)
                for days in (1, 3, 9, 12, 15, 18, 25, 40, 70, 120, 400):
                    now = paid + days * DAY
                    try:
                        found.append((order, evaluate(order, now)))
                    except ValueError:  # an event on the order lies after this "now"
                        continue
    return found


@pytest.fixture(scope="module")
def decisions(make_order: Any) -> list[tuple[Any, Decision]]:
    return _sweep(make_order)


@pytest.mark.parametrize(
    ("check", "codes"),
    [("cancel", CancelCode), ("dispute", DisputeCode), ("refund", RefundCode), ("return", ReturnCode)],
)
def test_every_reason_code_is_reached_and_rendered(
    decisions: list[tuple[Any, Decision]], check: str, codes: Any
) -> None:
    reached = set()
    for order, decision in decisions:
        verdict = replies.eligibility(order, decision).check(check)  # type: ignore[arg-type]
        code = decision.check(check).code  # type: ignore[arg-type]
        assert verdict.reason[:1].isupper(), (code, verdict.reason)
        assert verdict.reason.endswith("."), (code, verdict.reason)
        reached.add(code)
    assert reached == set(get_args(codes))


def test_the_decision_holds_no_english(make_order: Any) -> None:
    decision = evaluate(make_order("shipped", logistics="no_tracking"), PAID + 20 * DAY)
    for check in ("cancel", "dispute", "refund", "return"):
        fields = decision.check(check).dict()  # type: ignore[arg-type]
        assert "reason" not in fields
        assert all(not isinstance(value, str) or " " not in value for value in fields.values())


def test_numbers_in_sentences_come_from_the_engine_constants(make_order: Any, monkeypatch: Any) -> None:
    order = make_order("awaiting_shipment")
    monkeypatch.setattr(engine, "CANCEL_IMMEDIATE", timedelta(days=10))
    monkeypatch.setattr(engine, "REFUND_MAX_BUSINESS_DAYS", 25)
    paid = order.paid_at
    assert paid is not None
    text = replies.eligibility(order, evaluate(order, paid + DAY)).cancel.reason
    assert "(10 days after payment)" in text
    assert "3-25 business days" in text
    later = replies.eligibility(order, evaluate(order, paid + 11 * DAY)).cancel.reason
    assert later.startswith("More than 10 days have passed since payment")
