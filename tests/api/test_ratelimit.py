"""The rate limiter and the sign-in failure throttle on the ``limits`` library: in memory by
default, in Redis when configured."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from api.ratelimit import FailureThrottle, RateLimiter
from bot.errors import Unavailable


def check(limiter: RateLimiter, *keys: str) -> int | None:
    return asyncio.run(limiter.check(*keys))


def test_over_the_limit_waits_for_the_window_and_then_lets_through() -> None:
    limiter = RateLimiter(2, 1.0)
    key = f"k-{uuid.uuid4().hex}"
    assert check(limiter, key) is None
    assert check(limiter, key) is None
    assert check(limiter, key) == 1  # whole seconds for Retry-After, never 0
    time.sleep(1.1)
    assert check(limiter, key) is None


def test_a_refused_request_uses_no_quota_on_any_key() -> None:
    limiter = RateLimiter(1, 60.0)
    assert check(limiter, "ip:1", "session:a") is None
    assert check(limiter, "ip:1", "session:b") is not None
    assert check(limiter, "ip:2", "session:b") is None  # session b was not charged above


def test_retry_after_counts_the_window_of_the_first_hit() -> None:
    limiter = RateLimiter(1, 60.0)
    assert check(limiter, "k") is None
    wait = check(limiter, "k")
    assert wait is not None
    assert 58 <= wait <= 60


def test_two_gateways_on_one_redis_share_the_limit(redis_url: str) -> None:
    first, second = RateLimiter(2, 60.0, redis_url=redis_url), RateLimiter(2, 60.0, redis_url=redis_url)
    key = f"session:{uuid.uuid4().hex}"
    assert check(first, key) is None
    assert check(second, key) is None
    assert check(first, key) is not None
    assert check(second, key) is not None


def test_an_unreachable_redis_is_unavailable_not_unlimited() -> None:
    limiter = RateLimiter(2, 60.0, redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(Unavailable, match="SUPPORTBOT_REDIS_URL"):
        check(limiter, "k")


def test_only_failures_count_against_a_sign_in() -> None:
    throttle = FailureThrottle(2, 60.0)
    for _ in range(5):
        assert asyncio.run(throttle.wait("ip|sam")) is None  # asking costs nothing
    asyncio.run(throttle.failed("ip|sam"))
    assert asyncio.run(throttle.wait("ip|sam")) is None
    asyncio.run(throttle.failed("ip|sam"))
    wait = asyncio.run(throttle.wait("ip|sam"))
    assert wait is not None
    assert 58 <= wait <= 60
    assert asyncio.run(throttle.wait("ip|mia")) is None


def test_two_gateways_on_one_redis_count_the_same_sign_in_failures(redis_url: str) -> None:
    first = FailureThrottle(2, 60.0, redis_url=redis_url)
    second = FailureThrottle(2, 60.0, redis_url=redis_url)
    key = f"ip|{uuid.uuid4().hex}"
    asyncio.run(first.failed(key))
    assert asyncio.run(second.wait(key)) is None
    asyncio.run(second.failed(key))
    assert asyncio.run(first.wait(key)) is not None
    assert asyncio.run(second.wait(key)) is not None


def test_an_unreachable_redis_makes_sign_in_unavailable_not_unthrottled() -> None:
    throttle = FailureThrottle(2, 60.0, redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(Unavailable, match="SUPPORTBOT_REDIS_URL"):
        asyncio.run(throttle.wait("k"))
