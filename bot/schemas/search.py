"""Help-center search results and articles as every caller shows them (HTTP API, CLI, agent assist)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from bot.schemas.base import Model

if TYPE_CHECKING:
    from bot.corpus import Article, Block
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


class ArticleRow(Model):
    """A table row: what it is about (an error code, a country) and the rest of the row in order."""

    key: str
    cells: list[str]


class ArticleBlock(Model):
    """A paragraph (``text``), numbered ``steps`` or a bulleted ``list`` (``items``, numbered from
    ``start``), or a ``table`` (``rows`` under an optional ``caption``). An item may hold line breaks."""

    kind: Literal["paragraph", "steps", "list", "table"]
    text: str | None = None
    items: list[str] | None = None
    start: int | None = None
    caption: str | None = None
    rows: list[ArticleRow] | None = None

    @classmethod
    def of(cls, block: Block) -> ArticleBlock:
        if block.kind == "paragraph":
            return cls(kind="paragraph", text=block.text)
        if block.kind in ("steps", "list"):
            return cls(
                kind=block.kind, items=list(block.items), start=block.start if block.kind == "steps" else None
            )
        rows = [ArticleRow(key=row.key, cells=list(row.cells)) for row in block.rows]
        return cls(kind="table", caption=block.caption or None, rows=rows)


class ArticleSection(Model):
    """A heading (empty for the opening) and its blocks; ``parent`` is the heading it sits under."""

    heading: str = ""
    parent: str = ""
    blocks: list[ArticleBlock]


class ArticleView(Model):
    """One help article as buyers read it (``GET /v1/faq/articles/{id}``, the /help pages): its title,
    whose help center it is, its category and its structure. Never the raw files it was built from:
    those are for operators (``supportbot faq show``)."""

    id: str
    title: str
    source_title: str = Field(..., description="How answers cite it: the title and its help center.")
    platform: str | None = Field(None, description="Whose help center: WISHALIVE, AliExpress, ...")
    category: str
    kind: str
    answer: str = Field(..., description="The whole article as plain text.")
    sections: list[ArticleSection]

    @classmethod
    def of(cls, article: Article) -> ArticleView:
        return cls(
            id=article.id,
            title=article.title,
            source_title=article.source_title,
            platform=article.platform,
            category=article.category,
            kind=article.kind,
            answer=article.full_text(),
            sections=[
                ArticleSection(
                    heading=section.heading,
                    parent=section.parent,
                    blocks=[ArticleBlock.of(block) for block in section.blocks],
                )
                for section in article.sections
                if section.blocks or section.heading
            ],
        )
