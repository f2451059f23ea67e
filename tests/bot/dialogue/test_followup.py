"""When a message continues the topic: each cue of the table, and the order the rules apply in."""

from __future__ import annotations

import pytest

from bot.dialogue.followup import CUES, STRONG_RULES, message, read
from bot.dialogue.topic import Topic

DISPUTE = Topic.of_question("When can I open a dispute?", intent="open_dispute")
CUSTOMS = Topic.of_question("customs phone number mexico")
WARRANTY = Topic.of_question("my order has the 1 year warranty, how does it work?")


@pytest.mark.parametrize("cue", CUES, ids=lambda cue: cue.name)
def test_every_cue_fires_on_its_own_example(cue) -> None:
    assert cue.test(message(cue.example))


def test_without_a_topic_everything_is_a_new_question() -> None:
    assert read("and if I paid with PayPal?", None).verdict == "new"
    assert read("and if I paid with PayPal?", None).rule == "no_topic"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("and if I paid with PayPal?", "continuation"),
        ("what about Boleto?", "what_if"),
        ("what if it's already been longer than that?", "what_if"),
        ("and with a debit card", "continuation"),
        ("how do I do that?", "anaphora_action"),
        ("it's been longer than that", "anaphora_comparison"),
        ("is it the same on the app?", "anaphora_question"),
        ("where do I see the ones I have?", "the_ones"),
        ("Brazil?", "only_details"),
        ("Cainiao?", "only_details"),
    ],
)
def test_strong_cues_make_a_follow_up(text: str, rule: str) -> None:
    reading = read(text, DISPUTE)

    assert reading.verdict == "follow_up"
    assert reading.rule == rule
    assert rule in STRONG_RULES


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("btw what's your phone number", "new_topic_marker"),
        ("unrelated: how do coupons work", "new_topic_marker"),
        ("I mean how do I report a seller who insults me", "new_topic_marker"),
        ("ok. I also forgot my password", "own_subject"),
        # An error code is a payment question of its own.
        ("CSC_7200012", "own_subject"),
        # The topic's subject again, without a cue: asked in full.
        ("can I appeal the dispute result", "same_subject_asked_again"),
    ],
)
def test_a_new_topic_or_a_question_of_its_own_starts_afresh(text: str, rule: str) -> None:
    reading = read(text, DISPUTE)

    assert reading.verdict == "new"
    assert reading.rule == rule


def test_a_strong_cue_keeps_the_topic_even_when_its_subject_is_named_again() -> None:
    reading = read("and the dispute time on aliexpress?", DISPUTE)

    assert (reading.verdict, reading.rule) == ("follow_up", "continuation")


def test_a_confident_intent_about_something_else_starts_a_new_topic() -> None:
    assert read("what's the number to call", DISPUTE, intent_subject="contact").rule == "intent_subject"
    # The same words without a confident intent keep the topic: "number" is a detail.
    assert read("what's the number to call", CUSTOMS).verdict == "follow_up"


def test_details_without_a_subject_lean_on_the_topic() -> None:
    reading = read("I'm in Italy, who do I call?", CUSTOMS)

    assert reading.verdict == "follow_up"
    assert reading.rule == "details_without_subject"
    assert reading.named.details["country"] == "Italy"


def test_a_short_question_without_a_subject_is_left_to_the_help_center() -> None:
    assert read("when can I apply?", WARRANTY).verdict == "maybe"


def test_a_statement_without_cues_is_a_new_question() -> None:
    assert read("good morning to you all", DISPUTE).verdict == "new"


def test_a_linked_question_naming_a_subject_of_its_own_is_left_to_the_help_center() -> None:
    # "and ..." ties it to the topic, "coupon" names another subject: neither reading is certain.
    reading = read("and how long until the coupon shows up?", DISPUTE)

    assert (reading.verdict, reading.rule) == ("maybe", "own_subject_linked")
    # Without a linking cue a question of its own is still new.
    assert read("how long until the coupon shows up?", DISPUTE).verdict == "new"
