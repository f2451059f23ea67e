"""One renderer for every channel: plain text, WhatsApp bold, the source, never an id or a file."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.answers import compose, render
from bot.config import PROJECT_ROOT
from bot.corpus import Article, load_articles


@pytest.fixture(scope="module")
def corpus() -> dict[str, Article]:
    return {a.id: a for a in load_articles(PROJECT_ROOT / "data" / "faq" / "articles.yaml")}


def test_whatsapp_bolds_the_heading_and_offers_more(corpus) -> None:
    answer = compose(corpus["how-to-cancel-my-order"], "how do I cancel a paid order?")
    text = render(answer, "whatsapp")
    assert text.splitlines()[0] == "*Paid order*"
    assert "Source: How to cancel my order? (WISHALIVE help center)" in text
    assert text.endswith("Reply MORE for the rest of this article.")


def test_web_text_is_plain_and_leaves_the_link_to_the_widget(corpus) -> None:
    answer = compose(corpus["how-to-cancel-my-order"], "how do I cancel a paid order?")
    text = render(answer, "web")
    assert text.splitlines()[0] == "Paid order"
    assert "*" not in text
    assert "MORE" not in text
    assert answer.has_more  # the widget shows "read the whole article" from the data


def test_one_error_code_reads_as_one_line(corpus) -> None:
    text = render(compose(corpus["how-to-solve-payment-issues"], "CSC_7200021"), "web")
    assert text.splitlines()[0] == (
        "CSC_7200021: Wrong CVV code was entered. Please enter correct CVV code for payment again."
    )


def test_an_unknown_code_is_said_to_be_unknown(corpus) -> None:
    text = render(compose(corpus["how-to-solve-payment-issues"], "I get CSC_9999999"), "whatsapp")
    assert text.startswith("CSC_9999999 is not in the help center's list of error codes.")
    assert "You could change the payment methods" in text
    assert len(re.findall(r"CSC_\d+", text)) == 1


def test_dated_content_carries_its_note(corpus) -> None:
    warranty = render(compose(corpus["commercial-warranty-service"], "how do I apply for the warranty?"))
    assert warranty.startswith(
        "Note: Our local Commercial Warranty Service is no longer available to purchase"
    )
    ended = render(compose(corpus["gogo-match"], "gogo match rewards", today=date(2026, 3, 2)))
    assert ended.startswith("Note: this ended on 26 March 2023 and is no longer current.")
    yearly = render(
        compose(corpus["order-processing-time-may-be-delayed-about-5-days-during-international"], "delay")
    )
    assert yearly.startswith("Note: this applies every year from 29 April to 3 May.")


def test_no_reply_shows_an_id_a_file_name_or_a_blank_line(corpus) -> None:
    for article in corpus.values():
        for question in ("how does it work", "CSC_7200021", "PayPal", "Mexico"):
            answer = compose(article, question)
            for channel in ("web", "whatsapp"):
                text = render(answer, channel)
                assert article.id not in text or article.id in article.full_text().lower()
                assert not re.search(r"\.txt\b|\d{3}_[0-9a-f]{16}", text), article.id
                assert "\n\n" not in text
                assert text.strip() == text


def test_a_passage_without_a_platform_cites_its_title_alone(corpus) -> None:
    guide = next(a for a in corpus.values() if a.kind == "passage" and a.platform is None)
    assert render(compose(guide, "dispute")).splitlines()[-1] == f"Source: {guide.title}"
