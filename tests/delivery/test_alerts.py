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
