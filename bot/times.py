"""Clocks, ``HH:MM`` times of day and IANA time-zone names (a base utility every layer may use)."""

from __future__ import annotations

import functools
import re
import zoneinfo
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


class UnknownZone(ValueError):
    """A time zone name matched nothing; ``suggestions`` are the closest real names."""

    def __init__(self, value: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"{value!r} is not an IANA time zone; use a name like Europe/Berlin or UTC{hint}"
        )
        self.value = value
        self.suggestions = suggestions


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


@functools.cache
def _zones_by_city() -> dict[str, str]:
    """Map a city ("berlin", "new_york") to its zone when exactly one canonical zone has it."""
    cities: dict[str, list[str]] = {}
    for name in zoneinfo.available_timezones():
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
            cities.setdefault(name.rsplit("/", 1)[1].casefold(), []).append(name)
    return {city: names[0] for city, names in cities.items() if len(names) == 1}


def suggest_timezones(value: str, *, limit: int = 3) -> list[str]:
    """Return the real zone names closest to ``value`` (by whole name and by city)."""
    from rapidfuzz import fuzz, process, utils

    names = _zones_by_folded_name()
    folded = value.casefold().replace(" ", "_")
    found = process.extract(
        folded, list(names), scorer=fuzz.WRatio, processor=utils.default_process, limit=limit * 2
    )
    best = found[0][1] if found else 0.0
    good = [names[match] for match, score, _ in found if score >= max(70.0, best - 5.0)]
    return list(dict.fromkeys(good))[:limit]


def parse_timezone(value: str) -> ZoneInfo:
    """Return the IANA zone named ``value`` in any letter case, or raise UnknownZone.

    ``europe/berlin`` and ``berlin`` are Europe/Berlin; a typo raises with the closest names as
    suggestions.
    """
    if not value or value.startswith(("/", ".")) or ".." in value or len(value) > 64:
        raise UnknownZone(value, [])
    folded = value.casefold().replace(" ", "_")
    name = _zones_by_folded_name().get(folded) or _zones_by_city().get(folded)
    if name is None:
        raise UnknownZone(value, suggest_timezones(value))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownZone(value, []) from None
