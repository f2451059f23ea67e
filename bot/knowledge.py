"""Knowledge upkeep while serving: admins add or edit articles, or import a changed help-center page.

The served corpus is ``data/faq/articles.yaml`` (what ``supportbot ingest`` wrote and people
reviewed) with the admins' edits on top: the newest edit of an article id replaces that article or
adds it; a *revert* edit brings back the help center's version (or removes an added article).
Edits live in the database (``article_edits``), each with who made it and how; the audit trail
records them too. Nothing here writes into ``data/``: an edit is live at once, and becomes part of
the reviewed corpus only when someone puts it into the raw pages and runs ingest.

After each change ``on_change`` runs: the gateway rebuilds the search index in the background and
swaps it in (``bot.search.live``); the action server follows the published index.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine, Row

from bot import db
from bot.agents import audit
from bot.corpus import Article, Corpus, article_from_dict, base_corpus
from bot.corpus.markup import sections_from_text, sections_to_text
from bot.errors import Forbidden, InvalidField, NotFound, UsageError
from bot.schemas.agents import Actor
from bot.schemas.base import utc_now
from bot.schemas.knowledge import (
    ArticleDocument,
    ArticleDraft,
    ArticleHistory,
    ArticleHistoryEntry,
    ArticleSummary,
    EditInfo,
    EditOrigin,
    HelpCenterPage,
    ImportResult,
    NewArticleRequest,
)

if TYPE_CHECKING:
    from bot.config import Settings


class ArticleEdits:
    """The ``article_edits`` table: every admin change to an article, newest last."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self._clock = clock

    def save(
        self, article_id: str, document: dict[str, Any], *, origin: EditOrigin, actor: Actor
    ) -> EditInfo:
        now = self._clock()
        with db.database_errors(self.engine), self.engine.begin() as conn:
            result = conn.execute(
                db.article_edits.insert().values(
                    article_id=article_id,
                    document=document,
                    origin=origin,
                    agent_id=actor.agent_id,
                    actor=actor.name,
                    created_at=now,
                )
            )
            edit_id = int(result.inserted_primary_key[0])
            audit(conn, actor, f"article.{origin}", article_id, {"edit_id": edit_id}, at=now)
        return EditInfo(edit_id=edit_id, origin=origin, actor=actor.name, created_at=now)

    def version(self) -> str:
        """The newest edit's id ("" for none): one indexed query, cheap enough per request."""
        with db.database_errors(self.engine), self.engine.connect() as conn:
            newest = conn.execute(select(func.max(db.article_edits.c.id))).scalar_one()
        return "" if newest is None else str(newest)

    def latest(self) -> dict[str, tuple[dict[str, Any] | None, EditInfo]]:
        """Per article id, the newest edit's document (None for a revert) and who made it."""
        table = db.article_edits
        newest = select(func.max(table.c.id)).group_by(table.c.article_id)
        query = select(table).where(table.c.id.in_(newest)).order_by(table.c.id)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            rows = list(conn.execute(query))
        return {
            str(row._mapping["article_id"]): (
                None if row._mapping["origin"] == "revert" else dict(row._mapping["document"]),
                _edit_info(row),
            )
            for row in rows
        }

    def history(self, article_id: str) -> list[ArticleHistoryEntry]:
        table = db.article_edits
        query = select(table).where(table.c.article_id == article_id).order_by(table.c.id.desc())
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return [
                ArticleHistoryEntry(
                    **_edit_info(row).dict(), title=(row._mapping["document"] or {}).get("title")
                )
                for row in conn.execute(query)
            ]


def _edit_info(row: Row) -> EditInfo:
    values = row._mapping
    return EditInfo(
        edit_id=values["id"], origin=values["origin"], actor=values["actor"], created_at=values["created_at"]
    )


def apply_edits(
    base: Corpus, latest: dict[str, tuple[dict[str, Any] | None, EditInfo]]
) -> tuple[Corpus, dict[str, EditInfo]]:
    """The served corpus: ``base`` with each edited article replaced (or added, or reverted)."""
    articles = {article.id: article for article in base.articles}
    served = dict(articles)
    edited: dict[str, EditInfo] = {}
    for article_id, (document, info) in latest.items():
        if document is None:
            if article_id not in articles:
                served.pop(article_id, None)
            else:
                served[article_id] = articles[article_id]
            continue
        served[article_id] = article_from_dict(document)
        edited[article_id] = info
    newest = max((info.edit_id for _, info in latest.values()), default=None)
    order = [a.id for a in base.articles] + sorted(set(served) - set(articles))
    corpus = Corpus(tuple(served[i] for i in order if i in served), base.base_hash, str(newest or ""))
    return corpus, edited


def served_corpus(settings: Settings) -> Corpus:
    """What a process without a ``KnowledgeService`` should serve (the command line, the action
    server): ``articles.yaml`` with the database's edits. A database without the edits table has no
    edits yet (it is created by the first `supportbot orders migrate`)."""
    engine = db.get_engine(settings.database_url)
    base = base_corpus(settings.articles_file)
    with db.database_errors(engine), engine.connect() as conn:
        if not inspect(conn).has_table("article_edits"):
            return base
    return apply_edits(base, ArticleEdits(engine).latest())[0]


class KnowledgeService:
    """The served corpus and the admin operations on it. ``on_change`` runs after every change
    (the gateway rebuilds the search index); reads are cached per (articles.yaml, newest edit)."""

    def __init__(
        self,
        settings: Settings,
        edits: ArticleEdits,
        *,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.edits = edits
        self.on_change = on_change
        self._lock = threading.Lock()
        self._cache: tuple[tuple[Any, ...], Corpus, dict[str, EditInfo], Corpus] | None = None

    # -------------------------------------------------------------- reading

    def corpus(self) -> Corpus:
        return self._state()[0]

    def articles(self) -> dict[str, Article]:
        return {article.id: article for article in self.corpus().articles}

    def list_articles(self) -> list[ArticleSummary]:
        corpus, edited, _ = self._state()
        return [
            ArticleSummary(
                id=a.id,
                title=a.title,
                category=a.category,
                platform=a.platform,
                kind=a.kind,
                edited=edited.get(a.id),
            )
            for a in corpus.articles
        ]

    def document(self, article_id: str) -> ArticleDocument:
        corpus, edited, base = self._state()
        article = next((a for a in corpus.articles if a.id == article_id), None)
        if article is None:
            raise NotFound(f"There is no help article with id {article_id!r}.")
        return _document(
            article, edited.get(article_id), in_help_center=any(a.id == article_id for a in base.articles)
        )

    def history(self, article_id: str) -> ArticleHistory:
        self.document(article_id)
        return ArticleHistory(article_id=article_id, edits=self.edits.history(article_id))

    # -------------------------------------------------------------- changing

    def save_article(self, article_id: str, draft: ArticleDraft, *, actor: Actor) -> ArticleDocument:
        """Replace an article (its id stays: links and review labels keep pointing at it)."""
        _require_admin(actor)
        current = self.articles().get(article_id)
        if current is None:
            raise NotFound(f"There is no help article with id {article_id!r}.")
        article = _article(article_id, draft, current)
        self.edits.save(article_id, article.to_dict(), origin="console", actor=actor)
        self._changed()
        return self.document(article_id)

    def add_article(self, request: NewArticleRequest, *, actor: Actor) -> ArticleDocument:
        from bot.corpus.ingest import slugify

        _require_admin(actor)
        article_id = request.id or slugify(request.title)
        if article_id in self.articles():
            raise InvalidField("id", f"an article {article_id!r} exists already; edit it instead")
        article = _article(article_id, request, None)
        self.edits.save(article_id, article.to_dict(), origin="console", actor=actor)
        self._changed()
        return self.document(article_id)

    def revert(self, article_id: str, *, actor: Actor) -> None:
        """Back to the help center's version (an article admins added disappears)."""
        _require_admin(actor)
        _, edited, _ = self._state()
        if article_id not in edited:
            raise UsageError(f"article {article_id!r} has no edit to revert")
        self.edits.save(article_id, {}, origin="revert", actor=actor)
        self._changed()

    def pages(self) -> list[HelpCenterPage]:
        from bot.corpus.ingest import load_manifest

        manifest = load_manifest(self.faq_dir / "sources.yaml")
        return [
            HelpCenterPage(
                page=name,
                title=str((config or {}).get("title") or name),
                platform=(config or {}).get("platform"),
            )
            for name, config in sorted((manifest.get("sources") or {}).items())
        ]

    def import_page(self, page: str, text: str, *, actor: Actor) -> ImportResult:
        """Re-read one help-center page from ``text`` with its ingest rules and serve what changed.

        The whole corpus is rebuilt with the new text (ingest merges questions across a platform's
        pages, so one page alone would not give the same articles); every article of that page that
        is new or different from what is served now becomes an edit (origin ``import``).
        """
        from bot.corpus.ingest import build_corpus

        _require_admin(actor)
        names = {p.page: p for p in self.pages()}
        match = names.get(page) or next((p for p in names.values() if p.title == page), None)
        if match is None:
            raise InvalidField("page", f"{page!r} is not a help-center page in sources.yaml")
        imported = [
            a for a in build_corpus(self.faq_dir, texts={match.page: text}) if match.page in a.sources
        ]
        if not imported:
            raise InvalidField("text", "has no article that this page's ingest rules can read")
        served = self.articles()
        added: list[str] = []
        changed: list[str] = []
        for article in imported:
            now = served.get(article.id)
            if now is not None and now.to_dict() == article.to_dict():
                continue
            (changed if now is not None else added).append(article.id)
            self.edits.save(article.id, article.to_dict(), origin="import", actor=actor)
        kept = {a.id for a in imported}
        missing = sorted(a.id for a in served.values() if match.page in a.sources and a.id not in kept)
        if added or changed:
            self._changed()
        return ImportResult(
            page=match.page,
            added=added,
            changed=changed,
            unchanged=len(imported) - len(added) - len(changed),
            missing=missing,
            reindexing=bool(added or changed),
        )

    # -------------------------------------------------------------- internals

    @property
    def faq_dir(self) -> Path:
        return self.settings.articles_file.parent

    def _changed(self) -> None:
        self._cache = None
        self.on_change()

    def _state(self) -> tuple[Corpus, dict[str, EditInfo], Corpus]:
        path = self.settings.articles_file
        try:
            stat = path.stat()
            file_key: tuple[Any, ...] = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            file_key = ()
        key = (*file_key, self.edits.version())
        cached = self._cache
        if cached is not None and cached[0] == key:
            return cached[1], cached[2], cached[3]
        with self._lock:
            base = base_corpus(path)
            corpus, edited = apply_edits(base, self.edits.latest())
            self._cache = (key, corpus, edited, base)
        return corpus, edited, base


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an admin can change help-center articles.")


def _article(article_id: str, draft: ArticleDraft, current: Article | None) -> Article:
    sections = sections_from_text(draft.text)
    return Article(
        id=article_id,
        title=draft.title,
        category=draft.category,
        # An admin's article has no raw document; "console" says where it came from (internal).
        sources=current.sources if current is not None else ("console",),
        kind=current.kind if current is not None else "faq",
        aliases=tuple(dict.fromkeys(a for a in draft.aliases if a != draft.title)),
        platform=draft.platform if draft.platform is not None else (current.platform if current else None),
        sections=sections,
        validity=current.validity if current is not None else None,
    )


def _document(article: Article, edited: EditInfo | None, *, in_help_center: bool) -> ArticleDocument:
    return ArticleDocument(
        id=article.id,
        title=article.title,
        category=article.category,
        platform=article.platform,
        kind=article.kind,
        aliases=list(article.aliases),
        text=sections_to_text(article.sections),
        edited=edited,
        in_help_center=in_help_center,
    )
