"""The keyword search past the newest events: what it finds is the newest of all that match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.repositories.event_search import WINDOW
from storage.unit_of_work import Database

START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
EVENTS = WINDOW + 100


def _headline(n: int) -> str:
    words = ["Harbour crane report", f"number {n}"]
    if n == 0:
        words.append("Zephyrbridge")  # the oldest event alone, far outside the newest
    if n in (3, EVENTS - 5):
        words.append("Quillmoor")  # one old event and one among the newest
    if n in (1, 2):
        words.append("Tarnwick")  # two old events only
    return " ".join(words)


async def test_words_find_the_newest_matches_inside_and_past_the_newest_events(
    database: Database,
) -> None:
    async with database.unit_of_work() as uow:
        ids = [
            await uow.events.create(headline=_headline(n), now=START + timedelta(minutes=n))
            for n in range(EVENTS)
        ]

    async def found(words: list[str], limit: int) -> list[int]:
        async with database.reader() as uow:
            return await uow.events.list_matching_ids(words, limit=limit)

    assert await found(["zephyrbridge"], 1) == [ids[0]]
    assert await found(["quillmoor"], 1) == [ids[EVENTS - 5]]
    assert await found(["QUILLMOOR", "harbour"], 2) == [ids[EVENTS - 5], ids[3]]
    assert await found(["tarnwick", "crane"], 5) == [ids[2], ids[1]]
    assert await found(["harbour"], 3) == [ids[EVENTS - 1], ids[EVENTS - 2], ids[EVENTS - 3]]
    assert await found(["nobody-wrote-this"], 1) == []
    assert await found(["tarnwick", "nobody-wrote-this"], 1) == []
