"""Questions back: the options fit WhatsApp buttons, and two close intents are asked about only
when they lead to different flows."""

from __future__ import annotations

import pytest

from bot.dialogue.clarify import (
    BUTTON_TITLE_MAX,
    INTENT_LABELS,
    ORDER_PROBLEM_OPTIONS,
    Ranked,
    ambiguous_pair,
    article_payload,
    ranking_of,
    short_title,
)
from bot.intents import CHECK_FOR_INTENT


def test_every_option_fits_a_whatsapp_reply_button() -> None:
    titles = [option.title for option in ORDER_PROBLEM_OPTIONS] + list(INTENT_LABELS.values())

    assert [title for title in titles if len(title) > BUTTON_TITLE_MAX] == []


def test_the_order_problem_options_start_order_flows_or_a_person() -> None:
    payloads = [option.payload.lstrip("/") for option in ORDER_PROBLEM_OPTIONS]

    assert all(p in CHECK_FOR_INTENT or p == "human_handoff" for p in payloads)
    assert "order_not_received" in payloads
    assert "item_not_as_described" in payloads


def test_the_ranking_drops_the_fallback_pseudo_intent_and_junk() -> None:
    raw = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "cancel_order", "confidence": 0.41},
        {"name": "request_refund", "confidence": 0.38},
        "junk",
        {"name": None, "confidence": 0.1},
    ]

    assert ranking_of(raw) == [Ranked("cancel_order", 0.41), Ranked("request_refund", 0.38)]
    assert ranking_of(None) == []


def test_two_close_order_flows_are_worth_a_question() -> None:
    ranking = [Ranked("cancel_order", 0.41), Ranked("request_refund", 0.38)]

    assert ambiguous_pair(ranking) == ("cancel_order", "request_refund")


@pytest.mark.parametrize(
    "ranking",
    [
        [Ranked("cancel_order", 0.80), Ranked("request_refund", 0.10)],  # not close
        [Ranked("request_refund", 0.40), Ranked("refund_status", 0.38)],  # the same flow (refund check)
        [Ranked("coupons", 0.40), Ranked("payment_issue", 0.38)],  # both help: the search decides
        [Ranked("greet", 0.40), Ranked("cancel_order", 0.38)],  # small talk is never offered
        [Ranked("cancel_order", 0.40), Ranked("return_item", 0.10)],  # the second too unlikely
        [Ranked("cancel_order", 0.40)],
    ],
)
def test_no_question_when_it_would_not_help(ranking: list[Ranked]) -> None:
    assert ambiguous_pair(ranking) is None


@pytest.mark.parametrize(
    ("title", "short"),
    [
        ("When can I open dispute?", "Open dispute"),
        ("How do I change my email address?", "Change my email…"),
        ("What is ARN?", "ARN"),
        ("I haven't received my order. What should I do?", "I haven't received…"),
        ("300% Guarantee", "300% Guarantee"),
    ],
)
def test_article_buttons_get_a_short_title(title: str, short: str) -> None:
    assert short_title(title) == short
    assert len(short_title(title)) <= BUTTON_TITLE_MAX


def test_an_article_button_names_its_article_by_entity() -> None:
    assert article_payload("what-is-arn") == '/faq{"article_id": "what-is-arn"}'
