"""The corpus: every help question lands in an article, page chrome is gone, duplicates merge."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.corpus import Article, load_articles
from bot.corpus.ingest import (
    build_articles,
    dump_articles,
    ingest,
    load_manifest,
    normalise_question,
    question_headings,
    strip_numbering,
)
from bot.errors import SupportbotError

ROOT = Path(__file__).resolve().parents[3]
FAQ = ROOT / "data" / "faq"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return load_manifest(FAQ / "sources.yaml")


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_articles(FAQ / "articles.yaml")


def _searchable(article: Article) -> str:
    return normalise_question(" ".join([article.title, *article.aliases, article.answer]))


def test_every_question_heading_in_the_raw_documents_lands_in_an_article(manifest, articles) -> None:
    headings = question_headings(FAQ / "raw", manifest)
    assert len(headings) > 80  # the detector itself must see the documents' questions
    titles = {normalise_question(t) for a in articles for t in (a.title, *a.aliases)}
    texts = [_searchable(a) for a in articles]
    missing = []
    for source, heading in headings:
        wanted = normalise_question(strip_numbering(heading))
        if wanted not in titles and not any(wanted in text for text in texts):
            missing.append((source, heading))
    assert not missing


def test_headings_that_start_articles_are_titles_or_aliases(manifest, articles) -> None:
    titles = {normalise_question(t) for a in articles for t in (a.title, *a.aliases)}
    starting = [
        h for _, h in question_headings(FAQ / "raw", manifest) if h.endswith("?") and not h[0].isdigit()
    ]
    # Sub-headings inside a longer article are listed in sources.yaml and allowed inside answers.
    subheadings = {s for c in manifest["sources"].values() for s in (c or {}).get("subheadings", ())}
    not_titles = [
        h for h in starting if normalise_question(strip_numbering(h)) not in titles and h not in subheadings
    ]
    assert not not_titles


def test_ingest_is_deterministic_and_matches_the_committed_corpus(tmp_path: Path) -> None:
    first = ingest(FAQ, tmp_path / "a.yaml")
    second = ingest(FAQ, tmp_path / "b.yaml")
    assert first == second
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()
    assert (tmp_path / "a.yaml").read_text(encoding="utf-8") == (FAQ / "articles.yaml").read_text(
        encoding="utf-8"
    ), "data/faq/articles.yaml is stale: run `supportbot ingest` and commit it"


def test_articles_are_complete_with_stable_slug_ids(articles) -> None:
    ids = [a.id for a in articles]
    assert len(ids) == len(set(ids))
    for article in articles:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", article.id), article.id
        assert article.title and article.answer.strip() and article.category and article.sources
        assert article.kind in {"faq", "passage"}


def test_page_chrome_is_dropped(articles) -> None:
    chrome = [
        "Is this helpful for you?",
        "文章评分",
        "相关文章",
        "Skip to main content",
        "Super Deals on Aliexpress",
    ]
    for article in articles:
        for junk in chrome:
            assert junk not in article.answer, (article.id, junk)
        # photo captions left behind by the scrape ("open dispute for item issues")
        assert "\ncancel order for refund" not in article.answer


def test_categories_are_the_page_sections(articles) -> None:
    categories = {a.category for a in articles}
    for section in [
        "Awaiting Order Arrival",
        "Refund",
        "Aftersales",
        "Ordering & Payment",
        "Account Management",
        "Coupon & Promotion",
    ]:
        assert section in categories
    by_id = {a.id: a for a in articles}
    assert by_id["how-to-solve-payment-issues"].category == "Ordering & Payment"
    assert by_id["what-is-arn"].category == "Refund"


def test_duplicates_across_documents_merge_into_one_article_listing_all_sources(articles) -> None:
    not_received = [
        a for a in articles if "I have not received my order. What can I do?" in (a.title, *a.aliases)
    ]
    assert len(not_received) == 1
    assert len(not_received[0].sources) == 3
    cancel = [a for a in articles if normalise_question(a.title) == "how to cancel my order"]
    assert len(cancel) == 1 and len(cancel[0].sources) == 2


def test_disagreeing_copies_keep_both_facts_with_their_source(articles) -> None:
    refund = next(a for a in articles if a.id == "i-have-not-received-my-refund-what-can-i-do")
    assert "3-20 business days" in refund.answer
    assert any("3-15 business days" in note and "001_22cd7dc4a8050a3b.txt" in note for note in refund.notes)
    assert "3-15" in refund.full_text()


def test_lists_steps_and_tables_stay_readable(articles) -> None:
    by_id = {a.id: a for a in articles}
    payment = by_id["how-to-solve-payment-issues"].answer
    assert "- CSC_7200021: Wrong CVV code was entered." in payment
    email = by_id["how-do-i-change-my-email-address"].answer
    assert "\nSign in your account;" in email  # one step per line
    assert "Debit/Credit Card" in by_id["i-have-not-received-my-refund-what-can-i-do"].answer


def test_merchant_policy_and_dispute_guide_become_titled_passages(articles) -> None:
    passages = [a for a in articles if a.kind == "passage"]
    assert {a.sources[0][:3] for a in passages} == {"003", "004"}
    assert all(
        a.title.startswith(("Merchant customer service policy: ", "Guide to disputes: ")) for a in passages
    )
    assert any("requesting the customer's payment account information" in a.answer for a in passages)


def test_load_articles_names_the_command_for_a_missing_or_corrupt_file(tmp_path: Path) -> None:
    with pytest.raises(SupportbotError, match="supportbot ingest"):
        load_articles(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("articles: [ {id: x", encoding="utf-8")
    with pytest.raises(SupportbotError, match="supportbot ingest"):
        load_articles(bad)
    bad.write_text("articles:\n- {id: x, title: t}\n", encoding="utf-8")
    with pytest.raises(SupportbotError, match="answer"):
        load_articles(bad)


def test_dump_round_trips(articles) -> None:
    data = yaml.safe_load(dump_articles(articles))
    assert [a["id"] for a in data["articles"]] == [a.id for a in articles]


def test_an_unreadable_raw_file_is_a_clear_error(tmp_path: Path, manifest) -> None:
    with pytest.raises(SupportbotError, match="cannot read"):
        build_articles(tmp_path, manifest)
