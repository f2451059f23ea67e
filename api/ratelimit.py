"""Rate limits (per session, per IP; ``SUPPORTBOT_RATE_LIMIT``) and the sign-in failure throttle,
both moving windows per key on the ``limits`` library.

Without ``SUPPORTBOT_REDIS_URL`` the counts live in the gateway process's memory (the embedded
default: one gateway process). With it they live in Redis, so every gateway process and replica
counts against the same window: several gateway processes never multiply the allowed rate, nor
the wrong passwords a guesser may try. A Redis that does not answer makes the limited routes
answer 503 (``Unavailable``): no one is let through unlimited, and nothing else breaks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool

from bot.errors import Unavailable

# Redis answers in a millisecond; a longer wait means it is gone.
REDIS_TIMEOUT_SECONDS = 2.0
KEY_PREFIX = "supportbot"

T = TypeVar("T")


class _MovingWindow:
    """``limit`` events per key within ``period`` seconds, in memory or in Redis."""

    def __init__(self, limit: int, period: float, *, redis_url: str | None = None, namespace: str) -> None:
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
        self._item = RateLimitItemPerSecond(limit, max(1, math.ceil(period)), namespace=namespace)

    async def _run(self, func: Callable[..., T], *args: Any) -> T:
        if not self.shared:
            return func(*args)
        # redis-py is synchronous: a worker thread keeps the event loop free.
        try:
            return await run_in_threadpool(func, *args)
        except Unavailable:
            raise
        except Exception as exc:
            raise Unavailable(
                f"the rate-limit store (SUPPORTBOT_REDIS_URL) is not reachable: {exc.__class__.__name__}"
            ) from exc

    def _wait(self, keys: tuple[str, ...]) -> int | None:
        """Whole seconds until every key is under its limit again (for ``Retry-After``), or None."""
        over = [key for key in keys if not self._strategy.test(self._item, key)]
        if not over:
            return None
        resets = [self._strategy.get_window_stats(self._item, key)[0] for key in over]
        return max(1, math.ceil(max(resets) - time.time()))

    def _hit(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            self._strategy.hit(self._item, key)

    def reset(self) -> None:
        storage: Any = self._storage
        storage.reset()


class RateLimiter(_MovingWindow):
    def __init__(self, limit: int, period: float, *, redis_url: str | None = None) -> None:
        super().__init__(limit, period, redis_url=redis_url, namespace=KEY_PREFIX)

    async def check(self, *keys: str) -> int | None:
        """Records one request under every key; or, if any key is over its limit, records nothing
        and returns the whole seconds to wait (for ``Retry-After``)."""

        def check() -> int | None:
            wait = self._wait(keys)
            if wait is None:
                self._hit(keys)
            return wait

        return await self._run(check)


class FailureThrottle(_MovingWindow):
    """Counts failures (wrong sign-ins) per key and blocks a key that failed ``limit`` times within
    ``period`` seconds, until the oldest failure ages out. Successful attempts cost nothing, so a
    team signing in from one office address is never blocked by its own good sign-ins."""

    def __init__(self, limit: int, period: float, *, redis_url: str | None = None) -> None:
        super().__init__(limit, period, redis_url=redis_url, namespace=f"{KEY_PREFIX}-failures")

    async def wait(self, *keys: str) -> int | None:
        """Seconds until every key may try again, or None when none is blocked."""
        return await self._run(self._wait, keys)

    async def failed(self, *keys: str) -> None:
        await self._run(self._hit, keys)
