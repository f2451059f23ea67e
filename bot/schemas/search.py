"""Help-center search results and articles as every caller shows them (HTTP API, CLI, agent assist)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.schemas.base import Model

if TYPE_CHECKING:
    from bot.corpus import Article
    from bot.search import SearchResponse, SearchResult


class SearchHit(Model):
    id: str
    title: str
    answer: str
    category: str
    score: float

    @classmethod
    def of(cls, result: SearchResult, answer: Callable[[Article], str] | None = None) -> SearchHit:
        """``answer`` shapes the article's text (agent assist tidies it for pasting)."""
        article = result.article
        return cls(
            id=article.id,
            title=article.title,
            answer=answer(article) if answer else article.full_text(),
            category=article.category,
            score=round(float(result.score), 4),
        )


class SourcedSearchHit(SearchHit):
    """For operators (`supportbot faq search`): the raw documents the article was built from."""

    sources: list[str]

    @classmethod
    def of(cls, result: SearchResult, answer: Callable[[Article], str] | None = None) -> SourcedSearchHit:
        hit = SearchHit.of(result, answer)
        return cls(**hit.dict(), sources=list(result.article.sources))


class SearchResults(Model):
    query: str
    confident: bool
    results: list[SearchHit]

    @classmethod
    def of(cls, response: SearchResponse, *, sources: bool = False) -> SearchResults:
        hit = SourcedSearchHit if sources else SearchHit
        return cls(
            query=response.query,
            confident=bool(response.confident),
            results=[hit.of(result) for result in response.results],
        )


class ArticleView(Model):
    """One help article (``GET /v1/faq/articles/{id}``, the /help pages)."""

    id: str
    title: str
    answer: str
    category: str
    kind: str
    sources: list[str]

    @classmethod
    def of(cls, article: Article) -> ArticleView:
        return cls(
            id=article.id,
            title=article.title,
            answer=article.full_text(),
            category=article.category,
            kind=article.kind,
            sources=list(article.sources),
        )
