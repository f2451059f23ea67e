"""Opening hours and presence decide whether a handoff can reach a person now."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.availability import AgentAvailability, Availability, parse_support_hours

# Monday 2 March 2026; Berlin is UTC+1 in March.
MONDAY_NOON_UTC = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=timezone.utc)


def test_weekday_hours_in_a_time_zone() -> None:
    hours = parse_support_hours("Mon-Fri 09:00-18:00, Sat 10:00-14:00", "Europe/Berlin")
    assert hours.is_open(at(2, 8, 0))  # 09:00 Berlin
    assert not hours.is_open(at(2, 7, 59))
    assert not hours.is_open(at(2, 17, 0))  # 18:00 Berlin: closed
    assert hours.is_open(at(7, 9, 30))  # Saturday 10:30 Berlin
    assert not hours.is_open(at(8, 10, 0))  # Sunday
    assert hours.describe() == "Mon-Fri 09:00-18:00, Sat 10:00-14:00 (Europe/Berlin time)"
    assert hours.next_open(at(7, 13, 0)) == at(9, 8, 0)  # after Saturday: Monday 09:00 Berlin


def test_overnight_and_whole_day_spans() -> None:
    night = parse_support_hours("Fri 22:00-06:00", "UTC")
    assert night.is_open(at(6, 23, 0))  # Friday night
    assert night.is_open(at(7, 5, 59))  # Saturday early morning, opened on Friday
    assert not night.is_open(at(7, 6, 0))
    assert not night.is_open(at(5, 23, 0))  # Thursday night
    whole = parse_support_hours("Sun-Mon 00:00-24:00", "UTC")  # a range across the week's end
    assert whole.is_open(at(8, 23, 59))
    assert whole.is_open(at(2, 0, 0))
    assert not whole.is_open(at(3, 0, 0))


@pytest.mark.parametrize("text", ["", "always", "  ALWAYS "])
def test_empty_or_always_is_open_around_the_clock(text: str) -> None:
    hours = parse_support_hours(text, "UTC")
    assert hours.always
    assert hours.is_open(MONDAY_NOON_UTC)
    assert hours.next_open(MONDAY_NOON_UTC) is None


@pytest.mark.parametrize(
    ("text", "zone", "message"),
    [
        ("Mon-Fry 09:00-18:00", "UTC", "'Fry' is not one of"),
        ("Mon 9-18", "UTC", "is not like 'Mon-Fri 09:00-18:00'"),
        ("Mon 25:00-26:00", "UTC", "is not a time of day"),
        ("Mon 09:00-09:00", "UTC", "opens and closes at the same time"),
        ("Mon 09:00-18:00", "Mars/Olympus", "is not a time zone name"),
    ],
)
def test_a_wrong_setting_says_what_is_wrong(text: str, zone: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_support_hours(text, zone)


def test_availability_codes() -> None:
    hours = parse_support_hours("Mon-Fri 09:00-18:00", "UTC")
    present: list[str] = []
    now = Availability(hours, lambda: present, clock=lambda: MONDAY_NOON_UTC)
    assert now.now() == AgentAvailability("nobody_online", "Mon-Fri 09:00-18:00 (UTC time)")
    present.append("sam")
    assert now.now().available
    closed = Availability(hours, lambda: ["sam"], clock=lambda: at(7, 12))
    decided = closed.now()
    assert (decided.code, decided.next_open) == ("closed", at(9, 9))
