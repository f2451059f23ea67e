"""A scripted help center over the committed corpus: the desk is tested on real articles without
the embedding model. ``HelpCenter.script`` maps a query's words to the articles it finds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import pytest

from bot.config import PROJECT_ROOT
from bot.corpus import Article, load_articles
from bot.dialogue import HelpDesk
from bot.search import SearchResponse, SearchResult

TODAY = date(2026, 3, 2)


@pytest.fixture(scope="session")
def corpus() -> dict[str, Article]:
    return {a.id: a for a in load_articles(PROJECT_ROOT / "data" / "faq" / "articles.yaml")}


@dataclass
class ScriptedHelpCenter:
    """Finds, for a query containing a scripted word, that word's articles (best first) with
    falling scores; ``confident`` below which nothing is trusted; records every query."""

    articles: Mapping[str, Article]
    script: dict[str, list[str]] = field(default_factory=dict)
    confident_from: float = 0.5
    ended: dict[str, str] = field(default_factory=dict)  # word -> an ended article's id
    queries: list[str] = field(default_factory=list)

    @property
    def by_id(self) -> Mapping[str, Article]:
        return self.articles

    def search(self, query: str, k: int = 5) -> SearchResponse:
        self.queries.append(query)
        lowered = query.lower()
        words = [word for word in self.script if word in lowered]
        ids = [article_id for word in words for article_id in self.script[word]]
        ids = list(dict.fromkeys(ids))[:k]
        score = 0.9 if len(words) == 1 else 0.9 + 0.01 * len(words)
        results = [
            SearchResult(self.articles[i], score - 0.1 * n, relevance=score - 0.1 * n)
            for n, i in enumerate(ids)
        ]
        ended = tuple(
            SearchResult(self.articles[i], 0.99, relevance=0.99)
            for word, i in self.ended.items()
            if word in lowered
        )
        confident = bool(results) and results[0].score >= self.confident_from
        return SearchResponse(query, results, confident, ended)


@pytest.fixture
def help_center(corpus: dict[str, Article]) -> ScriptedHelpCenter:
    return ScriptedHelpCenter(corpus)


@pytest.fixture
def desk(help_center: ScriptedHelpCenter) -> HelpDesk:
    return HelpDesk(help_center, today=lambda: TODAY)
