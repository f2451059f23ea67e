"""Rate limits (per session, per IP) on the ``limits`` library, set by ``SUPPORTBOT_RATE_LIMIT``.

A moving window per key. Without ``SUPPORTBOT_REDIS_URL`` the counts live in the gateway
process's memory (the embedded default: one gateway process). With it they live in Redis, so
every gateway process and replica counts against the same window. A Redis that does not answer
makes the limited routes answer 503 (``Unavailable``): no one is let through unlimited, and
nothing else breaks.
"""

from __future__ import annotations

import math
import time
from typing import Any

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool

from bot.errors import Unavailable

# Redis answers in a millisecond; a longer wait means it is gone.
REDIS_TIMEOUT_SECONDS = 2.0
KEY_PREFIX = "supportbot"


class RateLimiter:
    def __init__(self, limit: int, period: float, *, redis_url: str | None = None) -> None:
        self.limit = limit
        self.period = period
        self.shared = redis_url is not None
        if redis_url is not None:
            storage = storage_from_string(
                redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
        else:
            storage = storage_from_string("memory://")
        # The strategy only keeps a weak reference to its storage.
        self._storage = storage
        self._strategy = MovingWindowRateLimiter(storage)
        self._item = RateLimitItemPerSecond(limit, max(1, math.ceil(period)), namespace=KEY_PREFIX)

    async def check(self, *keys: str) -> int | None:
        """Records one request under every key; or, if any key is over its limit, records nothing
        and returns the whole seconds to wait (for ``Retry-After``)."""
        if not self.shared:
            return self._check(keys)
        # redis-py is synchronous: a worker thread keeps the event loop free.
        result: int | None = await run_in_threadpool(self._check, keys)
        return result

    def _check(self, keys: tuple[str, ...]) -> int | None:
        try:
            over = [key for key in keys if not self._strategy.test(self._item, key)]
            if over:
                resets = [self._strategy.get_window_stats(self._item, key)[0] for key in over]
                return max(1, math.ceil(max(resets) - time.time()))
            for key in keys:
                self._strategy.hit(self._item, key)
        except Exception as exc:
            if not self.shared:
                raise
            raise Unavailable(
                f"the rate-limit store (SUPPORTBOT_REDIS_URL) is not reachable: {exc.__class__.__name__}"
            ) from exc
        return None

    def reset(self) -> None:
        storage: Any = self._storage
        storage.reset()
