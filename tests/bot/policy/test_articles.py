"""Every article the engine cites exists in the help-centre corpus the assistant serves."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.policy import ARTICLES

CORPUS = PROJECT_ROOT / "data" / "faq" / "articles.yaml"


def test_every_cited_article_exists_in_the_corpus() -> None:
    if not CORPUS.exists():
        pytest.skip(f"{CORPUS} is not built yet (`supportbot ingest`)")
    from bot.corpus import load_articles

    ids = {article.id for article in load_articles(CORPUS)}
    missing = {key: slug for key, slug in ARTICLES.items() if slug not in ids}
    assert not missing, f"articles cited by bot/policy/engine.py but absent from {CORPUS}: {missing}"


def test_every_cited_article_is_a_help_question_not_a_passage() -> None:
    if not CORPUS.exists():
        pytest.skip(f"{CORPUS} is not built yet (`supportbot ingest`)")
    from bot.corpus import load_articles

    kinds = {article.id: article.kind for article in load_articles(CORPUS)}
    assert {slug: kinds.get(slug) for slug in ARTICLES.values()} == {
        slug: "faq" for slug in ARTICLES.values()
    }
