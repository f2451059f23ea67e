"""In-memory sliding-window rate limits (per session, per IP), set by ``SUPPORTBOT_RATE_LIMIT``.

In memory on purpose: the gateway is one process (see the Procfile). Several gateway processes
behind a balancer would each allow the full rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, limit: int, period: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def check(self, *keys: str) -> int | None:
        """Records one request under every key; or, if any key is over its limit, records nothing
        and returns the whole seconds to wait (for ``Retry-After``)."""
        now = self._clock()
        with self._lock:
            self._calls += 1
            if self._calls % 1000 == 0:
                self._forget_idle(now)
            wait = 0.0
            for key in keys:
                hits = self._hits.get(key)
                if hits is None:
                    continue
                while hits and hits[0] <= now - self.period:
                    hits.popleft()
                if len(hits) >= self.limit:
                    wait = max(wait, hits[0] + self.period - now)
            if wait > 0:
                return max(1, math.ceil(wait))
            for key in keys:
                self._hits.setdefault(key, deque()).append(now)
            return None

    def _forget_idle(self, now: float) -> None:
        for key in [key for key, hits in self._hits.items() if not hits or hits[-1] <= now - self.period]:
            del self._hits[key]


class FailureThrottle:
    """Counts failures (wrong sign-ins) per key and blocks a key that failed ``limit`` times within
    ``period`` seconds, until the oldest failure ages out. Successful attempts cost nothing, so a
    team signing in from one office address is never blocked by its own good sign-ins."""

    def __init__(self, limit: int, period: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, *keys: str) -> int | None:
        """Seconds until every key may try again, or None when none is blocked."""
        now = self._clock()
        longest = 0.0
        with self._lock:
            for key in keys:
                failures = self._failures.get(key)
                if not failures:
                    continue
                while failures and failures[0] <= now - self.period:
                    failures.popleft()
                if len(failures) >= self.limit:
                    longest = max(longest, failures[0] + self.period - now)
        return math.ceil(longest) or 1 if longest > 0 else None

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) > 10_000:  # forget idle keys rather than grow without bound
                self._failures = {k: v for k, v in self._failures.items() if v and v[-1] > now - self.period}
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)
