"""The article text admins edit keeps every article's structure: text -> sections -> text is exact."""

from __future__ import annotations

import pytest

from bot.config import get_settings
from bot.corpus import Block, Row, Section, load_articles
from bot.corpus.markup import sections_from_text, sections_to_text
from bot.errors import InvalidField


def test_every_committed_article_survives_the_round_trip() -> None:
    articles = load_articles(get_settings().articles_file)
    for article in articles:
        assert sections_from_text(sections_to_text(article.sections)) == article.sections, article.id


def test_the_markup_reads_like_the_page() -> None:
    text = """Opening paragraph
continued on a second line.

## How to return
1. Open My Orders
2. Choose Return
   then print the label

Refund by method
| Card | 3-15 business days
| PayPal | 1-3 days | to the PayPal balance
Otherwise: ask your bank.

### Who pays?
- The seller, for Free Return items
\\1. This line is text, not a step
"""
    sections = sections_from_text(text)
    assert sections == (
        Section("", (Block("paragraph", text="Opening paragraph continued on a second line."),)),
        Section(
            "How to return",
            (
                Block("steps", items=("Open My Orders", "Choose Return\nthen print the label")),
                Block(
                    "table",
                    rows=(
                        Row("Card", ("3-15 business days",)),
                        Row("PayPal", ("1-3 days", "to the PayPal balance")),
                    ),
                    caption="Refund by method",
                    fallback="ask your bank.",
                ),
            ),
        ),
        Section(
            "Who pays?",
            (
                Block("list", items=("The seller, for Free Return items",)),
                Block("paragraph", text="1. This line is text, not a step"),
            ),
            parent="How to return",
        ),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must contain the article's text"),
        ("## Only a heading\n", "must contain the article's text"),
        ("### Orphan\ntext", "needs a heading one level up"),
        ("## Table\n| | no key", "a table row starts with its key"),
    ],
)
def test_unreadable_text_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidField, match=message) as refused:
        sections_from_text(text)
    assert refused.value.field == "text"
