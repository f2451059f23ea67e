"""The bot/ services the actions call, built once per action-server process.

Nothing is built at import. The action server (``actions.server``) calls ``preload()`` before it
accepts its first connection, so the order store's engine, the searcher (embedding model and
FAISS index) and the first query's lazy set-up are done before any buyer asks: no turn waits
for a model load. Used outside that server (tests, tools), each is built on first use. Tests
hand an action its own ``Services`` with fakes instead of patching globals.

Actions run their blocking work (database, search) in worker threads (``run_blocking``), so
one slow action never holds up the action server's event loop for other conversations.

The searcher follows the published index (``bot.search.live``): when the gateway rebuilds it after
an admin's article edit, this process notices within ``SUPPORTBOT_INDEX_POLL_SECONDS`` (a file
read in a background thread, off the request's path) and swaps the new one in without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from bot.schemas.base import utc_now

if TYPE_CHECKING:
    from bot.availability import AgentAvailability
    from bot.config import Settings
    from bot.corpus import Article
    from bot.dialogue import HelpCenter, HelpDesk
    from bot.orders.store import OrderStore
    from bot.schemas.decisions import Decision
    from bot.schemas.orders import Order
    from bot.search.live import LiveSearcher

log = logging.getLogger(__name__)

Evaluator = Callable[["Order", datetime], "Decision"]
T = TypeVar("T")

# Threads for actions' blocking work. Search is CPU-bound with one compute thread per process,
# so a few threads are enough to overlap database waits with it.
BLOCKING_THREADS = 4
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


async def run_blocking(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in the action server's worker threads, awaited without blocking the loop."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=BLOCKING_THREADS, thread_name_prefix="action")
    return await asyncio.get_running_loop().run_in_executor(_executor, lambda: func(*args))


class ActionMetrics:
    """How long each action takes and how often it fails (the action server's ``/metrics``)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        self.duration = Histogram(
            "supportbot_action_duration_seconds",
            "Time to run one custom action (database and search included), by action.",
            ["action"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )
        self.failures = Counter(
            "supportbot_action_failures",
            "Actions that raised and answered with the apology instead, by action.",
            ["action"],
            registry=self.registry,
        )

    def observe(self, action: str, seconds: float, *, failed: bool = False) -> None:
        self.duration.labels(action).observe(seconds)
        if failed:
            self.failures.labels(action).inc()


def evaluate_order(order: Order, now: datetime) -> Decision:
    """``bot.policy.evaluate``, imported on the first order question."""
    from bot.policy import evaluate

    return evaluate(order, now)


class Services:
    """Order store, searcher (and the help desk over it), eligibility engine and clock; each built on first use."""

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        store: OrderStore | None = None,
        searcher: HelpCenter | None = None,
        evaluator: Evaluator | None = None,
        clock: Callable[[], datetime] | None = None,
        metrics: ActionMetrics | None = None,
        availability: Callable[[], AgentAvailability] | None = None,
        articles: Callable[[], list[Article]] | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._searcher = searcher
        self._live: LiveSearcher[Any] | None = None
        self._availability = availability
        self._articles = articles
        self.evaluate: Evaluator = evaluator or evaluate_order
        self.now: Callable[[], datetime] = clock or utc_now
        self._metrics = metrics
        # Actions run in worker threads; build each heavy object once.
        self._lock = threading.Lock()

    @property
    def metrics(self) -> ActionMetrics:
        with self._lock:
            if self._metrics is None:
                self._metrics = ActionMetrics()
            return self._metrics

    def preload(self) -> dict[str, float]:
        """Build everything a turn needs before the first buyer asks; returns seconds per part.

        The first search also pays for lazy set-up inside the model (tokenizer, kernels), so
        one query is run here too.
        """
        timings: dict[str, float] = {}
        started = time.perf_counter()
        store = self.store()
        store.count_orders()  # the engine connects now, and a missing schema is reported now
        timings["store"] = time.perf_counter() - started
        started = time.perf_counter()
        self.searcher().search("how long does delivery take", k=3)
        timings["searcher"] = time.perf_counter() - started
        import bot.policy  # noqa: F401  (the engine's import, off the first order question)

        self.desk()  # the help desk's import (bot.dialogue), off the first question

        assert self.metrics is not None
        return timings

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from bot.config import get_settings

            self._settings = get_settings()
        return self._settings

    def store(self) -> OrderStore:
        with self._lock:
            if self._store is None:
                from bot.orders.store import OrderStore

                self._store = OrderStore.from_url(self.settings.database_url)
            return self._store

    def searcher(self) -> HelpCenter:
        if self._searcher is not None:
            return self._searcher
        with self._lock:
            if self._live is None:
                self._live = _following_searcher(self.settings)
            live = self._live
        searcher: HelpCenter = live.get()
        return searcher

    def articles(self) -> list[Article]:
        """The served articles (those of the index the searcher answers from)."""
        if self._articles is not None:
            return self._articles()
        return list(getattr(self.searcher(), "articles", []))

    def agent_availability(self) -> AgentAvailability | None:
        """Whether a person can take a handoff now; None when it cannot be told (the handoff then
        queues as it always did, rather than turning buyers away on a database hiccup)."""
        try:
            if self._availability is not None:
                return self._availability()
            from bot.agents import AgentDirectory
            from bot.availability import Availability

            directory = AgentDirectory(self.store().engine, clock=self.now)
            within = timedelta(minutes=self.settings.presence_minutes)
            return Availability(
                self.settings.support_schedule, lambda: directory.present(within), clock=self.now
            ).now()
        except Exception:
            log.exception("could not tell whether an agent is available")
            return None

    def desk(self) -> HelpDesk:
        """The help desk over the searcher; "today" (ended campaigns, dated notes) from the clock."""
        from bot.dialogue import HelpDesk

        return HelpDesk(self.searcher(), today=lambda: self.now().date())


def _following_searcher(settings: Settings) -> LiveSearcher[Any]:
    from bot.search import load_searcher, published_build
    from bot.search.live import LiveSearcher

    return LiveSearcher(
        lambda: load_searcher(settings),
        published=lambda: published_build(settings),
        reload=lambda: load_searcher(settings, rebuild=False),
        poll_seconds=settings.index_poll_seconds,
    )


_default: Services | None = None
_default_lock = threading.Lock()


def default_services() -> Services:
    """The process-wide services of the action server (settings from the environment)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Services()
        return _default
