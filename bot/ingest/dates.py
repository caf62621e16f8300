"""Read the dates that articles, headers and feeds carry into timezone-aware UTC datetimes."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WORDY = [
    "%B %d, %Y %I:%M %p",
    "%B %d, %Y %H:%M",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%d %b %Y",
]
# "January 7, 2020 Updated: January 8, 2020" alone on a line under the headline.
DATELINE = re.compile(
    rf"^\s*(?:published:?\s*)?(?P<published>(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}"
    rf"(?:,?\s+\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?)?)"
    rf"(?:\s*[|·,;-]?\s*updated:?\s*(?P<updated>(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}"
    rf"(?:,?\s+\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?)?))?\s*$",
    re.IGNORECASE,
)


# A date outside these is a typo or an attack (0001-01-01, 9999-12-31): arithmetic near the
# limits of datetime overflows later, in whatever event the article joins, so it counts as none.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def plausible(value: datetime | None) -> datetime | None:
    """Return ``value`` (UTC) when it is between EARLIEST and LATEST, else None."""
    if value is None:
        return None
    try:
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None  # 9999-12-31T23:00-05:00 is in year 10000 in UTC
    return aware if EARLIEST <= aware < LATEST else None


def _aware(value: datetime) -> datetime | None:
    return plausible(value)


def parse_date(text: str | None) -> datetime | None:
    """Return the UTC datetime written in ``text`` (ISO 8601, RFC 2822 or words), or None."""
    if not text:
        return None
    value = text.strip()
    if not value:
        return None
    try:
        return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return _aware(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        pass
    cleaned = re.sub(r"\s+", " ", value.replace(".", "")).strip()
    cleaned = re.sub(r"\b([ap])m\b", r"\1M", cleaned, flags=re.IGNORECASE)
    cleaned = re.sub(r"\bSept\b", "Sep", cleaned, flags=re.IGNORECASE)
    for fmt in _WORDY:
        try:
            return plausible(datetime.strptime(cleaned, fmt))
        except ValueError:
            continue
    return None


def from_struct(value: time.struct_time | None) -> datetime | None:
    """Return a UTC datetime from the ``struct_time`` feedparser gives (already in UTC)."""
    if value is None:
        return None
    try:
        return plausible(datetime(*value[:6], tzinfo=UTC))
    except (TypeError, ValueError, OverflowError):
        return None


def parse_dateline(line: str) -> tuple[datetime, datetime | None] | None:
    """Return (published, updated) when ``line`` is only a dateline, else None."""
    match = DATELINE.match(line)
    if not match:
        return None
    published = parse_date(match.group("published"))
    if published is None:
        return None
    return published, parse_date(match.group("updated"))
