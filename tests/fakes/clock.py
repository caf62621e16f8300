"""Clocks the tests set: one that steps at every reading, one that follows real time with an offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.times import utcnow


class StepClock:
    """A clock that reads ``start`` first and moves on by ``step`` at every later reading."""

    def __init__(
        self,
        start: datetime = datetime(2026, 1, 8, tzinfo=UTC),
        step: timedelta = timedelta(minutes=1),
    ) -> None:
        self.next = start
        self.step = step

    def __call__(self) -> datetime:
        now, self.next = self.next, self.next + self.step
        return now


class OffsetClock:
    """A settable clock that otherwise follows real time."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta
