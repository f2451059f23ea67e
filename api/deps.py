"""The gateway's composition root: the services built once per app, and one typed dependency each.

``build_services(settings)`` makes the real ones; tests pass fakes for any of them (a Rasa
stand-in behind an httpx transport, a small searcher, a fixed clock) through the same function.
Routes declare the one service they use (``ChatDep``, ``StoreDep``, ...), never the container.
Heavy objects (the embedding model and FAISS index, the article list) load on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Generic, Protocol, TypeVar

import httpx
from fastapi import Depends, Header, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from api.ratelimit import FailureThrottle, RateLimiter
from api.security import check_admin, current_actor
from api.telemetry import Metrics
from bot.agents import AgentDirectory
from bot.assist import AssistService, Judge, Searcher
from bot.availability import Availability
from bot.channels.twilio import TwilioClient
from bot.channels.whatsapp_cloud import WhatsAppCloudClient
from bot.chat import ChatService
from bot.config import Settings, parse_rate_limit
from bot.conversations import ConversationLog
from bot.corpus import Article, Corpus
from bot.errors import Forbidden
from bot.identity import WidgetIdentity
from bot.knowledge import ArticleEdits, KnowledgeService
from bot.orders.store import OrderStore
from bot.rasa_client import RasaClient
from bot.reports import ReportService
from bot.review import ReviewService, domain_intents
from bot.schemas.agents import Actor
from bot.schemas.base import utc_now
from bot.search.live import LiveSearcher

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Provider(Protocol[T_co]):
    """Something that hands out the current value (``Lazy``, ``LiveSearcher``, a service method)."""

    def get(self) -> T_co: ...


class Lazy(Generic[T]):
    """Builds its value on first ``get()``, once, even when several threads ask at the same time.
    A failed build is not remembered, so the next call tries again (e.g. after ``supportbot index``)."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._value: T | None = None
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


class _Current(Generic[T]):
    def __init__(self, get: Callable[[], T]) -> None:
        self.get = get


@dataclass
class Services:
    settings: Settings
    rasa: RasaClient
    store: OrderStore
    conversations: ConversationLog
    searcher: LiveSearcher[Searcher]
    articles: Provider[dict[str, Article]]
    agents: AgentDirectory
    availability: Availability
    knowledge: KnowledgeService
    reports: ReportService
    review: ReviewService
    judge: Judge
    assist: AssistService
    chat: ChatService
    identity: WidgetIdentity
    metrics: Metrics
    limiter: RateLimiter | None
    # Ten wrong sign-ins for one name from one address in 15 minutes block that pair for a while.
    sign_in_throttle: FailureThrottle = field(default_factory=lambda: FailureThrottle(10, 900.0))
    clock: Callable[[], datetime] = utc_now
    whatsapp: WhatsAppCloudClient | None = None
    twilio: TwilioClient | None = None
    _closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def aclose(self) -> None:
        for close in self._closers:
            await close()


def _default_searcher(settings: Settings, knowledge: KnowledgeService) -> Callable[[], Searcher]:
    def load() -> Searcher:
        from bot.search import load_searcher

        return load_searcher(settings, corpus=knowledge.corpus())

    return load


def _default_rebuild(settings: Settings) -> Callable[[Corpus], Searcher]:
    """Build the index of ``corpus`` (re-embedding only changed chunks) and load it."""

    def rebuild(corpus: Corpus) -> Searcher:
        from bot.search import build_index, index_status, load_searcher

        if index_status(settings, corpus) != "ok":
            build_index(settings, corpus=corpus)
        return load_searcher(settings, rebuild=False, corpus=corpus)

    return rebuild


def _default_extract_order_ids(text: str) -> list[str]:
    from bot.entities import extract_entities

    return [entity.value for entity in extract_entities(text) if entity.label == "order_id"]


def _default_judge() -> Judge:
    from bot.assistant.replies import judge

    return judge


def build_services(
    settings: Settings,
    *,
    rasa_transport: httpx.AsyncBaseTransport | None = None,
    store: OrderStore | None = None,
    conversations: ConversationLog | None = None,
    searcher: Callable[[], Searcher] | None = None,
    articles: Callable[[], dict[str, Article]] | None = None,
    rebuild_searcher: Callable[[Corpus], Searcher] | None = None,
    judge: Judge | None = None,
    extract_order_ids: Callable[[str], list[str]] | None = None,
    clock: Callable[[], datetime] = utc_now,
    channel_transport: httpx.AsyncBaseTransport | None = None,
    metrics: Metrics | None = None,
) -> Services:
    """Every argument after ``settings`` replaces one real service (tests); nothing heavy loads here.

    ``searcher`` gives the first searcher; ``rebuild_searcher`` makes one for a changed corpus (after
    an admin's edit), by default by rebuilding the index. The gateway also follows an index
    published by another process (the command line)."""
    if store is None or conversations is None:
        from bot.db import get_engine

        engine = get_engine(settings.database_url)
        store = store if store is not None else OrderStore(engine)
        conversations = conversations if conversations is not None else ConversationLog(engine)
    engine = store.engine
    agents = AgentDirectory(
        engine,
        clock=clock,
        session_lifetime=timedelta(hours=settings.agent_session_hours),
        idle_timeout=timedelta(minutes=settings.agent_idle_minutes),
    )
    presence = timedelta(minutes=settings.presence_minutes)
    availability = Availability(settings.support_schedule, lambda: agents.present(presence), clock=clock)
    knowledge = KnowledgeService(settings, ArticleEdits(engine, clock=clock))
    if searcher is not None:
        live: LiveSearcher[Searcher] = LiveSearcher(searcher)
    else:
        from bot.search import load_searcher, published_build

        live = LiveSearcher(
            _default_searcher(settings, knowledge),
            published=lambda: published_build(settings),
            reload=lambda: load_searcher(settings, rebuild=False),
            poll_seconds=settings.index_poll_seconds,
        )
    rebuild = rebuild_searcher or _default_rebuild(settings)
    knowledge.on_change = lambda: live.rebuild(lambda: rebuild(knowledge.corpus()))
    served_articles: Provider[dict[str, Article]] = (
        Lazy(articles) if articles is not None else _Current(knowledge.articles)
    )
    reports = ReportService(engine, served_articles.get, clock=clock)
    review = ReviewService(
        engine,
        reports,
        served_articles.get,
        lambda: domain_intents(settings.home / "domain.yml"),
        clock=clock,
    )
    rasa = RasaClient(
        settings.rasa_url,
        timeout=settings.http_timeout,
        action_server_url=settings.action_server_url,
        token=settings.rasa_token,
        transport=rasa_transport,
    )
    closers: list[Callable[[], Awaitable[None]]] = [rasa.aclose]
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
    judge = judge or _default_judge()
    metrics = metrics or Metrics()
    rate = parse_rate_limit(settings.rate_limit)
    assist = AssistService(
        parse_intent=rasa.parse,
        searcher=live.get,
        store=store,
        judge=judge,
        now=clock,
        extract_order_ids=extract_order_ids or _default_extract_order_ids,
    )
    chat = ChatService(
        rasa=rasa,
        conversations=conversations,
        store=store,
        metrics=metrics,
        max_message_chars=settings.max_message_chars,
        actions_secret=settings.actions_secret,
        clock=clock,
        whatsapp=whatsapp,
        twilio=twilio,
        agents=agents,
        run_sync=run_in_threadpool,
    )
    identity = WidgetIdentity(
        settings.widget_secret,
        max_token_seconds=settings.widget_token_max_seconds,
        identities_valid_after=store.identities_valid_after,
        clock=clock,
    )
    return Services(
        settings=settings,
        rasa=rasa,
        store=store,
        conversations=conversations,
        searcher=live,
        articles=served_articles,
        agents=agents,
        availability=availability,
        knowledge=knowledge,
        reports=reports,
        review=review,
        judge=judge,
        assist=assist,
        chat=chat,
        identity=identity,
        metrics=metrics,
        limiter=RateLimiter(*rate) if rate else None,
        clock=clock,
        whatsapp=whatsapp,
        twilio=twilio,
        _closers=closers,
    )


def get_services(request: Request) -> Services:
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:  # only when the app runs without its lifespan
        raise HTTPException(503, "The gateway is still starting.")
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _part(get: Callable[[Services], T]) -> Callable[[Services], T]:
    """A dependency giving a route one service of the app's, typed, instead of the whole container."""

    def dependency(services: ServicesDep) -> T:
        return get(services)

    return dependency


SettingsDep = Annotated[Settings, Depends(_part(lambda s: s.settings))]
StoreDep = Annotated[OrderStore, Depends(_part(lambda s: s.store))]
ConversationsDep = Annotated[ConversationLog, Depends(_part(lambda s: s.conversations))]
ChatDep = Annotated[ChatService, Depends(_part(lambda s: s.chat))]
AssistDep = Annotated[AssistService, Depends(_part(lambda s: s.assist))]
MetricsDep = Annotated[Metrics, Depends(_part(lambda s: s.metrics))]
RasaDep = Annotated[RasaClient, Depends(_part(lambda s: s.rasa))]
ClockDep = Annotated[Callable[[], datetime], Depends(_part(lambda s: s.clock))]
LimiterDep = Annotated[RateLimiter | None, Depends(_part(lambda s: s.limiter))]
ThrottleDep = Annotated[FailureThrottle, Depends(_part(lambda s: s.sign_in_throttle))]
SearcherDep = Annotated[LiveSearcher[Searcher], Depends(_part(lambda s: s.searcher))]
ArticlesDep = Annotated[Provider[dict[str, Article]], Depends(_part(lambda s: s.articles))]
AgentsDep = Annotated[AgentDirectory, Depends(_part(lambda s: s.agents))]
AvailabilityDep = Annotated[Availability, Depends(_part(lambda s: s.availability))]
KnowledgeDep = Annotated[KnowledgeService, Depends(_part(lambda s: s.knowledge))]
ReportsDep = Annotated[ReportService, Depends(_part(lambda s: s.reports))]
ReviewDep = Annotated[ReviewService, Depends(_part(lambda s: s.review))]
WhatsAppDep = Annotated[WhatsAppCloudClient | None, Depends(_part(lambda s: s.whatsapp))]
IdentityDep = Annotated[WidgetIdentity, Depends(_part(lambda s: s.identity))]


def require_admin(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> None:
    check_admin(settings, authorization)


AdminDep = Depends(require_admin)


async def get_actor(request: Request, settings: SettingsDep, agents: AgentsDep) -> Actor:
    """The signed-in agent or the admin token (``api.security.current_actor``); the session
    lookup and the presence write run off the event loop."""
    actor: Actor = await run_in_threadpool(current_actor, request, settings, agents)
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


async def get_admin_actor(actor: ActorDep) -> Actor:
    if not actor.is_admin:
        raise Forbidden("This needs an admin account.")
    return actor


AdminActorDep = Annotated[Actor, Depends(get_admin_actor)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def rate_limit(limiter: RateLimiter | None, *keys: str) -> None:
    """429 with ``Retry-After`` when any key (``ip:...``, ``session:...``) is over the limit."""
    if limiter is None:
        return
    wait = limiter.check(*keys)
    if wait is not None:
        raise HTTPException(
            429,
            f"Too many requests. Please wait {wait} seconds and try again.",
            headers={"Retry-After": str(wait)},
        )
