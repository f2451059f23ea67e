"""The bot/ services the actions call, built lazily once per action-server process.

Nothing is built at import: the order store (SQLAlchemy engine) on the first order question,
the searcher (embedding model and FAISS index) on the first help question. Tests hand an
action its own ``Services`` with fakes instead of patching globals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.schemas.base import utc_now

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.dialogue import HelpCenter, HelpDesk
    from bot.orders.store import OrderStore
    from bot.schemas.decisions import Decision
    from bot.schemas.orders import Order


Evaluator = Callable[["Order", datetime], "Decision"]


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
    ) -> None:
        self._settings = settings
        self._store = store
        self._searcher = searcher
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

    def searcher(self) -> HelpCenter:
        with self._lock:
            if self._searcher is None:
                from bot.search import load_searcher

                self._searcher = load_searcher(self.settings)
            return self._searcher

    def desk(self) -> HelpDesk:
        """The help desk over the searcher; "today" (ended campaigns, dated notes) from the clock."""
        from bot.dialogue import HelpDesk

        return HelpDesk(self.searcher(), today=lambda: self.now().date())


_default: Services | None = None
_default_lock = threading.Lock()


def default_services() -> Services:
    """The process-wide services of the action server (settings from the environment)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Services()
        return _default
