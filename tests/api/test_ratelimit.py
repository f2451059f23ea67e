"""The sliding window itself, with a fake clock."""

from __future__ import annotations

from api.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_and_retry_after_counts_down() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 60.0, clock=clock)
    assert limiter.check("k") is None
    clock.now += 10
    assert limiter.check("k") is None
    clock.now += 5
    assert limiter.check("k") == 45  # the first hit leaves the window at 1060
    clock.now = 1060.0
    assert limiter.check("k") is None  # one slot free again
    assert limiter.check("k") == 10


def test_a_refused_request_uses_no_quota_on_any_key() -> None:
    clock = Clock()
    limiter = RateLimiter(1, 60.0, clock=clock)
    assert limiter.check("ip:1", "session:a") is None
    assert limiter.check("ip:1", "session:b") is not None
    assert limiter.check("ip:2", "session:b") is None  # session b was not charged above


def test_idle_keys_are_forgotten() -> None:
    clock = Clock()
    limiter = RateLimiter(5, 1.0, clock=clock)
    for n in range(999):
        limiter.check(f"k{n}")
    clock.now += 5
    limiter.check("last")
    assert list(limiter._hits) == ["last"]
