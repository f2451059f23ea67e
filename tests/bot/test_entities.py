"""bot.entities: what a buyer types -> (label, value, the exact text span)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.entities import LABELS, MAX_TEXT_CHARS, Entity, entity_pipeline, extract_entities


def found(text: str) -> list[tuple[str, str, str]]:
    return [(e.label, e.value, text[e.start : e.end]) for e in extract_entities(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # order ids: bare, '#', 'order', 'no.' prefixes; the span is the digits
        ("8123456789012", [("order_id", "8123456789012", "8123456789012")]),
        ("where is order #1001?", [("order_id", "1001", "1001")]),
        ("order no. 1003 and no.1002", [("order_id", "1003", "1003"), ("order_id", "1002", "1002")]),
        ("order#1001", [("order_id", "1001", "1001")]),
        ("ord1001 please", [("order_id", "1001", "1001")]),
        ("Order number: 55512", [("order_id", "55512", "55512")]),
        ("it's 1001.", [("order_id", "1001", "1001")]),
        ("order 2025", [("order_id", "2025", "2025")]),  # a prefixed year-like number is an id
        ("2025", [("order_id", "2025", "2025")]),  # ... and so is one typed alone
        ("12345678901234567890", [("order_id", "12345678901234567890", "12345678901234567890")]),
        # emails
        ("mail me at jane.doe@example.com.", [("email", "jane.doe@example.com", "jane.doe@example.com")]),
        ("a_b+c@x-y.co.uk!", [("email", "a_b+c@x-y.co.uk", "a_b+c@x-y.co.uk")]),
        # phones: E.164 and local with separators
        ("+14155550134", [("phone", "+14155550134", "+14155550134")]),
        ("call me on +44 7700 900123", [("phone", "+447700900123", "+44 7700 900123")]),
        ("+1 (415) 555-0134", [("phone", "+14155550134", "+1 (415) 555-0134")]),
        ("my phone is (415) 555-0134", [("phone", "4155550134", "(415) 555-0134")]),
        ("415-555-0134", [("phone", "4155550134", "415-555-0134")]),
        ("0412 345 678", [("phone", "0412345678", "0412 345 678")]),
        ("06 12 34 56 78", [("phone", "0612345678", "06 12 34 56 78")]),
        ("call me at 07700900123", [("phone", "07700900123", "07700900123")]),
        # amounts: symbol or code, before or after
        ("I paid $12.50", [("amount", "12.50 USD", "$12.50")]),
        ("12 USD", [("amount", "12 USD", "12 USD")]),
        ("EUR 30", [("amount", "30 EUR", "EUR 30")]),
        ("€30", [("amount", "30 EUR", "€30")]),
        ("30€", [("amount", "30 EUR", "30€")]),
        ("US$10", [("amount", "10 USD", "US$10")]),
        ("1,299.99 usd", [("amount", "1299.99 USD", "1,299.99 usd")]),
        ("20 euros back", [("amount", "20 EUR", "20 euros")]),
        ("£7.99", [("amount", "7.99 GBP", "£7.99")]),
        # dates: ISO, numeric, day-month, month-day, relative
        ("2026-03-01", [("date", "2026-03-01", "2026-03-01")]),
        ("01/03/2026", [("date", "01/03/2026", "01/03/2026")]),
        ("on 1 March", [("date", "1 March", "1 March")]),
        ("March 1st, 2026", [("date", "March 1st, 2026", "March 1st, 2026")]),
        ("the 3rd of may", [("date", "3rd of may", "3rd of may")]),
        ("yesterday", [("date", "yesterday", "yesterday")]),
        ("it came last Monday", [("date", "last Monday", "last Monday")]),
        ("ordered it on friday", [("date", "friday", "friday")]),
        ("3 days ago", [("date", "3 days ago", "3 days ago")]),
        ("a couple of weeks ago", [("date", "a couple of weeks ago", "a couple of weeks ago")]),
        ("tmrw", [("date", "tmrw", "tmrw")]),
        # several in one message, in order
        (
            "refund $12.50 for order #1001 to jane@x.com yesterday",
            [
                ("amount", "12.50 USD", "$12.50"),
                ("order_id", "1001", "1001"),
                ("email", "jane@x.com", "jane@x.com"),
                ("date", "yesterday", "yesterday"),
            ],
        ),
    ],
)
def test_extracts(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "where is my order?",
        "i bought 3 items",  # small numbers are not ids
        "in 2025 I bought a phone",  # a year inside a sentence is not an order id
        "order 123",  # too short for an id
        "12.50",  # an amount needs a currency
        "CSC_7200021",  # a payment error code, not an order
        "may I ask something",  # "may" alone is not a date
        "march on",
        "😀😀🙏",
        "no",
        "#hashtag",
    ],
)
def test_finds_nothing(text: str) -> None:
    assert extract_entities(text) == []


def test_phone_numbers_and_amounts_are_not_order_ids() -> None:
    labels = [e.label for e in extract_entities("call +44 7700 900123 about the $1200 charge")]
    assert labels == ["phone", "amount"]


def test_number_after_a_phone_cue_is_a_phone_but_after_order_it_is_an_order() -> None:
    assert found("my phone number is 4155550134") == [("phone", "4155550134", "4155550134")]
    assert found("my order number is 4155550134") == [("order_id", "4155550134", "4155550134")]


def test_iso_date_is_not_a_phone() -> None:
    assert [e.label for e in extract_entities("paid on 2026-03-01")] == ["date"]


def test_offsets_survive_control_characters_and_emoji() -> None:
    text = "\x00\x07 😀 order \x1b#1234 ok"
    [entity] = extract_entities(text)
    assert (entity.label, entity.value, text[entity.start : entity.end]) == ("order_id", "1234", "1234")


def test_very_long_text_is_truncated_not_rejected() -> None:
    early = "order 1001 " + "x" * 100_000 + " order 2002"
    assert [e.value for e in extract_entities(early)] == ["1001"]
    assert all(e.end <= MAX_TEXT_CHARS for e in extract_entities(early))


def test_entity_is_frozen_and_labels_are_the_contract() -> None:
    entity = Entity("order_id", "1001", 0, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entity.value = "2"  # type: ignore[misc]
    assert LABELS == ("order_id", "email", "phone", "amount", "date")


def test_pipeline_is_built_once() -> None:
    assert entity_pipeline() is entity_pipeline()
    assert entity_pipeline().pipe_names == ["entity_ruler"]
