"""The article model: structure in, plain text out, dates that decide what is current."""

from __future__ import annotations

from datetime import date

import pytest

from bot.corpus import Article, Block, Row, Section, Validity, article_from_dict, current_articles


def test_a_plain_answer_becomes_one_untitled_section_of_paragraphs() -> None:
    article = Article(id="a", title="T?", category="c", sources=("s",), answer="One.\n\nTwo  lines\nhere.")
    assert article.sections == (
        Section("", (Block("paragraph", text="One."), Block("paragraph", text="Two lines here."))),
    )
    assert article.full_text() == "One.\nTwo lines here."


def test_plain_text_numbers_steps_bullets_lists_and_gives_each_row_a_line() -> None:
    article = Article(
        id="a",
        title="T?",
        category="c",
        sources=("s",),
        sections=(
            Section("Paid order", (Block("steps", items=("Click.", "Wait."), start=2),)),
            Section("", (Block("list", items=("PayPal", "Step two:\n- check")),)),
            Section(
                "", (Block("table", caption="Method: Refund", rows=(Row("QIWI", ("Original",)), Row("COD"))),)
            ),
        ),
    )
    assert article.full_text() == (
        "Paid order\n2. Click.\n3. Wait.\n\n- PayPal\n- Step two:\n  - check\n\nMethod: Refund\n- QIWI: Original\n- COD"
    )


def test_a_row_joins_its_cells_as_sentences() -> None:
    assert Row("CSC_1", ("Card is not supported", "Use another card.")).text() == (
        "CSC_1: Card is not supported. Use another card."
    )


def test_source_title_names_the_platform_and_never_a_file() -> None:
    article = Article(
        id="a", title="How to cancel my order?", category="c", sources=("000_x.txt",), platform="WISHALIVE"
    )
    assert article.source_title == "How to cancel my order? (WISHALIVE help center)"


@pytest.mark.parametrize(
    ("validity", "day", "current"),
    [
        (Validity("ends", valid_until=date(2023, 3, 26)), date(2023, 3, 26), True),
        (Validity("ends", valid_until=date(2023, 3, 26)), date(2023, 3, 27), False),
        (Validity("starts", valid_from=date(2030, 1, 1)), date(2026, 1, 1), False),
        (Validity("gone", discontinued_on=date(2021, 9, 1)), date(2026, 1, 1), True),
        (
            Validity("yearly", valid_from=date(2000, 4, 29), valid_until=date(2000, 5, 3), yearly=True),
            date(2031, 5, 3),
            True,
        ),
        (
            Validity("yearly", valid_from=date(2000, 4, 29), valid_until=date(2000, 5, 3), yearly=True),
            date(2031, 5, 4),
            False,
        ),
        (
            Validity("winter", valid_from=date(2000, 12, 20), valid_until=date(2000, 1, 5), yearly=True),
            date(2031, 1, 2),
            True,
        ),
    ],
)
def test_validity_decides_what_is_current(validity: Validity, day: date, current: bool) -> None:
    article = Article(id="a", title="T", category="c", sources=("s",), answer="x", validity=validity)
    assert article.is_current(day) is current
    assert (current_articles([article], day) == [article]) is current


def test_the_yaml_form_round_trips_with_yearly_dates() -> None:
    article = Article(
        id="a",
        title="T",
        category="c",
        sources=("s",),
        platform="AliExpress",
        sections=(
            Section("H", (Block("table", rows=(Row("k", ("v",)),), fallback="Try again."),), parent="P"),
        ),
        validity=Validity(
            "from April 29- May 3", valid_from=date(2000, 4, 29), valid_until=date(2000, 5, 3), yearly=True
        ),
    )
    data = article.to_dict()
    assert data["validity"] == {
        "stated": "from April 29- May 3",
        "valid_from": "04-29",
        "valid_until": "05-03",
        "yearly": True,
    }
    assert article_from_dict(data) == article


def test_a_block_must_say_what_it_is() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        article_from_dict(
            {
                "id": "a",
                "title": "T",
                "category": "c",
                "sources": ["s"],
                "sections": [{"blocks": [{"text": "x"}]}],
            }
        )
    with pytest.raises(ValueError, match="statement"):
        article_from_dict(
            {"id": "a", "title": "T", "category": "c", "sources": ["s"], "sections": [{"blocks": [{"paragraph": "x"}]}],
             "validity": {"valid_until": "2020-01-01"}}
        )  # fmt: skip
