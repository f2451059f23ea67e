"""Knowledge upkeep: articles as admins list, read, edit and import them in the console."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, validator

from bot.schemas.base import (
    ARTICLE_ID_MAX_CHARS,
    ARTICLE_TEXT_MAX_CHARS,
    ARTICLE_TITLE_MAX_CHARS,
    Model,
    UtcDateTime,
)

EditOrigin = Literal["console", "import", "revert"]
ARTICLE_ID_PATTERN = rf"^[a-z0-9][a-z0-9-]{{0,{ARTICLE_ID_MAX_CHARS - 1}}}$"
MAX_ALIASES = 50
MAX_PAGE_CHARS = 2_000_000


class EditInfo(Model):
    """The newest admin change to an article: who, when, how."""

    edit_id: int
    origin: EditOrigin
    actor: str
    created_at: UtcDateTime


class ArticleSummary(Model):
    id: str
    title: str
    category: str
    platform: str | None = None
    kind: str
    edited: EditInfo | None = Field(default=None, description="Set when an admin's edit is being served.")


class ArticleList(Model):
    articles: list[ArticleSummary]
    corpus_version: str = Field(..., description="articles.yaml's hash and the newest edit being served.")


class ArticleDocument(Model):
    """An article in the form admins edit: its sections as text (``bot.corpus.markup``)."""

    id: str
    title: str
    category: str
    platform: str | None = None
    kind: str = "faq"
    aliases: list[str] = Field(default_factory=list)
    text: str
    edited: EditInfo | None = None
    in_help_center: bool = Field(..., description="False for an article admins added.")


class ArticleDraft(Model):
    """A new or changed article. ``text`` uses the console's article markup (docs/operations.md)."""

    title: str = Field(..., min_length=3, max_length=ARTICLE_TITLE_MAX_CHARS)
    category: str = Field(..., min_length=1, max_length=100)
    platform: str | None = Field(default=None, max_length=50)
    aliases: list[str] = Field(default_factory=list, max_items=MAX_ALIASES)
    text: str = Field(..., min_length=1, max_length=ARTICLE_TEXT_MAX_CHARS)

    @validator("title", "category", "platform")
    def _squeeze(cls, value: str | None) -> str | None:
        return " ".join(value.split()) if value is not None else None

    @validator("aliases", each_item=True)
    def _alias(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value or len(value) > ARTICLE_TITLE_MAX_CHARS:
            raise ValueError(f"each alias must be 1 to {ARTICLE_TITLE_MAX_CHARS} characters")
        return value


class NewArticleRequest(ArticleDraft):
    id: str | None = Field(
        default=None,
        regex=ARTICLE_ID_PATTERN,
        description="Lower-case letters, digits and '-'; made from the title when left out.",
    )


class ArticleSaved(Model):
    article: ArticleDocument
    reindexing: bool = Field(..., description="True while the search index is rebuilt with the change.")


class HelpCenterPage(Model):
    """A help-center page ingest reads (``sources.yaml``), which an admin may import anew."""

    page: str = Field(..., description="The page's name in sources.yaml.")
    title: str
    platform: str | None = None


class PageList(Model):
    pages: list[HelpCenterPage]


class ImportRequest(Model):
    page: str = Field(..., min_length=1, max_length=200)
    text: str = Field(..., min_length=1, max_length=MAX_PAGE_CHARS)


class ImportResult(Model):
    """What importing a changed page did: articles added or changed (now served), and articles of
    the page that the new text no longer has (kept as they were: removing is a decision)."""

    page: str
    added: list[str]
    changed: list[str]
    unchanged: int
    missing: list[str]
    reindexing: bool


class IndexStatus(Model):
    corpus_version: str
    serving: str | None = Field(..., description="The corpus version of the index answering now.")
    rebuilding: bool
    swapped_at: UtcDateTime | None = None
    last_error: str | None = None


class ArticleHistoryEntry(Model):
    edit_id: int
    origin: EditOrigin
    actor: str
    created_at: UtcDateTime
    title: str | None = None


class ArticleHistory(Model):
    article_id: str
    edits: list[ArticleHistoryEntry]
