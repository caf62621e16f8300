"""Digests: a sweep per local day across DST, a moved digest time, and a bad event or chat
that never holds up the rest."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.delivery.digests import DigestService
from bot.delivery.schedule import next_digest_at
from bot.events.service import EventService
from bot.services.subscribers import SubscriberService
from storage.db import upgrade
from storage.unit_of_work import Database, UnitOfWork
from tests.delivery.conftest import BAD, GOOD, T0, break_event

BERLIN = ZoneInfo("Europe/Berlin")


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc, arg-type]


async def _event(uow: UnitOfWork, headline: str, now: datetime) -> None:
    source = await uow.sources.get_or_create_id("Wire", now=now)
    article = await uow.articles.add(
        identity=headline, source_id=source, location=headline, fingerprint=None, now=now
    )
    text = "Officials said the council met on Tuesday to discuss the harbour plan."
    await uow.articles.add_version(
        article_id=article, title=headline, text=text, content_hash=headline,
        published=now, updated=None, now=now,
    )  # fmt: skip
    event_id = await uow.events.create(headline=headline, now=now)
    await uow.articles.set_event(article, event_id)
    await uow.events.update(event_id, changed_at=now)


async def test_sweep_sends_one_digest_per_local_day_across_dst(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'digest.db'}"
    upgrade(url)
    db = Database(url)
    try:
        start = _utc(2026, 3, 27, 12, 0)
        async with db.unit_of_work() as uow:
            sub = await uow.subscribers.upsert(
                77, timezone="Europe/Berlin", digest_time="07:30", now=start
            )
            await uow.subscriptions.add(sub.id, "", now=start)
            await uow.subscribers.set_fields(
                77, next_digest_at=next_digest_at(BERLIN, time(7, 30), start)
            )
        digests = DigestService(db, EventService())
        now = start
        while now < _utc(2026, 3, 31, 12, 0):
            async with db.unit_of_work() as uow:
                # A new event every 6 hours, so each digest has something to say.
                if now.hour % 6 == 0 and now.minute == 0:
                    await _event(uow, f"Event at {now:%d %H:%M}", now)
            await digests.sweep(now)
            if now.minute == 0 and now.hour == 9:
                await DigestService(db, EventService()).sweep(now)  # a restart: no repeat
            now += timedelta(minutes=30)
        async with db.unit_of_work() as uow:
            messages = await uow.outbox.list_messages(chat_id=77)
            after = await uow.subscribers.get_subscriber(77)
    finally:
        await db.dispose()
    keys = [m.idempotency_key for m in messages]
    # One per local day at 07:30, the offset changing with the clocks.
    assert keys == ["digest:77:2026-03-28T07:30+01:00"] + [
        f"digest:77:2026-03-{d}T07:30+02:00" for d in (29, 30, 31)
    ]
    queued_at = [m.next_attempt_at for m in messages]
    assert queued_at == [_utc(2026, 3, 28, 6, 30)] + [_utc(2026, 3, d, 5, 30) for d in (29, 30, 31)]
    assert after is not None and after.next_digest_at == _utc(2026, 4, 1, 5, 30)
    assert all("Event at" in m.text for m in messages)


async def test_moving_the_digest_later_the_same_day_still_sends_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'digest.db'}"
    upgrade(url)
    db = Database(url)
    now = _utc(2026, 5, 4, 6, 0)
    try:
        async with db.unit_of_work() as uow:
            sub = await uow.subscribers.upsert(77, timezone="UTC", digest_time="07:30", now=now)
            await uow.subscriptions.add(sub.id, "", now=now)
            await uow.subscribers.set_fields(77, next_digest_at=_utc(2026, 5, 4, 7, 30))
            await _event(uow, "Morning event", now)
        digests = DigestService(db, EventService())
        assert await digests.sweep(_utc(2026, 5, 4, 7, 30)) == 1
        async with db.unit_of_work() as uow:
            await _event(uow, "Later event", _utc(2026, 5, 4, 8, 0))
        # At 09:00 the chat moves its digest to 10:00: today's second slot, not tomorrow's.
        clock = _utc(2026, 5, 4, 9, 0)
        subscribers = SubscriberService(db, Settings(), clock=lambda: clock)
        moved = await subscribers.set_digest(77, time(10, 0))
        assert moved.subscriber.next_digest_at == _utc(2026, 5, 4, 10, 0)
        assert await digests.sweep(_utc(2026, 5, 4, 10, 0)) == 1
        async with db.unit_of_work() as uow:
            messages = await uow.outbox.list_messages(chat_id=77)
    finally:
        await db.dispose()
    assert [m.idempotency_key for m in messages] == [
        "digest:77:2026-05-04T07:30+00:00",
        "digest:77:2026-05-04T10:00+00:00",
    ]
    assert "Morning event" in messages[0].text
    assert "Later event" in messages[1].text and "Morning event" not in messages[1].text


async def test_digests_skip_a_bad_event_and_retry_a_bad_chat_later(
    world: tuple[Database, EventService, Path], caplog: pytest.LogCaptureFixture
) -> None:
    db, events, path = world
    break_event(path, "Cesena")
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


async def test_a_digest_failing_on_a_full_disk_is_retried_in_a_minute(
    world: tuple[Database, EventService, Path],
) -> None:
    from tests.fakes.faults import writes_refused

    db, events, path = world
    now = T0 + timedelta(minutes=1)
    async with db.unit_of_work() as uow:
        await uow.subscribers.set_fields(GOOD, next_digest_at=now)
    with writes_refused(f"sqlite:///{path}", "outbox", on="INSERT"):
        assert await DigestService(db, events).sweep(now) == 0
    async with db.unit_of_work() as uow:
        chat = await uow.subscribers.get_subscriber(GOOD)
    assert chat is not None and chat.next_digest_at == now + timedelta(minutes=1)
    assert await DigestService(db, events).sweep(now + timedelta(minutes=1)) == 1
