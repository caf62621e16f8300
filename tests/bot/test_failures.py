"""One bad event or subscriber never holds up everyone else's alerts and digests."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.delivery.alerts import AlertService
from bot.delivery.digests import DigestService
from bot.events import EventService
from bot.ingest.files import read_paths
from bot.pipeline import Pipeline
from storage.db import upgrade
from storage.unit_of_work import Database
from tests.bot.conftest import ANTWERP_STRIKE, CESENA_FLOOD, SAMPLES

T0 = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)
GOOD, BAD = 11, 12


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Database, EventService, Path]]:
    """Two events with two sources each, a healthy chat and one whose zone is garbage."""
    path = tmp_path / "failures.db"
    upgrade(f"sqlite:///{path}")
    db = Database(f"sqlite:///{path}")
    events = EventService()
    async with db.unit_of_work() as uow:
        for chat in (GOOD, BAD):
            sub = await uow.subscribers.upsert(
                chat, timezone="UTC", digest_time="07:30", now=T0 - timedelta(hours=1)
            )
            await uow.subscriptions.add(sub.id, "", now=T0)
        # Stored by an older version or by hand: not a zone this one can read.
        await uow.subscribers.set_fields(BAD, timezone="Mars/Olympus")
    paths = [SAMPLES / name for name in (*ANTWERP_STRIKE, *CESENA_FLOOD)]
    await Pipeline(db, events, clock=lambda: T0).ingest(
        read_paths(paths, max_bytes=1_000_000, inbox=SAMPLES)
    )
    yield db, events, path
    await db.dispose()


def _break_event(path: Path, headline_word: str) -> None:
    """Corrupt one event's article versions so that its briefing cannot be built."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE article_versions SET fetched = 'not a time' WHERE article_id IN ("
            " SELECT a.id FROM articles a JOIN events e ON e.id = a.event_id"
            " WHERE e.headline LIKE ?)",
            (f"%{headline_word}%",),
        )


async def test_alerts_skip_a_bad_event_and_a_bad_chat(
    world: tuple[Database, EventService, Path], caplog: pytest.LogCaptureFixture
) -> None:
    db, events, path = world
    _break_event(path, "Savio")
    queued = await AlertService(db, events).check(T0 + timedelta(minutes=1))
    async with db.unit_of_work() as uow:
        good = await uow.outbox.list_messages(chat_id=GOOD)
        bad = await uow.outbox.list_messages(chat_id=BAD)
    assert queued == 1
    assert len(good) == 1 and "Antwerp" in good[0].text
    assert bad == []
    assert "alerts about event" in caplog.text  # the broken event, logged
    assert "cannot alert chat 12" in caplog.text  # the broken zone, logged


async def test_digests_skip_a_bad_event_and_retry_a_bad_chat_later(
    world: tuple[Database, EventService, Path], caplog: pytest.LogCaptureFixture
) -> None:
    db, events, path = world
    _break_event(path, "Savio")
    now = T0 + timedelta(minutes=1)
    async with db.unit_of_work() as uow:
        for chat in (GOOD, BAD):
            await uow.subscribers.set_fields(chat, next_digest_at=now)
    assert await DigestService(db, events).sweep(now) == 1
    async with db.unit_of_work() as uow:
        (digest,) = await uow.outbox.list_messages(chat_id=GOOD)
        bad_chat = await uow.subscribers.get_subscriber(BAD)
        assert await uow.outbox.list_messages(chat_id=BAD) == []
    assert "Antwerp" in digest.text and "Cesena" not in digest.text
    assert bad_chat is not None and bad_chat.next_digest_at == now + timedelta(hours=1)
    assert "digest for chat 12 failed" in caplog.text
    assert "left out of digests" in caplog.text
