"""Knowledge upkeep: articles as served (signed-in agents read, admins change), help-center page
imports, and the search index's rebuild status. A change is served at once and the index is
rebuilt and swapped in the background (``bot.knowledge``, ``bot.search.live``)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from api.deps import ActorDep, AdminActorDep, KnowledgeDep, SearcherDep
from bot.schemas.knowledge import (
    ArticleDocument,
    ArticleDraft,
    ArticleHistory,
    ArticleList,
    ArticleSaved,
    ImportRequest,
    ImportResult,
    IndexStatus,
    NewArticleRequest,
    PageList,
)

router = APIRouter(prefix="/v1/knowledge", tags=["knowledge"])


@router.get("/articles")
async def articles(_actor: ActorDep, knowledge: KnowledgeDep) -> ArticleList:
    listed = await run_in_threadpool(knowledge.list_articles)
    version = await run_in_threadpool(lambda: knowledge.corpus().version)
    return ArticleList(articles=listed, corpus_version=version)


@router.get("/articles/{article_id}")
async def article(article_id: str, _actor: ActorDep, knowledge: KnowledgeDep) -> ArticleDocument:
    return await run_in_threadpool(knowledge.document, article_id)


@router.get("/articles/{article_id}/history")
async def history(article_id: str, _actor: ActorDep, knowledge: KnowledgeDep) -> ArticleHistory:
    return await run_in_threadpool(knowledge.history, article_id)


@router.put("/articles/{article_id}")
async def save(
    article_id: str, body: ArticleDraft, admin: AdminActorDep, knowledge: KnowledgeDep
) -> ArticleSaved:
    """Replaces the article as served (its id stays); ``text`` is the console's article markup."""
    saved = await run_in_threadpool(lambda: knowledge.save_article(article_id, body, actor=admin))
    return ArticleSaved(article=saved, reindexing=True)


@router.post("/articles", status_code=201)
async def add(body: NewArticleRequest, admin: AdminActorDep, knowledge: KnowledgeDep) -> ArticleSaved:
    saved = await run_in_threadpool(lambda: knowledge.add_article(body, actor=admin))
    return ArticleSaved(article=saved, reindexing=True)


@router.post("/articles/{article_id}/revert", status_code=204)
async def revert(article_id: str, admin: AdminActorDep, knowledge: KnowledgeDep) -> Response:
    """Serves the help center's version again (an article admins added is removed)."""
    await run_in_threadpool(lambda: knowledge.revert(article_id, actor=admin))
    return Response(status_code=204)


@router.get("/pages")
async def pages(_actor: ActorDep, knowledge: KnowledgeDep) -> PageList:
    return PageList(pages=await run_in_threadpool(knowledge.pages))


@router.post("/import")
async def import_page(body: ImportRequest, admin: AdminActorDep, knowledge: KnowledgeDep) -> ImportResult:
    """Re-reads a help-center page from its new text with the page's ingest rules."""
    return await run_in_threadpool(lambda: knowledge.import_page(body.page, body.text, actor=admin))


@router.get("/index")
async def index_status(_actor: ActorDep, knowledge: KnowledgeDep, searcher: SearcherDep) -> IndexStatus:
    """Which corpus the search answers from now, and whether a rebuild is under way."""
    status = searcher.status()
    version = await run_in_threadpool(lambda: knowledge.corpus().version)
    return IndexStatus(
        corpus_version=version,
        serving=status.corpus_version,
        rebuilding=status.rebuilding,
        swapped_at=status.swapped_at,
        last_error=status.last_error,
    )
