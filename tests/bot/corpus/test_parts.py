"""Parts: what search embeds and what a reply is cut between must be the same units, in order."""

from __future__ import annotations

from bot.corpus import Article, Block, Row, Section
from bot.corpus.parts import article_parts, part_text, sentences


def _article() -> Article:
    return Article(
        id="a",
        title="How do I pay?",
        category="Payment",
        sections=(
            Section("", (Block("paragraph", text="Pay by card. Sep. 1st is the date, e.g. today."),)),
            Section(
                "Errors",
                (
                    Block("steps", items=("Open the order", "Pay again")),
                    Block("table", rows=(Row("CSC_1", ("Card declined",)), Row("CSC_2", ("Try later.",)))),
                ),
                parent="Problems",
            ),
        ),
    )


def test_parts_are_sentences_items_and_rows_in_page_order() -> None:
    parts = article_parts(_article())
    assert [(p.section, p.block, p.index) for p in parts] == [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 0, 1),
                                                               (1, 1, 0), (1, 1, 1)]  # fmt: skip
    assert [p.text for p in parts] == ["Pay by card.", "Sep. 1st is the date, e.g. today.", "Open the order",
                                       "Pay again", "CSC_1: Card declined", "CSC_2: Try later."]  # fmt: skip


def test_a_part_is_embedded_with_its_page_and_headings() -> None:
    article = _article()
    row = article_parts(article)[4]
    assert part_text(article, row) == "How do I pay? Problems Errors: CSC_1: Card declined"
    assert part_text(article, article_parts(article)[0]) == "How do I pay?: Pay by card."


def test_sentences_do_not_split_at_abbreviations_or_list_labels() -> None:
    assert sentences("Since Sep. 1st it is gone. 1. Then stop.") == [
        "Since Sep. 1st it is gone.",
        "1. Then stop.",
    ]
