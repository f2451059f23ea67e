"""The bot/ services the actions call, built lazily once per action-server process.

Nothing is built at import: the order store (SQLAlchemy engine) on the first order question,
the searcher (embedding model and FAISS index) on the first help question. Tests hand an
action its own ``Services`` with fakes instead of patching globals.

The searcher follows the published index (``bot.search.live``): when the gateway rebuilds it after
an admin's article edit, this process notices within ``SUPPORTBOT_INDEX_POLL_SECONDS`` (a file
read in a background thread, off the request's path) and swaps the new one in without a restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.schemas.base import utc_now

if TYPE_CHECKING:
    from bot.assist import Searcher
    from bot.availability import AgentAvailability
    from bot.config import Settings
    from bot.corpus import Article
    from bot.orders.store import OrderStore
    from bot.schemas.decisions import Decision
    from bot.schemas.orders import Order
    from bot.search.live import LiveSearcher

log = logging.getLogger(__name__)


Evaluator = Callable[["Order", datetime], "Decision"]


def evaluate_order(order: Order, now: datetime) -> Decision:
    """``bot.policy.evaluate``, imported on the first order question."""
    from bot.policy import evaluate

    return evaluate(order, now)


class Services:
    """Order store, searcher, eligibility engine and clock; each built on first use."""

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        store: OrderStore | None = None,
        searcher: Searcher | None = None,
        evaluator: Evaluator | None = None,
        clock: Callable[[], datetime] | None = None,
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
        # The action server may run sync actions in threads; build each heavy object once.
        self._lock = threading.Lock()

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

    def searcher(self) -> Searcher:
        if self._searcher is not None:
            return self._searcher
        with self._lock:
            if self._live is None:
                self._live = _following_searcher(self.settings)
            live = self._live
        searcher: Searcher = live.get()
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
