"""Alerts: one bad event or subscriber never holds up everyone else's alerts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.delivery.alerts import AlertService
from bot.events.service import EventService
from storage.unit_of_work import Database
from tests.delivery.conftest import BAD, GOOD, T0, break_event


async def test_alerts_skip_a_bad_event_and_a_bad_chat(
    world: tuple[Database, EventService, Path], caplog: pytest.LogCaptureFixture
) -> None:
    db, events, path = world
    break_event(path, "Cesena")
    queued = await AlertService(db, events).check(T0 + timedelta(minutes=1))
    async with db.unit_of_work() as uow:
        good = await uow.outbox.list_messages(chat_id=GOOD)
        bad = await uow.outbox.list_messages(chat_id=BAD)
    assert queued == 1
    assert len(good) == 1 and "Antwerp" in good[0].text
    assert bad == []
    assert "alerts about event" in caplog.text  # the broken event, logged
    assert "cannot alert chat 12" in caplog.text  # the broken zone, logged


async def test_an_event_placed_while_a_check_lists_it_is_alerted_as_analysed(
    tmp_path: Path,
) -> None:
    """A placement commits after the check's analysis pass, before it lists the candidates.

    The alert and the chat's mark must carry the event's analysed state: a mark left with the
    unanalysed one made the next check tell a following chat the same news again.
    """
    from typing import Any

    from sqlalchemy import event as sa_event
    from sqlalchemy.util import await_only

    from bot.ingest.pipeline import Pipeline
    from storage.db import upgrade
    from tests.e2e.test_rising_toll import STEPS, _article

    url = f"sqlite:///{tmp_path / 'race.db'}"
    upgrade(url)
    db = Database(url)
    events = EventService()
    pipeline = Pipeline(db, events, clock=lambda: T0)
    async with db.unit_of_work() as uow:
        sub = await uow.subscribers.upsert(
            GOOD, timezone="UTC", digest_time="07:30", now=T0 - timedelta(hours=1)
        )
        await uow.subscriptions.add(sub.id, "", now=T0)
    placed: list[str] = []

    def place_before_listing(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The candidates' query (events by last change); every earlier one found nothing.
        listing = "FROM events" in statement and "ORDER BY events.last_updated DESC" in statement
        if listing and not placed:
            placed.append(statement)
            await_only(pipeline.ingest([_article(*STEPS[0])]))

    sa_event.listen(db.engine.sync_engine, "before_cursor_execute", place_before_listing)
    try:
        alerts = AlertService(db, events, min_sources=1)
        assert await alerts.check(T0) == 1
        assert placed
        async with db.unit_of_work() as uow:
            (record,) = await uow.events.list_recent_events(limit=5)
            mark = (await uow.alerts.get_marks_for_event(record.id))[sub.id]
            (message,) = await uow.outbox.list_messages(chat_id=GOOD)
            await uow.alerts.set_follow(sub.id, record.id, "follow")
        assert record.analysis_due is None and record.signature
        assert mark.signature == record.signature
        assert message.idempotency_key == f"alert:{GOOD}:{record.id}:{record.signature}"
        # Nothing changed since: a chat following the event hears nothing more.
        assert await alerts.check(T0 + timedelta(minutes=2)) == 0
    finally:
        await db.dispose()
