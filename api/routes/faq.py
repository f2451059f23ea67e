"""Help-center search and single articles (the widget's source links and /help/{id} pages)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep, client_ip, rate_limit

router = APIRouter(prefix="/v1/faq", tags=["faq"])


def article_view(article: Any) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "answer": article.full_text(),
        "category": article.category,
        "kind": article.kind,
        "sources": list(article.sources),
    }


@router.get("/search")
async def search(
    request: Request,
    services: ServicesDep,
    q: str = Query(..., min_length=1, max_length=2000, description="The question, in the buyer's words"),
    k: int = Query(5, ge=1, le=20, description="How many articles"),
) -> dict[str, Any]:
    rate_limit(services, f"search-ip:{client_ip(request)}")
    if not q.strip():
        raise HTTPException(422, "q: must not be empty")

    def run() -> Any:
        return services.searcher.get().search(q.strip(), k=k)

    response = await run_in_threadpool(run)
    return {
        "query": response.query,
        "confident": bool(response.confident),
        "results": [
            {
                "id": result.article.id,
                "title": result.article.title,
                "answer": result.article.full_text(),
                "category": result.article.category,
                "score": round(float(result.score), 4),
            }
            for result in response.results
        ],
    }


@router.get("/articles/{article_id}")
async def article(article_id: str, services: ServicesDep) -> dict[str, Any]:
    articles = await run_in_threadpool(services.articles.get)
    found = articles.get(article_id)
    if found is None:
        raise HTTPException(404, f"There is no help article with id {article_id!r}.")
    return article_view(found)
