"""Digest and quiet-hour times in a subscriber's zone, correct across DST changes (pure)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.times import parse_hhmm

_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


def local_slot(day: date, at: time, zone: tzinfo) -> datetime:
    """Return ``at`` on ``day`` in ``zone`` as UTC.

    A wall time skipped by a spring-forward change falls after the gap (02:30 becomes 03:30);
    a repeated one in autumn means its first occurrence.
    """
    naive = datetime.combine(day, at)
    # fold=0 reads a skipped time with the offset before the gap, i.e. it lands after the gap.
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def next_digest_at(zone: tzinfo, at: time, now: datetime) -> datetime:
    """Return the first digest time strictly after ``now`` (aware), in UTC.

    Args:
        zone: the subscriber's time zone.
        at: the local wall time of the digest.
        now: the current instant (timezone-aware).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(zone).date()
    for offset in range(-1, 3):
        candidate = local_slot(today + timedelta(days=offset), at, zone)
        if candidate > now:
            return candidate
    raise AssertionError("unreachable: a local day is never longer than 48 hours")


def local_day(instant: datetime, zone: tzinfo) -> date:
    """Return the calendar date of ``instant`` in ``zone``."""
    return instant.astimezone(zone).date()


def parse_quiet(value: str) -> tuple[time, time]:
    """Parse ``HH:MM-HH:MM`` or raise ValueError saying what is allowed."""
    match = _RANGE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a range; use HH:MM-HH:MM, e.g. 22:00-07:00")
    start, end = parse_hhmm(match.group(1)), parse_hhmm(match.group(2))
    if start == end:
        raise ValueError("quiet hours must start and end at different times")
    return start, end


def in_quiet_hours(now: datetime, zone: tzinfo, start: time, end: time) -> bool:
    """Tell whether the local wall time of ``now`` falls in [start, end) (may wrap midnight)."""
    wall = now.astimezone(zone).time().replace(tzinfo=None)
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end
