"""The searcher a serving process answers with, replaced whole while it keeps serving.

Two ways a new index arrives:

- **rebuild** (the gateway, after an admin edits an article): the index is built in a background
  thread, loaded, and swapped in with one assignment. Requests keep the searcher they already
  have; nobody waits and nobody sees a half-built index. Edits made during a build trigger one
  more build when it finishes, so the last edit always lands.
- **follow** (the action server, and the gateway for indexes published by the command line):
  at most every ``poll_seconds`` a request notices that the published build (one small file read,
  in a background thread, off the request's path) differs from the one in memory, and a
  background thread loads it and swaps it in. A build that cannot be loaded yet (e.g. the corpus
  changed but nobody rebuilt) is retried at the next poll; the old searcher keeps answering.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from bot.schemas.base import utc_now

log = logging.getLogger(__name__)

S = TypeVar("S")


@dataclass(frozen=True)
class LiveStatus:
    build: str | None
    corpus_version: str | None
    rebuilding: bool
    swapped_at: datetime | None
    last_error: str | None


class LiveSearcher(Generic[S]):
    """``load`` gives the first searcher (it may build the index); ``published`` names the build
    on disk now and ``reload`` loads it (never builds). Without ``published`` it does not follow."""

    def __init__(
        self,
        load: Callable[[], S],
        *,
        published: Callable[[], str | None] | None = None,
        reload: Callable[[], S] | None = None,
        poll_seconds: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._load = load
        self._published = published
        self._reload = reload or load
        self.poll_seconds = poll_seconds
        self._monotonic = monotonic
        self._clock = clock
        self._lock = threading.Lock()
        self._current: S | None = None
        self._checked = monotonic()
        self._following = False
        self._rebuilding = False
        self._again: Callable[[], S] | None = None
        self._swapped_at: datetime | None = None
        self._last_error: str | None = None
        self._threads: list[threading.Thread] = []

    # -------------------------------------------------------------- reading

    def get(self) -> S:
        """The current searcher; the first call loads it (a failure is not remembered)."""
        current = self._current
        if current is None:
            with self._lock:
                if self._current is None:
                    self._current = self._load()
                    self._checked = self._monotonic()
                current = self._current
        elif self._published is not None and self._monotonic() - self._checked >= self.poll_seconds:
            self._follow_in_background()
        return current

    @property
    def loaded(self) -> bool:
        return self._current is not None

    def status(self) -> LiveStatus:
        current = self._current
        return LiveStatus(
            build=_attribute(current, "build"),
            corpus_version=_attribute(current, "corpus_version"),
            rebuilding=self._rebuilding,
            swapped_at=self._swapped_at,
            last_error=self._last_error,
        )

    def swap(self, searcher: S) -> None:
        """Serve ``searcher`` from now on (requests already holding the old one finish with it)."""
        self._current = searcher
        self._swapped_at = self._clock()
        self._last_error = None

    # -------------------------------------------------------------- rebuild (gateway)

    def rebuild(self, build: Callable[[], S]) -> None:
        """Run ``build`` (make and load a new index) in the background, then swap it in. Called
        while a build runs, it queues exactly one more build with the latest ``build``."""
        with self._lock:
            if self._rebuilding:
                self._again = build
                return
            self._rebuilding = True
        self._start(self._rebuild_loop, build, name="faq-rebuild")

    def _rebuild_loop(self, build: Callable[[], S]) -> None:
        task: Callable[[], S] | None = build
        while task is not None:
            try:
                searcher = task()
            except Exception as exc:  # the old searcher keeps serving; the status says why
                log.exception("FAQ index rebuild failed")
                self._last_error = str(exc) or type(exc).__name__
            else:
                self.swap(searcher)
                log.info("FAQ index swapped in: %s", _attribute(searcher, "corpus_version"))
            with self._lock:
                task, self._again = self._again, None
                if task is None:
                    self._rebuilding = False

    # -------------------------------------------------------------- follow (action server)

    def _follow_in_background(self) -> None:
        with self._lock:
            if self._following or self._rebuilding:
                return
            self._following = True
            self._checked = self._monotonic()
        self._start(self._follow, name="faq-follow")

    def _follow(self) -> None:
        try:
            published = self._published() if self._published is not None else None
            if published and published != _attribute(self._current, "build"):
                self.swap(self._reload())
                log.info("FAQ index %s loaded", published)
        except Exception as exc:  # retried at the next poll
            log.warning("the published FAQ index could not be loaded yet: %s", exc)
            self._last_error = str(exc) or type(exc).__name__
        finally:
            with self._lock:
                self._following = False

    def check_now(self) -> None:
        """Follow the published index at once, in this thread (tests, and the end of a CLI edit)."""
        with self._lock:
            self._following = True
        self._follow()

    # -------------------------------------------------------------- threads

    def _start(self, target: Callable[..., None], *args: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for background work (tests); True when none is left."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in list(self._threads):
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(remaining)
        return not any(thread.is_alive() for thread in self._threads)


def _attribute(searcher: Any, name: str) -> str | None:
    value = getattr(searcher, name, None) if searcher is not None else None
    return str(value) if value else None
