"""``create_app(settings)``: the gateway as an ASGI app (uvicorn runs it with ``--factory``).

Nothing is built at import. The lifespan brings the database schema up to date, seeds the demo
orders into an empty development database, builds the services and closes their HTTP clients
on shutdown. Tests hand in ready-made ``services`` (fakes) instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.trustedhost import TrustedHostMiddleware

from api.deps import Services, build_services
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.middleware import (
    BodyLimitMiddleware,
    RequestGuardMiddleware,
    ScopedCORSMiddleware,
    SecurityHeadersMiddleware,
)
from api.routes import (
    admin,
    agent,
    agents,
    assist,
    chat,
    faq,
    health,
    knowledge,
    metrics,
    orders,
    pages,
    reports,
    review,
    webhooks,
)
from api.routes.pages import NO_CACHE, STATIC_DIR
from api.security import IDENTITY_HEADERS
from api.telemetry import Metrics, MetricsMiddleware
from bot.config import Settings, get_settings
from bot.orders.store import OrderStore
from bot.schemas.base import utc_now

logger = logging.getLogger(__name__)

WARM_UP_WAIT_SECONDS = 20.0
MAX_PAGE_BYTES = 4 * 1024 * 1024


def prepare_database(settings: Settings, store: OrderStore) -> None:
    """Migrations are idempotent; an empty development database gets the demo shop's orders."""
    from bot.db import migrate

    migrate(settings.database_url)
    if settings.env == "development":
        from bot.orders.seed import seed

        if seed(store, utc_now(), if_empty=True):
            logger.info("seeded the demo customers and orders into an empty development database")


def _warm_up(services: Services) -> None:
    """Loads the embedding model and index in the background so the first search is quick."""
    try:
        services.searcher.get()
    except Exception as exc:  # the search routes report it properly when asked
        logger.warning("FAQ search not ready: %s", exc)


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    settings = settings or (services.settings if services is not None else get_settings())
    settings.check_production_secrets()
    given = services
    app_metrics = given.metrics if given is not None else Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if given is not None:
            app.state.services = given
            yield
            return
        built = build_services(settings, metrics=app_metrics)
        await run_in_threadpool(prepare_database, settings, built.store)
        app.state.services = built
        if settings.env != "test":
            warm_up = threading.Thread(target=_warm_up, args=(built,), name="faq-warm-up", daemon=True)
            warm_up.start()
            # Serve once the model is in memory, so the first buyer or agent doesn't wait for it;
            # a slow machine starts serving anyway and the load finishes in the background.
            await run_in_threadpool(warm_up.join, WARM_UP_WAIT_SECONDS)
        try:
            yield
        finally:
            await built.aclose()

    documented = settings.env != "production"
    app = FastAPI(
        title="supportbot gateway",
        version="1.0",
        description="Chat widget, WhatsApp webhooks, agent console and assist, admin sync. See docs/api.md.",
        lifespan=lifespan,
        # FastAPI's own pages load Swagger UI and ReDoc from a CDN; ours are served below.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if documented else None,
    )
    install_error_handlers(app)
    for module in (
        chat,
        faq,
        orders,
        admin,
        assist,
        agent,
        agents,
        reports,
        review,
        knowledge,
        webhooks,
        health,
        metrics,
        pages,
    ):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if documented:
        _serve_api_docs(app)

    # The widget may be embedded on the shop's own domain: its calls to the chat API are
    # cross-origin, carry no cookies and prove identity with the shop's hash or token. No other
    # path answers cross-origin requests: not the demo sign-in, not the admin or agent API.
    app.add_middleware(
        ScopedCORSMiddleware,
        prefix="/v1/chat",
        allow_headers=["Content-Type", *IDENTITY_HEADERS],
    )
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        # A whole help-center page (the largest raw page is ~70 kB; JSON escaping adds to it).
        larger={"/v1/knowledge/import": MAX_PAGE_BYTES},
    )
    app.add_middleware(RequestGuardMiddleware)
    # Redirects (/static -> /static/) and the Twilio signature URL are built from the Host
    # header, so only our own names are answered.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts, www_redirect=False)
    app.add_middleware(
        SecurityHeadersMiddleware, hsts=(settings.public_url or "").lower().startswith("https://")
    )
    # Added last, so it is outermost: 400s, 413s and CORS preflights are counted too.
    app.add_middleware(MetricsMiddleware, metrics=app_metrics)
    return app


def _serve_api_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the assets the fastapi-offline package ships (no CDN), started by
    a script of ours, so the page keeps the CSP without inline script."""
    import fastapi_offline

    assets = Path(fastapi_offline.__file__).resolve().parent / "static"
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> FileResponse:
        return FileResponse(STATIC_DIR / "docs.html", media_type="text/html", headers=NO_CACHE)
