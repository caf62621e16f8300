"""Digest times across DST changes and quiet hours (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.schedule import in_quiet_hours, next_digest_at, parse_quiet

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc, arg-type]


def test_next_digest_keeps_local_time_across_spring_forward() -> None:
    # Berlin moves from UTC+1 to UTC+2 on 29 March 2026.
    first = next_digest_at(BERLIN, time(7, 30), _utc(2026, 3, 28, 6, 0))
    assert first == _utc(2026, 3, 28, 6, 30)
    second = next_digest_at(BERLIN, time(7, 30), first)
    assert second == _utc(2026, 3, 29, 5, 30)
    assert second - first == timedelta(hours=23)
    assert second.astimezone(BERLIN).time() == time(7, 30)


def test_next_digest_keeps_local_time_across_fall_back() -> None:
    # New York moves from UTC-4 to UTC-5 on 1 November 2026.
    first = next_digest_at(NEW_YORK, time(7, 0), _utc(2026, 10, 31, 12, 0))
    assert first == _utc(2026, 11, 1, 12, 0)
    assert first.astimezone(NEW_YORK).time() == time(7, 0)
    assert next_digest_at(NEW_YORK, time(7, 0), first) == _utc(2026, 11, 2, 12, 0)


def test_skipped_and_repeated_wall_times() -> None:
    # 02:30 does not exist in Berlin on 29 March: it falls after the gap, once.
    skipped = next_digest_at(BERLIN, time(2, 30), _utc(2026, 3, 28, 23, 0))
    assert skipped == _utc(2026, 3, 29, 1, 30)
    assert skipped.astimezone(BERLIN).time() == time(3, 30)
    # 02:30 happens twice on 25 October: the digest comes at the first one only.
    repeated = next_digest_at(BERLIN, time(2, 30), _utc(2026, 10, 24, 22, 0))
    assert repeated == _utc(2026, 10, 25, 0, 30)
    assert next_digest_at(BERLIN, time(2, 30), repeated) == _utc(2026, 10, 26, 1, 30)


def test_next_digest_is_strictly_after_now_and_needs_aware_now() -> None:
    at = _utc(2026, 6, 1, 5, 30)  # 07:30 in Berlin
    assert next_digest_at(BERLIN, time(7, 30), at) == at + timedelta(days=1)
    assert next_digest_at(BERLIN, time(7, 30), at - timedelta(seconds=1)) == at
    with pytest.raises(ValueError):
        next_digest_at(BERLIN, time(7, 30), datetime(2026, 6, 1))


def test_quiet_hours_wrap_midnight() -> None:
    start, end = parse_quiet("22:00-07:00")
    assert in_quiet_hours(_utc(2026, 6, 1, 21, 0), BERLIN, start, end)  # 23:00 local
    assert not in_quiet_hours(_utc(2026, 6, 1, 6, 0), BERLIN, start, end)  # 08:00 local
    with pytest.raises(ValueError):
        parse_quiet("22:00")
