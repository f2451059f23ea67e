"""Help-center search and single articles (the widget's source links and /help/{id} pages)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from api.deps import ArticlesDep, LimiterDep, SearcherDep, client_ip, rate_limit
from api.requests import StrictJSONRoute
from bot.errors import InvalidField, NotFound
from bot.schemas.search import ArticleView, SearchResults
from bot.search import SearchResponse

router = APIRouter(prefix="/v1/faq", tags=["faq"], route_class=StrictJSONRoute)


@router.get("/search")
async def search(
    request: Request,
    searcher: SearcherDep,
    limiter: LimiterDep,
    q: str = Query(..., min_length=1, max_length=2000, description="The question, in the buyer's words"),
    k: int = Query(5, ge=1, le=20, description="How many articles"),
) -> SearchResults:
    rate_limit(limiter, f"search-ip:{client_ip(request)}")
    if not q.strip():
        raise InvalidField("q", "must not be empty")

    def run() -> SearchResponse:
        response: SearchResponse = searcher.get().search(q.strip(), k=k)
        return response

    return SearchResults.of(await run_in_threadpool(run))


@router.get("/articles/{article_id}", response_model_exclude_none=True)
async def article(article_id: str, articles: ArticlesDep) -> ArticleView:
    """One article as the /help page shows it: title, help center, category and its sections."""
    found = (await run_in_threadpool(articles.get)).get(article_id)
    if found is None:
        raise NotFound(f"There is no help article with id {article_id!r}.")
    return ArticleView.of(found)
