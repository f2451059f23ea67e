"""A follow-up's query: the topic's question, the new detail in place of the old one."""

from __future__ import annotations

from bot.dialogue.rewrite import merged_details, resolve
from bot.dialogue.topic import Topic


def test_a_new_country_replaces_the_old_one() -> None:
    topic = Topic.of_question("customs phone number mexico")

    assert resolve("and Italy?", topic) == "customs phone number Italy?"
    assert merged_details(topic, "and Italy?")["country"] == "Italy"


def test_a_new_platform_replaces_the_old_one_and_the_payment_method_is_added() -> None:
    topic = Topic.of_question("how long does a refund take on wishalive")

    query = resolve("and on aliexpress to a credit card?", topic)

    assert "wishalive" not in query.lower()
    assert query.startswith("how long does a refund take")
    assert "aliexpress to a credit card" in query


def test_the_lead_in_of_a_follow_up_is_dropped() -> None:
    topic = Topic.of_question("From what day can I open a dispute?")

    assert (
        resolve("what if I used PayPal to pay?", topic)
        == "From what day can I open a dispute? I used PayPal to pay?"
    )


def test_a_topic_left_without_words_gets_its_subject_back() -> None:
    topic = Topic.of_question("whatsapp?", intent="contact_support")

    assert resolve("email?", topic) == "contact customer service ? email?"


def test_without_a_subject_the_article_last_answered_anchors_the_query() -> None:
    topic = Topic.of_question("whatsapp?")

    assert resolve("email?", topic, anchor="How can I contact customer service?").startswith(
        "How can I contact customer service?"
    )
