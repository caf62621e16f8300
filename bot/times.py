"""Clocks, ``HH:MM`` times of day and IANA time-zone names (a base utility every layer may use)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Clock = Callable[[], datetime]

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def utcnow() -> datetime:
    """Return the current time, aware, in UTC (the edge of the system reads the clock)."""
    return datetime.now(UTC)


def parse_hhmm(value: str) -> time:
    """Parse ``HH:MM`` (24-hour clock) or raise ValueError saying what is allowed."""
    match = _HHMM.match(value.strip())
    if not match:
        raise ValueError(
            f"{value!r} is not a time of day; use HH:MM on a 24-hour clock, e.g. 07:30"
        )
    return time(int(match.group(1)), int(match.group(2)))


def parse_timezone(value: str) -> ZoneInfo:
    """Return the IANA zone named ``value`` or raise ValueError saying what is allowed."""
    try:
        if not value or value.startswith(("/", ".")) or ".." in value:
            raise ZoneInfoNotFoundError(value)
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not an IANA time zone; use a name like Europe/Berlin or UTC"
        ) from None
