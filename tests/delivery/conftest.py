"""A stored world for the delivery tests: two events, a healthy chat and a broken one."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.events.service import EventService
from bot.ingest.files import read_paths
from bot.ingest.pipeline import Pipeline
from storage.db import upgrade
from storage.unit_of_work import Database
from tests.shared import ANTWERP_STRIKE, CESENA_FLOOD, SAMPLES

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


def break_event(path: Path, headline_word: str) -> None:
    """Corrupt one event's article versions so that its briefing cannot be built."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE article_versions SET fetched = 'not a time' WHERE article_id IN ("
            " SELECT a.id FROM articles a JOIN events e ON e.id = a.event_id"
            " WHERE e.headline LIKE ?)",
            (f"%{headline_word}%",),
        )
