"""Whether a person can take a handoff now: opening hours, and someone signed in to the console.

Opening hours are a setting, ``SUPPORTBOT_SUPPORT_HOURS`` (e.g. ``Mon-Fri 09:00-18:00, Sat
10:00-14:00``; empty or ``always`` means every hour) read in ``SUPPORTBOT_SUPPORT_TIMEZONE`` (an
IANA name, default ``UTC``). Presence is an agent whose console made an authenticated request in
the last ``SUPPORTBOT_PRESENCE_MINUTES`` (``bot.agents.AgentDirectory.present``).

The answer is data (``AgentAvailability``: a code, the hours, when they open next); the handoff
action renders it through ``bot.assistant.replies``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.schemas.base import as_utc, utc_now

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ALWAYS = "always"
_SPAN = re.compile(
    r"^(?P<first>[A-Za-z]{3})(?:\s*-\s*(?P<last>[A-Za-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)
AvailabilityCode = Literal["available", "closed", "nobody_online"]


@dataclass(frozen=True)
class Span:
    """Open on ``days`` (0 = Monday) from ``start`` to ``end`` local time; ``end`` before ``start``
    runs past midnight into the next day."""

    days: tuple[int, ...]
    start: time
    end: time  # time(0) with ``until_midnight`` means 24:00
    until_midnight: bool = False


@dataclass(frozen=True)
class SupportHours:
    spans: tuple[Span, ...]
    zone: ZoneInfo
    text: str  # as configured, for the buyer-facing sentence

    @property
    def always(self) -> bool:
        return not self.spans

    def describe(self) -> str:
        """'Mon-Fri 09:00-18:00, Sat 10:00-14:00 (Europe/Berlin time)'."""
        if self.always:
            return "every day, around the clock"
        return f"{self.text} ({self.zone.key} time)"

    def is_open(self, at: datetime) -> bool:
        if self.always:
            return True
        local = as_utc(at).astimezone(self.zone)
        clock, weekday = local.time().replace(tzinfo=None), local.weekday()
        for span in self.spans:
            overnight = not span.until_midnight and span.end <= span.start
            if (
                weekday in span.days
                and clock >= span.start
                and (span.until_midnight or overnight or clock < span.end)
            ):
                return True
            # the early-morning part of an overnight span opened the day before
            if overnight and (weekday - 1) % 7 in span.days and clock < span.end:
                return True
        return False

    def next_open(self, at: datetime, horizon_days: int = 8) -> datetime | None:
        """The next instant (UTC) the hours open after ``at``, None when always open or never."""
        if self.always:
            return None
        local = as_utc(at).astimezone(self.zone)
        for offset in range(horizon_days):
            day = (local + timedelta(days=offset)).date()
            for span in sorted(self.spans, key=lambda s: s.start):
                if day.weekday() not in span.days:
                    continue
                opens = datetime.combine(day, span.start, tzinfo=self.zone)
                if opens > local:
                    return as_utc(opens)
        return None


def parse_support_hours(text: str | None, timezone: str = "UTC") -> SupportHours:
    """``ValueError`` with a sentence naming the bad part (settings validation reports it)."""
    try:
        zone = ZoneInfo(timezone.strip() or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"SUPPORTBOT_SUPPORT_TIMEZONE {timezone!r} is not a time zone name like Europe/Berlin"
        ) from None
    cleaned = " ".join((text or "").split())
    if not cleaned or cleaned.lower() == ALWAYS:
        return SupportHours((), zone, ALWAYS)
    spans = []
    for part in re.split(r"[;,]", cleaned):
        part = part.strip()
        if not part:
            continue
        match = _SPAN.match(part)
        if not match:
            raise ValueError(
                f"SUPPORTBOT_SUPPORT_HOURS: {part!r} is not like 'Mon-Fri 09:00-18:00' (day or day range, then hours)"
            )
        first, last = _day(match["first"], part), _day(match["last"] or match["first"], part)
        days = tuple((first + i) % 7 for i in range((last - first) % 7 + 1))
        start = _clock(match["start"], part)
        until_midnight = match["end"] == "24:00"
        end = time(0) if until_midnight else _clock(match["end"], part)
        if end == start and not until_midnight:
            raise ValueError(f"SUPPORTBOT_SUPPORT_HOURS: {part!r} opens and closes at the same time")
        spans.append(Span(days, start, end, until_midnight))
    return SupportHours(tuple(spans), zone, cleaned)


def _day(name: str, part: str) -> int:
    for index, day in enumerate(DAYS):
        if day.lower() == name.lower():
            return index
    raise ValueError(f"SUPPORTBOT_SUPPORT_HOURS: {part!r}: {name!r} is not one of {', '.join(DAYS)}")


def _clock(value: str, part: str) -> time:
    hours, minutes = (int(x) for x in value.split(":"))
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError(f"SUPPORTBOT_SUPPORT_HOURS: {part!r}: {value!r} is not a time of day")
    return time(hours, minutes)


@dataclass(frozen=True)
class AgentAvailability:
    """Whether a handoff can reach a person now, and if not, why (``closed`` outside the hours,
    ``nobody_online`` inside them with nobody at the console)."""

    code: AvailabilityCode
    hours: str
    next_open: datetime | None = None

    @property
    def available(self) -> bool:
        return self.code == "available"


class Availability:
    """``present()`` names the agents at the console now (``AgentDirectory.present``)."""

    def __init__(
        self,
        hours: SupportHours,
        present: Callable[[], list[str]],
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.hours = hours
        self._present = present
        self._clock = clock

    def now(self) -> AgentAvailability:
        at = self._clock()
        if not self.hours.is_open(at):
            return AgentAvailability("closed", self.hours.describe(), self.hours.next_open(at))
        if not self._present():
            return AgentAvailability("nobody_online", self.hours.describe())
        return AgentAvailability("available", self.hours.describe())
