"""The buyer-facing wording of order states and decisions (shared by actions and agent assist)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.assistant import replies
from bot.corpus import Article, Validity
from bot.policy import evaluate
from bot.schemas.base import isoformat_z
from bot.schemas.orders import Order

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def order(status: str = "shipped", **fields: Any) -> Order:
    def at(days: float) -> str | None:
        return isoformat_z(NOW - timedelta(days=days))

    data: dict[str, Any] = {
        "order_id": "4242",
        "customer_id": "C1",
        "status": status,
        "created_at": at(10),
        "items": [{"title": "Linen shirt", "quantity": 1}],
    }
    if status not in ("unpaid", "payment_verifying", "cancelled", "closed"):
        data["paid_at"] = at(10)
    if status in ("shipped", "completed"):
        data.update(shipped_at=at(8), delivery_deadline=isoformat_z(NOW + timedelta(days=12)))
    data.update(fields)
    return Order.from_json(data)


@pytest.mark.parametrize(
    ("status", "fields", "expected"),
    [
        ("unpaid", {}, "Order 4242 (Linen shirt) was placed on 28 February 2026 and is waiting for payment."),
        ("payment_verifying", {}, "The payment for order 4242 (Linen shirt) is being verified"),
        ("awaiting_shipment", {}, "Order 4242 (Linen shirt) was paid on 28 February 2026 and is waiting for"),
        (
            "shipped",
            {},
            "was shipped on 2 March 2026 and should arrive by 22 March 2026. Tracking shows it on its way.",
        ),
        ("shipped", {"logistics": "no_tracking"}, "There is no tracking information for the parcel yet."),
        ("cancelled", {}, "Order 4242 (Linen shirt) was cancelled."),
        ("closed", {}, "Order 4242 (Linen shirt) is closed."),
    ],
)
def test_status_text_says_where_the_order_stands(status: str, fields: dict, expected: str) -> None:
    assert expected in replies.status_text(order(status, **fields), NOW)


def test_status_text_says_when_the_promised_date_has_passed() -> None:
    late = order(delivery_deadline=isoformat_z(NOW - timedelta(days=1)))

    assert "the promised delivery date was 9 March 2026" in replies.status_text(late, NOW)


def test_status_text_mentions_an_open_dispute_and_a_refund() -> None:
    disputed = order(dispute={"status": "open", "opened_at": isoformat_z(NOW - timedelta(days=1))})
    refunded = order("cancelled", refund={"status": "completed", "processed_at": isoformat_z(NOW)})

    assert replies.status_text(disputed, NOW).endswith("There is an open dispute on it.")
    assert replies.status_text(refunded, NOW).endswith("It has been refunded.")


def test_order_title_names_several_items() -> None:
    many = order(items=[{"title": "Cup"}, {"title": "Saucer", "quantity": 2}, {"title": "Spoon"}])

    assert replies.order_title(many) == "order 4242 (Cup and 2 more items)"
    assert replies.order_title(order(items=[])) == "order 4242"


@pytest.mark.parametrize("check", replies.CHECKS)
def test_check_text_names_the_order_and_carries_the_engine_reason(check: str) -> None:
    shipped = order()
    verdicts = replies.eligibility(shipped, evaluate(shipped, NOW))
    decision = verdicts.to_dict()

    text = replies.check_text(check, shipped, verdicts)

    assert text.startswith("Order 4242 (Linen shirt), shipped: ")
    assert decision[check]["reason"] in text
    assert replies.check_payload(check, shipped, verdicts) == {
        "order_id": "4242",
        "status": "shipped",
        check: decision[check],
    }


def test_refund_without_a_refund_points_to_a_dispute_once_shipped() -> None:
    shipped = order()

    text = replies.check_text("refund", shipped, replies.eligibility(shipped, evaluate(shipped, NOW)))

    assert (
        "No refund has been started for this order. A refund for a shipped order goes through a dispute:"
        in text
    )


def test_unknown_check_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown check"):
        replies.check_text("teleport", order(), replies.eligibility(order(), evaluate(order(), NOW)))


def test_order_summary_is_what_a_card_needs() -> None:
    summary = replies.status_payload(order(amount="35", currency="eur"))

    assert summary["order_id"] == "4242"
    assert summary["status"] == "shipped"
    assert summary["order"]["amount"] == "35.00"
    assert summary["order"]["currency"] == "EUR"
    assert summary["order"]["status_label"] == "shipped"
    assert "customer_id" not in summary["order"]


def test_an_answer_payload_labels_the_source_as_buyers_see_it() -> None:
    article = Article(
        id="when-refund",
        title="When will I get my refund?",
        category="Refund",
        platform="WISHALIVE",
        answer="3-20 days.",
    )

    assert replies.answer_payload(article, more=True) == {
        "source": {
            "id": "when-refund",
            "title": "When will I get my refund?",
            "category": "Refund",
            "platform": "WISHALIVE",
            "more": True,
        }
    }


def test_offered_articles_are_listed_in_the_text_with_their_full_titles() -> None:
    assert replies.choices_text("Is it one of these?", ["A?", "B?"]) == "Is it one of these?\n1. A?\n2. B?"


def test_an_ended_campaign_says_when_it_ended_and_a_yearly_notice_when_it_applies() -> None:
    ended = Validity(stated="15-26 March 2023", valid_from=date(2023, 3, 15), valid_until=date(2023, 3, 26))
    yearly = Validity(
        stated="April 29- May 3", valid_from=date(2000, 4, 29), valid_until=date(2000, 5, 3), yearly=True
    )

    assert (
        replies.ended_text("GoGo Match", ended)
        == "GoGo Match ended on 26 March 2023 and is no longer running."
    )
    assert replies.ended_text("Workers' Day", yearly) == (
        "Workers' Day applies every year from 29 April to 3 May, so it does not apply right now."
    )


def test_the_rating_marker_says_the_previous_answer_did_not_help() -> None:
    assert replies.unhelpful_payload() == {"feedback": {"helpful": False}}
