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


async def changed_at(pipeline: Pipeline, event_id: int) -> datetime:
    """Read when the event last changed in substance, as a reader does (analysing it first)."""
    async with pipeline.db.unit_of_work() as uow:
        record = await pipeline.events.analysed(uow, event_id)
    assert record is not None and record.analysis_due is None
    return record.changed_at


async def test_substance_moves_changed_at_and_cosmetic_edits_do_not(database: Database) -> None:
    pipeline = Pipeline(database, EventService(), clock=five_minute_clock())
    a = "https://northgate.example/strike"
    b = "https://harbourdaily.example/strike"

    [first] = await pipeline.ingest([parsed("strike_outlet_a.txt", a)])
    assert first.event_id is not None
    event = first.event_id
    t1 = await changed_at(pipeline, event)

    [second] = await pipeline.ingest([parsed("strike_outlet_b_v1.txt", b)])
    assert second.event_id == event  # the same strike, another outlet
    t2 = await changed_at(pipeline, event)
    assert t2 > t1  # a new source with conflicting figures

    [update] = await pipeline.ingest([parsed("strike_outlet_b_v2.txt", b)])
    assert update.outcome is Outcome.VERSION
    t3 = await changed_at(pipeline, event)
    assert t3 > t2  # new headline, statement and figure

    tram = "https://harbourdaily.example/tram"
    [v1] = await pipeline.ingest([parsed("cosmetic_v1.txt", tram)])
    assert v1.event_id is not None and v1.event_id != event
    t_tram = await changed_at(pipeline, v1.event_id)
    [v2] = await pipeline.ingest([parsed("cosmetic_v2.txt", tram)])
    assert v2.outcome is Outcome.VERSION and v2.event_id == v1.event_id
    assert await changed_at(pipeline, v1.event_id) == t_tram  # cosmetic: never news
    assert await changed_at(pipeline, event) == t3


async def test_reading_dates_a_change_by_the_placement_that_made_it(database: Database) -> None:
    """Storing leaves the analysis due; read later, the change is dated by its own placement."""
    pipeline = Pipeline(database, EventService(), clock=five_minute_clock())
    a = "https://northgate.example/strike"
    b = "https://harbourdaily.example/strike"
    tram = "https://harbourdaily.example/tram"
    results = await pipeline.ingest(
        [
            parsed("strike_outlet_a.txt", a),
            parsed("strike_outlet_b_v1.txt", b),
            parsed("strike_outlet_b_v2.txt", b),
            parsed("cosmetic_v1.txt", tram),
            parsed("cosmetic_v2.txt", tram),
        ]
    )
    event, tram_event = results[0].event_id, results[3].event_id
    assert event is not None and tram_event is not None and event != tram_event
    async with database.unit_of_work() as uow:
        stored = await uow.events.get_event(event)
    assert stored is not None and stored.analysis_due == START + timedelta(minutes=5)
    # The clock read 06:05 ... 06:25: the strike changed with its third article (06:15), the
    # tram at its first (06:20) and never with its cosmetic edit.
    assert await changed_at(pipeline, event) == START + timedelta(minutes=15)
    assert await changed_at(pipeline, tram_event) == START + timedelta(minutes=20)
    async with database.unit_of_work() as uow:
        briefed = await pipeline.events.briefing(uow, event)
        again = await uow.events.get_event(event)
    assert briefed.event_id == event and again is not None and again.analysis_due is None


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
