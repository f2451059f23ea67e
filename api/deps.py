"""The gateway's services, built once per app from ``Settings`` and handed to routes as dependencies.

``build_services(settings)`` makes the real ones; tests pass fakes for any of them (a Rasa
stand-in behind an httpx transport, a small searcher, a fixed clock) through the same function.
Heavy objects (the embedding model and FAISS index, the article list) load on first use.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Annotated, Any, Callable, Coroutine, Generic, Optional, TypeVar

import httpx
from fastapi import Depends, Header, HTTPException, Request

from api.conversation import ConversationService
from api.ratelimit import RateLimiter
from api.security import check_admin
from api.telemetry import Metrics
from bot.assist import AssistService
from bot.channels.twilio import TwilioClient
from bot.channels.whatsapp_cloud import WhatsAppCloudClient
from bot.config import Settings, parse_rate_limit
from bot.rasa_client import RasaClient

T = TypeVar("T")


class Lazy(Generic[T]):
    """Builds its value on first ``get()``, once, even when several threads ask at the same time.
    A failed build is not remembered, so the next call tries again (e.g. after ``supportbot index``)."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._value: Optional[T] = None
        self._built = False

    def get(self) -> T:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._value = self._factory()
                    self._built = True
        return self._value  # type: ignore[return-value]

    @property
    def loaded(self) -> bool:
        return self._built


class AssistCache:
    """The console refreshes the open conversation every few seconds; assist (Rasa parse and an
    embedding search) only runs again when the conversation has a new message. Entries are
    tasks, so a slow first computation (the model still loading) keeps going between refreshes."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._tasks: OrderedDict[tuple[Any, ...], asyncio.Task[Any]] = OrderedDict()

    def task(self, key: tuple[Any, ...], start: Callable[[], Coroutine[Any, Any, Any]]) -> asyncio.Task[Any]:
        found = self._tasks.get(key)
        if found is not None and found.done() and (found.cancelled() or found.exception() is not None):
            found = None  # a failure is reported once, then retried on the next refresh
        if found is None:
            found = asyncio.ensure_future(start())
            self._tasks[key] = found
        self._tasks.move_to_end(key)
        while len(self._tasks) > self.size:
            self._tasks.popitem(last=False)
        return found


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    settings: Settings
    rasa: RasaClient
    store: Any  # bot.orders.store.OrderStore
    conversations: Any  # bot.conversations.ConversationLog
    searcher: Lazy[Any]  # bot.search.Searcher
    articles: Lazy[dict[str, Any]]  # article id -> bot.corpus.Article
    evaluate: Callable[[Any, datetime], Any]  # bot.policy.evaluate
    assist: AssistService
    chat: ConversationService
    metrics: Metrics
    limiter: Optional[RateLimiter]
    clock: Callable[[], datetime] = utc_now
    whatsapp: Optional[WhatsAppCloudClient] = None
    assist_cache: AssistCache = field(default_factory=AssistCache)
    twilio: Optional[TwilioClient] = None
    _closers: list[Callable[[], Any]] = field(default_factory=list)

    async def aclose(self) -> None:
        for close in self._closers:
            await close()


def _default_store(settings: Settings) -> tuple[Any, Any]:
    from bot.conversations import ConversationLog
    from bot.db import get_engine
    from bot.orders.store import OrderStore

    engine = get_engine(settings.database_url)
    return OrderStore(engine), ConversationLog(engine)


def _default_searcher(settings: Settings) -> Callable[[], Any]:
    def load() -> Any:
        from bot.search import load_searcher

        return load_searcher(settings)

    return load


def _default_articles(settings: Settings) -> Callable[[], dict[str, Any]]:
    def load() -> dict[str, Any]:
        from bot.corpus import load_articles

        return {article.id: article for article in load_articles(settings.articles_file)}

    return load


def _default_evaluate(order: Any, now: datetime) -> Any:
    from bot.policy import evaluate

    return evaluate(order, now)


def _default_extract_order_ids(text: str) -> list[str]:
    from bot.entities import extract_entities

    return [entity.value for entity in extract_entities(text) if entity.label == "order_id"]


def build_services(
    settings: Settings,
    *,
    rasa_transport: Optional[httpx.AsyncBaseTransport] = None,
    store: Any = None,
    conversations: Any = None,
    searcher: Optional[Callable[[], Any]] = None,
    articles: Optional[Callable[[], dict[str, Any]]] = None,
    evaluate: Optional[Callable[[Any, datetime], Any]] = None,
    extract_order_ids: Optional[Callable[[str], list[str]]] = None,
    clock: Callable[[], datetime] = utc_now,
    channel_transport: Optional[httpx.AsyncBaseTransport] = None,
    metrics: Optional[Metrics] = None,
) -> Services:
    """Every argument after ``settings`` replaces one real service (tests); nothing heavy loads here."""
    if store is None or conversations is None:
        default_store, default_log = _default_store(settings)
        store = store if store is not None else default_store
        conversations = conversations if conversations is not None else default_log
    rasa = RasaClient(
        settings.rasa_url,
        timeout=settings.http_timeout,
        action_server_url=settings.action_server_url,
        transport=rasa_transport,
    )
    closers: list[Callable[[], Any]] = [rasa.aclose]
    whatsapp = None
    if settings.whatsapp_access_token:
        whatsapp = WhatsAppCloudClient(
            settings.whatsapp_api_url,
            settings.whatsapp_access_token,
            timeout=settings.http_timeout,
            transport=channel_transport,
        )
        closers.append(whatsapp.aclose)
    twilio = None
    if settings.twilio_account_sid and settings.twilio_auth_token:
        twilio = TwilioClient(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            timeout=settings.http_timeout,
            api_url=settings.twilio_api_url,
            transport=channel_transport,
        )
        closers.append(twilio.aclose)
    lazy_searcher: Lazy[Any] = Lazy(searcher or _default_searcher(settings))
    evaluate = evaluate or _default_evaluate
    metrics = metrics or Metrics()
    rate = parse_rate_limit(settings.rate_limit)
    assist = AssistService(
        parse_intent=rasa.parse,
        searcher=lazy_searcher.get,
        store=store,
        evaluate=evaluate,
        now=clock,
        extract_order_ids=extract_order_ids or _default_extract_order_ids,
    )
    chat = ConversationService(
        rasa=rasa, conversations=conversations, metrics=metrics, whatsapp=whatsapp, twilio=twilio
    )
    return Services(
        settings=settings,
        rasa=rasa,
        store=store,
        conversations=conversations,
        searcher=lazy_searcher,
        articles=Lazy(articles or _default_articles(settings)),
        evaluate=evaluate,
        assist=assist,
        chat=chat,
        metrics=metrics,
        limiter=RateLimiter(*rate) if rate else None,
        clock=clock,
        whatsapp=whatsapp,
        twilio=twilio,
        _closers=closers,
    )


def get_services(request: Request) -> Services:
    services: Optional[Services] = getattr(request.app.state, "services", None)
    if services is None:  # only when the app runs without its lifespan
        raise HTTPException(503, "The gateway is still starting.")
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def require_admin(services: ServicesDep, authorization: Annotated[Optional[str], Header()] = None) -> None:
    check_admin(services.settings, authorization)


AdminDep = Depends(require_admin)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def rate_limit(services: Services, *keys: str) -> None:
    """429 with ``Retry-After`` when any key (``ip:...``, ``session:...``) is over the limit."""
    if services.limiter is None:
        return
    wait = services.limiter.check(*keys)
    if wait is not None:
        raise HTTPException(
            429,
            f"Too many requests. Please wait {wait} seconds and try again.",
            headers={"Retry-After": str(wait)},
        )
