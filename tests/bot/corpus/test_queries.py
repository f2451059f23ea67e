"""Question files (training paraphrases, retrieval evaluations) resolved against the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import get_settings
from bot.corpus import Article, load_articles
from bot.corpus.queries import load_query_set
from bot.errors import UsageError


def _article(id_: str, title: str, answer: str, aliases: tuple[str, ...] = ()) -> Article:
    return Article(id=id_, title=title, answer=answer, category="Refund", sources=("x.txt",), aliases=aliases)


ARTICLES = [
    _article("refund-time", "When will I get my refund?", "It usually takes 3-20 business days."),
    _article(
        "refund-missing",
        "I have not received my refund. What can I do?",
        "Check your bank first. See also 'When will I get my refund?' for the timing.",
    ),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "questions.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sources_resolve_to_every_holder_and_the_title_holder_is_primary(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'queries:\n  - {q: "how long for my money", sources: ["When will I get my REFUND?"]}\n'
        'negatives: ["tell me a joke"]\n',
    )

    [query] = load_query_set(path, ARTICLES).queries

    assert set(query.article_ids) == {"refund-time", "refund-missing"}
    assert query.primary_ids == ("refund-time",)


def test_a_body_sentence_and_old_style_ids_are_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "queries:\n"
        '  - {q: "bank", sources: ["It usually takes 3-20 business days."]}\n'
        '  - {q: "refund?", ids: [refund-missing]}\n',
    )

    first, second = load_query_set(path, ARTICLES).queries

    assert first.article_ids == first.primary_ids == ("refund-time",)
    assert second.article_ids == ("refund-missing",)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('{q: "x", sources: ["How do I become a seller today?"]}', "no article holds"),
        ('{q: "x", sources: ["refund"]}', "shorter than 15"),
        ('{q: "x", ids: [nope]}', "unknown article ids"),
        ('{q: "", sources: ["When will I get my refund?"]}', "empty question"),
        ('{sources: ["When will I get my refund?"]}', "malformed"),
    ],
)
def test_bad_entries_name_the_file_and_the_question(tmp_path: Path, entry: str, message: str) -> None:
    path = _write(tmp_path, f"queries:\n  - {entry}\n")

    with pytest.raises(UsageError, match=message) as error:
        load_query_set(path, ARTICLES)
    assert "question 1" in str(error.value)


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no question file"):
        load_query_set(tmp_path / "nope.yaml", ARTICLES)


def test_the_committed_paraphrases_cover_every_article() -> None:
    settings = get_settings()
    articles = load_articles(settings.articles_file)
    questions = load_query_set(settings.home / "data/faq/paraphrases.yaml", articles)

    covered = {article_id for query in questions.queries for article_id in query.primary_ids}
    assert covered == {article.id for article in articles}
    assert len(questions.negatives) >= 20
