"""Events change "in substance" only for a new source, a new figure or a substantive edit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.events.service import EventService
from bot.ingest.model import Outcome, ParsedArticle
from bot.ingest.pipeline import Pipeline
from storage.unit_of_work import Database
from tests.briefing.fixtures import load_article
from tests.fakes.clock import StepClock

START = datetime(2026, 1, 8, 6, 0, tzinfo=UTC)


def five_minute_clock() -> StepClock:
    """Five minutes later at every reading, from START + 5 minutes."""
    return StepClock(START + timedelta(minutes=5), timedelta(minutes=5))


def parsed(name: str, url: str) -> ParsedArticle:
    fixture = load_article(name)
    return ParsedArticle(
        title=fixture.title, text=fixture.body, source=fixture.source, location=url, identity=url
    )


async def changed_at(db: Database, event_id: int) -> datetime:
    async with db.unit_of_work() as uow:
        record = await uow.events.get_event(event_id)
    assert record is not None
    return record.changed_at


async def test_substance_moves_changed_at_and_cosmetic_edits_do_not(database: Database) -> None:
    pipeline = Pipeline(database, EventService(), clock=five_minute_clock())
    a = "https://northgate.example/strike"
    b = "https://harbourdaily.example/strike"

    [first] = await pipeline.ingest([parsed("strike_outlet_a.txt", a)])
    assert first.event_id is not None
    event = first.event_id
    t1 = await changed_at(database, event)

    [second] = await pipeline.ingest([parsed("strike_outlet_b_v1.txt", b)])
    assert second.event_id == event  # the same strike, another outlet
    t2 = await changed_at(database, event)
    assert t2 > t1  # a new source with conflicting figures

    [update] = await pipeline.ingest([parsed("strike_outlet_b_v2.txt", b)])
    assert update.outcome is Outcome.VERSION
    t3 = await changed_at(database, event)
    assert t3 > t2  # new headline, statement and figure

    tram = "https://harbourdaily.example/tram"
    [v1] = await pipeline.ingest([parsed("cosmetic_v1.txt", tram)])
    assert v1.event_id is not None and v1.event_id != event
    t_tram = await changed_at(database, v1.event_id)
    [v2] = await pipeline.ingest([parsed("cosmetic_v2.txt", tram)])
    assert v2.outcome is Outcome.VERSION and v2.event_id == v1.event_id
    assert await changed_at(database, v1.event_id) == t_tram  # cosmetic: never news
    assert await changed_at(database, event) == t3


async def test_restart_replays_the_index_and_keeps_clustering(database: Database) -> None:
    clock = five_minute_clock()
    a = "https://northgate.example/strike"
    b = "https://harbourdaily.example/strike"
    [first] = await Pipeline(database, EventService(), clock=clock).ingest(
        [parsed("strike_outlet_a.txt", a)]
    )
    # A new process: a fresh EventService must rebuild its index from the database.
    [second] = await Pipeline(database, EventService(), clock=clock).ingest(
        [parsed("strike_outlet_b_v1.txt", b)]
    )
    assert second.event_id == first.event_id


def _undated_story(n: int) -> ParsedArticle:
    """An undated article about a topic of its own (made-up words, so no two join)."""
    letters = "bcdfghklmnprstvz"
    topic = [letters[n % 16] + "o" + letters[(n * 7 + k) % 16] + "an" + str(k) for k in range(9)]
    body = " ".join(
        f"The {topic[k % 9]} council said the {topic[(k + 3) % 9]} plan was approved."
        for k in range(12)
    )
    url = f"https://undated.example/{n}"
    return ParsedArticle(
        title=f"{topic[0].title()} approves {topic[1]}", text=body, source="Undated Wire",
        location=url, identity=url,
    )  # fmt: skip


async def test_undated_articles_leave_the_index_by_their_arrival(database: Database) -> None:
    """An undated article used to stay in the clustering index for good (issue 12)."""
    events = EventService()
    pipeline = Pipeline(database, events, clock=StepClock(START, timedelta(days=1)))
    for n in range(12):
        [result] = await pipeline.ingest([_undated_story(n)])
        assert result.outcome is Outcome.NEW and result.event_id is not None
    # One article a day for 12 days: only those of the last 7 days (and the newest) are held.
    assert len(events.index) <= 8
