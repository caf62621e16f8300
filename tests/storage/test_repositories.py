"""Repositories on SQLite and PostgreSQL: plain objects out, aware UTC datetimes, one commit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import StatementError

from bot.briefing.model import Article
from storage.unit_of_work import Database, UnitOfWork

NOW = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)


async def _article(db: Database, identity: str = "https://example.org/a") -> int:
    async with db.unit_of_work() as uow:
        source = await uow.sources.get_or_create_id("Harbour Herald", now=NOW)
        assert await uow.sources.get_or_create_id("Harbour Herald", now=NOW) == source
        article_id = await uow.articles.add(
            identity=identity, source_id=source, location=identity, fingerprint=b"\x01", now=NOW
        )
        await uow.articles.add_version(
            article_id=article_id,
            title="Missiles hit two bases",
            text="State television said 15 missiles were fired.",
            content_hash="h1",
            published=NOW - timedelta(hours=1),
            updated=None,
            now=NOW,
        )
    return article_id


async def test_articles_round_trip_as_plain_objects(database: Database) -> None:
    article_id = await _article(database)
    later = NOW.astimezone(timezone(timedelta(hours=3))) + timedelta(hours=2)
    async with database.unit_of_work() as uow:
        number = await uow.articles.add_version(
            article_id=article_id,
            title="Missiles hit two bases; 83 dead, state TV says",
            text="State television said 15 missiles were fired and 83 people died.",
            content_hash="h2",
            published=None,
            updated=later,
            now=later,
        )
        assert number == 2
    async with database.unit_of_work() as uow:
        article = await uow.articles.get_article_by_identity("https://example.org/a")
        assert await uow.articles.get_latest_hash(article_id) == "h2"
    assert isinstance(article, Article)
    assert article.source == "Harbour Herald"
    assert [v.number for v in article.versions] == [1, 2]
    assert article.latest.updated == NOW + timedelta(hours=2)
    assert article.latest.updated is not None and article.latest.updated.tzinfo is not None
    assert article.latest.updated.utcoffset() == timedelta(0)
    assert article.published == NOW - timedelta(hours=1)


async def test_aliases_point_at_their_article_and_go_with_it(database: Database) -> None:
    article_id = await _article(database)
    other_id = await _article(database, "https://example.org/other")
    copy = "https://example.org/a?edition=north"
    async with database.unit_of_work() as uow:
        await uow.articles.add_alias(
            identity=copy, article_id=article_id, content_hash="c", now=NOW
        )
        # A second recording of the same identity (a racing process) keeps the first.
        await uow.articles.add_alias(identity=copy, article_id=other_id, content_hash="d", now=NOW)
    async with database.unit_of_work() as uow:
        alias = await uow.articles.get_alias(copy)
        assert await uow.articles.get_alias("https://example.org/unknown") is None
        known = await uow.articles.list_known_identities([copy, "https://example.org/unknown"])
    assert alias is not None
    assert (alias.article_id, alias.article_location, alias.content_hash) == (
        article_id,
        "https://example.org/a",
        "c",
    )
    assert alias.created_at == NOW and alias.created_at.utcoffset() == timedelta(0)
    assert known == {copy}
    async with database.unit_of_work() as uow:
        await uow.session.exec(  # type: ignore[call-overload]
            text("DELETE FROM article_versions WHERE article_id = :id").bindparams(id=article_id)
        )
        await uow.session.exec(  # type: ignore[call-overload]
            text("DELETE FROM articles WHERE id = :id").bindparams(id=article_id)
        )
    async with database.unit_of_work() as uow:
        assert await uow.articles.get_alias(copy) is None


async def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with database.unit_of_work() as uow:
            await uow.events.create(headline="x", now=datetime(2026, 1, 1))


async def test_unit_of_work_rolls_back_on_error(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.unit_of_work() as uow:
            await uow.events.create(headline="never stored", now=NOW)
            raise RuntimeError("boom")
    async with database.unit_of_work() as uow:
        assert (await uow.stats.count_all()).events == 0


async def test_events_counts_search_and_documents(database: Database) -> None:
    article_id = await _article(database)
    async with database.unit_of_work() as uow:
        event_id = await uow.events.create(headline="Missiles hit two bases", now=NOW)
        await uow.articles.set_event(article_id, event_id)
        record = await uow.events.update(event_id, signature="abc", changed_at=NOW)
        assert (record.article_count, record.source_count, record.signature) == (1, 1, "abc")
        assert [e.id for e in await uow.events.list_matching_events(["missiles", "BASES"])] == [
            event_id
        ]
        assert await uow.events.list_matching_events(["earthquake"]) == []
        docs = await uow.articles.list_documents_since(NOW - timedelta(days=1))
        assert [(d.id, e) for d, e in docs] == [(article_id, event_id)]
        assert docs[0][0].source == "Harbour Herald"
        counts = await uow.stats.count_all()
    assert (counts.articles, counts.versions, counts.events, counts.sources) == (1, 1, 1, 1)


async def test_feeds_keep_error_state(database: Database) -> None:
    async with database.unit_of_work() as uow:
        feed = await uow.feeds.add(url="https://example.org/rss", name="example.org", now=NOW)
        again = await uow.feeds.add(url="https://example.org/rss", name="other", now=NOW)
        assert again.id == feed.id
        assert [f.id for f in await uow.feeds.list_due_feeds(NOW)] == [feed.id]
        await uow.feeds.record_poll(
            feed.id, now=NOW, next_poll_at=NOW + timedelta(hours=1), error="HTTP 500"
        )
        assert await uow.feeds.list_due_feeds(NOW) == []
        stored = await uow.feeds.find_feed(str(feed.id))
        assert stored is not None and stored.last_error == "HTTP 500" and stored.error_count == 1
        assert (await uow.stats.count_all()).failing_feeds == 1
        assert await uow.feeds.remove(feed.id)
        assert await uow.feeds.find_feed("https://example.org/rss") is None


async def test_outbox_queues_a_key_once(database: Database) -> None:
    async with database.unit_of_work() as uow:
        queued = [
            await uow.outbox.enqueue(key="alert:1", chat_id=5, kind="alert", text=text, now=NOW)
            for text in ("first", "again")
        ]
        messages = await uow.outbox.list_messages()
    assert queued == [True, False]
    assert [(m.text, m.state, m.parse_mode) for m in messages] == [("first", "pending", "HTML")]


async def _subscriber_and_event(db: Database) -> tuple[int, int]:
    async with db.unit_of_work() as uow:
        sub = await uow.subscribers.upsert(5, timezone="UTC", digest_time=None, now=NOW)
        event_id = await uow.events.create(headline="Missiles hit two bases", now=NOW)
    return sub.id, event_id


async def _race(
    db: Database, table: str, write: Callable[[UnitOfWork], Awaitable[Any]]
) -> tuple[Any, Any]:
    """Run ``write`` in two units of work at once, as two processes would; return both results."""
    reached_insert = asyncio.Event()

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            reached_insert.set()

    async def second_process() -> Any:
        async with db.unit_of_work() as uow:
            return await write(uow)

    async with db.unit_of_work() as first:
        first_result = await write(first)
        event.listen(db.engine.sync_engine, "before_cursor_execute", watch)
        try:
            # The second one looks (finds nothing yet: not committed) and tries to insert;
            # its insert waits for the first transaction, which then commits.
            second = asyncio.create_task(second_process())
            await reached_insert.wait()
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", watch)
    return first_result, await second


async def test_feed_added_by_another_process_meanwhile_is_returned(database: Database) -> None:
    async def add(uow: UnitOfWork) -> int:
        feed = await uow.feeds.add(url="https://example.org/rss", name="example.org", now=NOW)
        return feed.id

    first, second = await _race(database, "feeds", add)
    assert first == second
    async with database.unit_of_work() as uow:
        assert (await uow.stats.count_all()).feeds == 1


async def test_filter_added_by_another_process_meanwhile_is_not_added_twice(
    database: Database,
) -> None:
    subscriber_id, _ = await _subscriber_and_event(database)

    async def add(uow: UnitOfWork) -> bool:
        return await uow.subscriptions.add(subscriber_id, "quake", now=NOW)

    assert await _race(database, "subscriptions", add) == (True, False)
    async with database.unit_of_work() as uow:
        assert await uow.subscriptions.list_keywords(subscriber_id) == ["quake"]


async def test_subscriber_created_by_another_process_meanwhile_is_reused(
    database: Database,
) -> None:
    async def start(uow: UnitOfWork) -> int:
        sub = await uow.subscribers.upsert(42, timezone="UTC", digest_time="07:30", now=NOW)
        assert sub.active
        return sub.id

    first, second = await _race(database, "subscribers", start)
    assert first == second


async def test_alert_recorded_by_another_process_meanwhile_is_updated(
    database: Database,
) -> None:
    subscriber_id, event_id = await _subscriber_and_event(database)
    signatures = iter(["first", "second"])

    async def record(uow: UnitOfWork) -> None:
        await uow.alerts.record(subscriber_id, event_id, signature=next(signatures), now=NOW)

    await _race(database, "event_alerts", record)
    async with database.unit_of_work() as uow:
        marks = await uow.alerts.get_marks_for_event(event_id)
    assert [(m.subscriber_id, m.signature) for m in marks.values()] == [(subscriber_id, "second")]


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    from storage.db import upgrade

    upgrade(sqlite_url)
    db = Database(sqlite_url)
    try:
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 10000
    finally:
        await db.dispose()
