"""What a message names, and the topic as the ``topic`` slot keeps it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue.topic import Topic, mention, without_details


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("and with PayPal?", "payment_method", "PayPal"),
        ("I paid by credit card", "payment_method", "credit card"),
        ("customs phone number mexico", "country", "Mexico"),
        ("I'm in America, what number?", "country", "United States"),
        ("delivered but nothing, USA", "country", "United States"),
        ("cainiao super economy stuck", "carrier", "Cainiao"),
        ("and on aliexpress?", "platform", "AliExpress"),
        ("how long on wishalive", "platform", "WISHALIVE"),
        ("whatsapp?", "channel", "WhatsApp"),
        ("csc 7200012 again", "code", "CSC_7200012"),
    ],
)
def test_details_are_read_with_their_kind(text: str, kind: str, value: str) -> None:
    assert mention(text).details[kind] == value


def test_an_order_number_is_not_a_phone_number() -> None:
    assert "channel" not in mention("what's my order number").details


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("From what day can I open a dispute?", "dispute"),
        ("refund to credit card how long", "refund"),
        ("customs is holding my parcel", "customs"),
        ("I forgot my password", "account"),
        ("how do I message the seller", "seller"),
        ("what's your phone number", "contact"),
        ("the item came broken", "not_as_described"),
        ("and Italy?", None),
        ("what if I used PayPal to pay?", None),
    ],
)
def test_subjects_come_in_priority_order(text: str, subject: str | None) -> None:
    assert mention(text).subject == subject


def test_details_of_a_kind_are_taken_out_of_a_question() -> None:
    assert without_details("customs phone number mexico", {"country"}) == "customs phone number"
    assert without_details("what does CSC_7200006 mean", {"code"}) == "what does mean"


def test_a_topic_survives_the_slot_and_junk_does_not_become_one() -> None:
    topic = Topic.of_question(
        "customs phone number mexico",
        article_id="customs",
        check="status",
        order_id="1001",
        latest="and Italy?",
    )

    assert Topic.from_slot(topic.to_slot()) == topic
    assert topic.subject == "customs"
    assert topic.details == {"country": "Mexico", "channel": "phone"}


@pytest.mark.parametrize(
    "value",
    [None, "text", 3, [], {}, {"query": ""}, {"query": 5}, {"query": "   "}],
)
def test_a_malformed_slot_is_no_topic(value: Any) -> None:
    assert Topic.from_slot(value) is None


def test_a_slot_with_odd_fields_keeps_what_is_usable() -> None:
    topic = Topic.from_slot({"query": "x" * 5000, "pages": -3, "details": {"country": 7}, "subject": ["a"]})

    assert topic is not None
    assert len(topic.query) == 1000
    assert (topic.pages, topic.details, topic.subject) == (0, {}, None)
