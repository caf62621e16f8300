"""The pipeline: listeners hear every store that added something, on every path; a store that
fails or races loses nothing, says why in one line, and the item comes back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.config import Settings
from bot.events.service import EventService
from bot.ingest.inbox import InboxWatcher
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from bot.ingest.pipeline import Pipeline
from bot.ingest.poller import FeedPoller
from storage.unit_of_work import Database
from tests.fakes.faults import REFUSAL, articles_refused
from tests.fakes.feeds import FakeFeedServer, rss
from tests.ingest.test_poller import add_feed, full_item, get_feed, story_text

TEXT = (
    "The harbour authority closed the northern pier on Tuesday after a crane collapsed onto a "
    "cargo ship during unloading. Two workers were treated for minor injuries, the authority "
    "said, and the ship's crew stayed on board while engineers inspected the hull."
)


def story(text: str = TEXT, *, identity: str = "https://port.example/crane") -> ParsedArticle:
    return ParsedArticle(
        title="Crane collapses at the harbour",
        text=text,
        source="Port Wire",
        location=identity,
        identity=identity,
    )


async def test_after_store_hears_new_articles_and_versions_only(pipeline: Pipeline) -> None:
    heard: list[IngestResult] = []
    pipeline.after_store(heard.append)
    rejected = IngestResult("bad.txt", Outcome.REJECTED, reason="not an article")

    results = await pipeline.ingest([story(), story(), rejected])
    edited = await pipeline.ingest_one(story(TEXT + " The pier reopened on Wednesday."))

    assert [r.outcome for r in results] == [Outcome.NEW, Outcome.UNCHANGED, Outcome.REJECTED]
    assert edited.outcome is Outcome.VERSION
    assert [r.outcome for r in heard] == [Outcome.NEW, Outcome.VERSION]
    assert heard[0].event_id is not None and heard[0].event_id == edited.event_id


async def test_a_failing_listener_loses_nothing(
    pipeline: Pipeline, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    heard: list[IngestResult] = []

    def broken(_result: IngestResult) -> None:
        raise RuntimeError("listener bug")

    pipeline.after_store(broken)
    pipeline.after_store(heard.append)

    (result,) = await pipeline.ingest([story()])

    assert result.outcome is Outcome.NEW and len(heard) == 1
    assert "after-store hook failed" in caplog.text
    async with database.unit_of_work() as uow:
        assert (await uow.stats.count_all()).articles == 1


# --- a store that fails or races ---------------------------------------------------------

NOW = datetime(2026, 1, 8, 12, 0, tzinfo=UTC)


@pytest.fixture
async def poller(database: Database) -> AsyncIterator[FeedPoller]:
    settings = Settings(allow_private_feeds=True, poll_interval=600)
    poller = FeedPoller(database, Pipeline(database, EventService(), clock=lambda: NOW), settings)
    yield poller
    await poller.close()


def assert_short_storage_reason(result: IngestResult) -> None:
    assert result.outcome is Outcome.REJECTED and result.retry
    assert result.reason == f"storage error, will retry: {REFUSAL}"


async def test_entry_the_database_refused_is_stored_on_the_next_poll(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    url = server.feed("/feed.xml", rss([full_item(1), full_item(2), full_item(3)]))
    feed = await add_feed(database, url)
    with articles_refused(database.url, "%/story/2"):
        first = await poller.poll_feed(feed, NOW)
    assert first.status == "ok"
    assert [r.outcome for r in first.results] == [Outcome.NEW, Outcome.REJECTED, Outcome.NEW]
    assert_short_storage_reason(first.results[1])
    assert "1 to retry" in first.describe()
    # The ETag is not kept, so the next poll gets the whole feed (not a 304) and story 2.
    assert (await get_feed(database, feed.id)).etag is None

    second = await poller.poll_feed(await get_feed(database, feed.id), NOW + timedelta(hours=1))
    assert second.status == "ok"
    outcomes = [r.outcome for r in second.results]
    assert outcomes == [Outcome.UNCHANGED, Outcome.NEW, Outcome.UNCHANGED]
    assert (await get_feed(database, feed.id)).etag == '"v1"'
    third = await poller.poll_feed(await get_feed(database, feed.id), NOW + timedelta(hours=2))
    assert third.status == "not-modified"


async def test_inbox_file_the_database_refused_is_read_again(
    tmp_path: Path, database: Database
) -> None:
    inbox = tmp_path / "inbox"
    for name, n in (("first.txt", 1), ("second.txt", 2)):
        path = inbox / "Wire" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Story {n}\n\n{story_text(n)}", encoding="utf-8")
    watcher = InboxWatcher(inbox, Pipeline(database, EventService()), max_bytes=100_000)
    with articles_refused(database.url, "file:Wire/second.txt"):
        first = await watcher.scan()
    assert [r.outcome for r in first] == [Outcome.NEW, Outcome.REJECTED]
    assert_short_storage_reason(first[1])

    again = await watcher.scan()  # nothing changed on disk, but second.txt was never stored
    assert [(r.outcome, Path(r.location).name) for r in again] == [(Outcome.NEW, "second.txt")]
    assert await watcher.scan() == []


def article(n: int, source: str) -> ParsedArticle:
    url = f"https://new-outlet.example/{n}"
    return ParsedArticle(
        title=f"Story {n}", text=story_text(n), source=source, location=url, identity=url
    )


async def test_concurrent_ingests_from_a_new_source_are_all_stored(database: Database) -> None:
    # The inbox watcher, the poller and admin uploads share one pipeline.
    pipeline = Pipeline(database, EventService())
    results = await asyncio.gather(*(pipeline.ingest_one(article(n, "Brand New")) for n in (1, 2)))
    assert [r.outcome for r in results] == [Outcome.NEW, Outcome.NEW], results
    same = article(3, "Brand New")
    results = list(await asyncio.gather(pipeline.ingest_one(same), pipeline.ingest_one(same)))
    assert sorted(r.outcome for r in results) == sorted([Outcome.NEW, Outcome.UNCHANGED])


async def test_source_created_by_another_process_meanwhile_is_reused(
    database: Database,
) -> None:
    """Two units of work (as two processes would) create the same new source at once."""
    reached_insert = asyncio.Event()

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO SOURCES"):
            reached_insert.set()

    async def second_process() -> int:
        async with database.unit_of_work() as uow:
            return await uow.sources.get_or_create_id("Brand New", now=NOW)

    async with database.unit_of_work() as first:
        first_id = await first.sources.get_or_create_id("Brand New", now=NOW)
        event.listen(database.engine.sync_engine, "before_cursor_execute", watch)
        try:
            # The second one looks (finds nothing yet: not committed) and tries to insert;
            # its insert waits for the first transaction, which then commits.
            second = asyncio.create_task(second_process())
            await reached_insert.wait()
        finally:
            event.remove(database.engine.sync_engine, "before_cursor_execute", watch)
    assert await second == first_id
    async with database.unit_of_work() as uow:
        assert (await uow.stats.count_all()).sources == 1
