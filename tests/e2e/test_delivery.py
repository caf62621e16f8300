"""The outbox worker over HTTP, alone and inside the running bot: storms, a crash, blocked chats,
bad markup, Telegram's rate limits, retention; nothing lost or doubled."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from bisect import bisect_left
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.briefing.model import Briefing, SourceArticle, SourceEntry, SummarySentence
from bot.delivery.outbox import OutboxWorker
from bot.delivery.sender import RateLimiter
from bot.render.html import briefing_html
from bot.times import utcnow
from storage.db import upgrade
from storage.records import OutboxRecord
from storage.unit_of_work import Database
from tests.e2e.conftest import FAST
from tests.fakes.telegram import TOKEN, FakeTelegram, html_error, units
from tests.shared import ANTWERP_STRIKE, CESENA_FLOOD


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    upgrade(url)
    return url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    tg = Bot(
        TOKEN,
        base_url=f"{fake.api_url}/bot",
        base_file_url=f"{fake.api_url}/file/bot",
        request=HTTPXRequest(connection_pool_size=64),
    )
    async with tg:
        yield tg


def _worker(db: Database, bot: Bot, **kwargs: object) -> OutboxWorker:
    # Fast, and no Telegram window: these fakes enforce none.
    limiter = RateLimiter(per_second=1000, chat_interval=0.0, window_sends=1000)
    return OutboxWorker(db, bot, limiter=limiter, backoff_base=0.01, **kwargs)  # type: ignore[arg-type]


async def _enqueue(db: Database, chats: int, per_chat: int) -> list[str]:
    now = utcnow()
    texts = []
    async with db.unit_of_work() as uow:
        for n in range(per_chat):
            for chat in range(1, chats + 1):
                text = f"message {n} for <b>chat {chat}</b>"
                assert await uow.outbox.enqueue(
                    key=f"t:{chat}:{n}", chat_id=chat, kind="test", text=text, now=now
                )
                assert not await uow.outbox.enqueue(
                    key=f"t:{chat}:{n}", chat_id=chat, kind="test", text="again", now=now
                )
                texts.append(text)
    return texts


async def _deliver_all(worker: OutboxWorker, db: Database, *, within: float = 8) -> None:
    async with asyncio.timeout(within):
        while True:
            await worker.drain()
            async with db.unit_of_work() as uow:
                counts = await uow.outbox.count_by_state()
            if not counts.get("pending") and not counts.get("sending"):
                return
            await asyncio.sleep(0.01)


def _assert_exactly_once_in_order(fake: FakeTelegram, texts: list[str], chats: int) -> None:
    delivered = Counter(s.text for s in fake.sent)
    assert set(delivered) == set(texts), "lost or unknown messages"
    assert max(delivered.values()) == 1, "duplicated messages"
    for chat in range(1, chats + 1):
        numbers = [int(s.text.split()[1]) for s in fake.to(chat)]
        assert numbers == sorted(numbers), f"chat {chat} got its messages out of order"


async def test_storm_of_429_and_500_loses_and_duplicates_nothing(
    fake: FakeTelegram, bot: Bot, db: Database
) -> None:
    texts = await _enqueue(db, chats=40, per_chat=4)
    fake.random_500 = 0.15
    fake.fail_next(429, 3, retry_after=1)
    worker = _worker(db, bot)
    await _deliver_all(worker, db)
    _assert_exactly_once_in_order(fake, texts, 40)
    assert worker.stats.rate_limited == 3
    assert worker.stats.retried > 5
    assert worker.stats.sent == len(texts)
    async with db.unit_of_work() as uow:
        assert await uow.outbox.count_by_state() == {"sent": len(texts)}
        assert all(m.telegram_message_id for m in await uow.outbox.list_messages())


async def test_crash_between_queueing_and_sending_sends_each_once(
    fake: FakeTelegram, bot: Bot, db_url: str
) -> None:
    first = Database(db_url)
    texts = await _enqueue(first, chats=30, per_chat=2)
    fake.hold_after(20)  # Telegram stops answering: sends in flight are never acknowledged
    worker = _worker(first, bot, lease=timedelta(seconds=30))
    task = asyncio.create_task(worker.run(asyncio.Event()))

    async def marked() -> int:
        async with first.unit_of_work() as uow:
            return (await uow.outbox.count_by_state()).get("sent", 0)

    async with asyncio.timeout(10):
        while await marked() < 20:  # noqa: ASYNC110  (polls the database)
            await asyncio.sleep(0.01)
    task.cancel()  # the crash: no clean-up, claimed messages stay "sending"
    with pytest.raises(asyncio.CancelledError):
        await task
    async with first.unit_of_work() as uow:
        assert (await uow.outbox.count_by_state()).get("sending", 0) > 0
    await first.dispose()
    fake.hold_after(None)

    second = Database(db_url)  # the restarted process, on the same file
    try:
        later = _worker(second, bot, clock=lambda: utcnow() + timedelta(seconds=31))
        await _deliver_all(later, second)
    finally:
        await second.dispose()
    _assert_exactly_once_in_order(fake, texts, 30)


async def test_clean_stop_keeps_pending_messages_queued(
    fake: FakeTelegram, bot: Bot, db: Database
) -> None:
    texts = await _enqueue(db, chats=5, per_chat=3)
    worker = OutboxWorker(db, bot, limiter=RateLimiter(per_second=20, chat_interval=0.2))
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await fake.wait_for(lambda: len(fake.sent) >= 3)
    stop.set()
    await task
    async with db.unit_of_work() as uow:
        counts = await uow.outbox.count_by_state()
    assert counts.get("sending", 0) == 0
    assert counts["pending"] + counts["sent"] == len(texts)
    assert counts["pending"] > 0
    await _deliver_all(_worker(db, bot), db)
    _assert_exactly_once_in_order(fake, texts, 5)


async def test_blocked_chat_is_unsubscribed_and_its_messages_dropped(
    fake: FakeTelegram, bot: Bot, db: Database
) -> None:
    now = utcnow()
    async with db.unit_of_work() as uow:
        await uow.subscribers.upsert(2, timezone="UTC", digest_time="07:30", now=now)
    texts = await _enqueue(db, chats=3, per_chat=3)
    fake.fail_chat(2, 403)
    worker = _worker(db, bot)
    await _deliver_all(worker, db)
    assert [r.chat_id for r in fake.refused] == [2]
    assert {s.chat_id for s in fake.sent} == {1, 3}
    assert len(fake.sent) == len(texts) - 3
    async with db.unit_of_work() as uow:
        sub = await uow.subscribers.get_subscriber(2)
        assert sub is not None and not sub.active
        assert [m.state for m in await uow.outbox.list_messages(chat_id=2)] == ["dead"] * 3


async def test_unparsable_html_is_resent_as_plain_text(
    fake: FakeTelegram, bot: Bot, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with db.unit_of_work() as uow:
        await uow.outbox.enqueue(
            key="bad", chat_id=5, kind="test", text="<b>Broken &amp; bold", now=utcnow()
        )
    await _deliver_all(_worker(db, bot), db)
    assert [s.text for s in fake.sent] == ["Broken & bold"]
    assert fake.sent[0].parse_mode is None
    assert "renderer bug" in caplog.text


async def test_long_briefing_is_split_into_valid_messages(
    fake: FakeTelegram, bot: Bot, db: Database
) -> None:
    when = datetime(2026, 1, 8, 6, 0, tzinfo=UTC)
    summary = tuple(
        SummarySentence(f"Sentence {n}: " + "the ministry said the talks would go on " * 4, "Wire")
        for n in range(80)
    )
    briefing = Briefing(
        event_id=1,
        headline="A very long event",
        first_seen=when,
        last_updated=when,
        summary=summary,
        sources=(SourceEntry("Wire", (SourceArticle("A", "https://wire.example/a", 1, when),)),),
    )
    parts = briefing_html(briefing)
    assert len(parts) > 2
    async with db.unit_of_work() as uow:
        for n, part in enumerate(parts):
            assert units(part) <= 4096 and not html_error(part)
            await uow.outbox.enqueue(key=f"long:{n}", chat_id=9, kind="test", text=part, now=when)
    await _deliver_all(_worker(db, bot), db)
    delivered = "\n".join(s.text for s in fake.to(9))
    assert [s.parse_mode for s in fake.to(9)] == ["HTML"] * len(parts)
    positions = [delivered.index(f"Sentence {n}:") for n in range(80)]
    assert positions == sorted(positions)


# --- through the running bot: Application, Runtime and worker as in production ----------------


async def _sent_exactly_once(bot: Any) -> list[OutboxRecord]:
    """Check every outbox message went out once, as recorded; return them."""
    # A message queued while the last check ran (an edit of a living message, say) is sent
    # within a moment: wait for the outbox to drain before counting.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(20):
            while True:
                async with bot.services.db.unit_of_work() as uow:
                    queued = await uow.outbox.list_messages()
                if all(m.state == "sent" for m in queued):
                    break
                await asyncio.sleep(0.05)
    left = [
        (m.idempotency_key, m.state, m.attempts, m.last_error, m.next_attempt_at.isoformat())
        for m in queued
        if m.state != "sent"
    ]
    assert not left, (bot.clock().isoformat(), left)
    delivered = Counter((s.chat_id, s.text) for s in bot.fake.sent)
    assert len(bot.fake.sent) == len(queued)
    by_id = {s.message_id: s for s in bot.fake.sent}
    for m in queued:
        assert delivered[(m.chat_id, m.text)] == 1, f"{m.idempotency_key} lost or duplicated"
        assert m.telegram_message_id is not None
        assert (by_id[m.telegram_message_id].chat_id, by_id[m.telegram_message_id].text) == (
            m.chat_id,
            m.text,
        )
    return queued


async def test_storm_through_the_running_bot_loses_and_duplicates_nothing(
    bot_factory: Any,
) -> None:
    chats = range(7001, 7031)
    async with bot_factory() as bot:
        for chat in chats:
            await bot.services.subscribers.start(chat)
        bot.fake.random_500 = 0.2
        bot.fake.fail_next(429, 3, retry_after=1)
        await bot.ingest(*ANTWERP_STRIKE, *CESENA_FLOOD)  # two alerts per chat
        async with bot.services.db.unit_of_work() as uow:
            for chat in chats:
                await uow.subscribers.set_fields(chat, next_digest_at=bot.clock())
        # The running bot's own digest job (every 0.2 s) may sweep them before this call does,
        # or hold the sweep while this one asks: either way each chat's digest is queued once.
        await bot.runtime.sweep_digests()
        async with asyncio.timeout(30):
            while True:
                async with bot.services.db.unit_of_work() as uow:
                    messages = await uow.outbox.list_messages()
                if {m.chat_id for m in messages if m.kind == "digest"} == set(chats):
                    break
                await asyncio.sleep(0.05)
        await bot.settle(within=30)
        queued = await _sent_exactly_once(bot)
    kinds = Counter(m.kind for m in queued)
    assert kinds["alert"] == 2 * len(chats) and kinds["digest"] >= len(chats)
    statuses = Counter(r.status for r in bot.fake.refused)
    assert statuses[429] == 3 and statuses[500] > 5
    assert bot.runtime.worker.stats.rate_limited == 3


async def test_blocked_chat_is_deactivated_by_the_running_bot(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        for chat in (8001, 8002, 8003):
            await bot.services.subscribers.start(chat)
        bot.fake.fail_chat(8002, 403)
        await bot.ingest(*ANTWERP_STRIKE)
        await bot.settle()
        assert [r.chat_id for r in bot.fake.refused] == [8002]
        async with bot.services.db.unit_of_work() as uow:
            blocked = await uow.subscribers.get_subscriber(8002)
            assert [m.state for m in await uow.outbox.list_messages(chat_id=8002)] == ["dead"]
        assert blocked is not None and not blocked.active
        await bot.ingest(*CESENA_FLOOD)  # the next alert skips the blocked chat
        await bot.settle()
    assert [r.chat_id for r in bot.fake.refused] == [8002]
    assert [len(bot.fake.to(chat)) for chat in (8001, 8002, 8003)] == [2, 0, 2]


async def test_sends_keep_to_telegrams_limits_and_pause_after_429s(bot_factory: Any) -> None:
    """The real pace: ~29/s overall, 1 s between messages to one chat, replies included; 429s
    for several chats at once (the bot as a whole too fast) pause everything."""
    chats, per_chat = range(1, 21), 3
    timings = replace(FAST, per_second=29.0, chat_interval=1.0)
    async with bot_factory(timings) as bot:
        async with bot.services.db.unit_of_work() as uow:
            for n in range(per_chat):
                for chat in chats:
                    await uow.outbox.enqueue(
                        key=f"r:{chat}:{n}", chat_id=chat, kind="test", text=f"{n}", now=bot.clock()
                    )
        bot.fake.fail_next(429, 3, retry_after=1)
        bot.runtime.worker.wake()
        await bot.fake.wait_for(lambda: len(bot.fake.refused) == 3)
        await bot.fake.command(99, "/help")  # a reply asked for during the pause waits too
        total = len(chats) * per_chat + 1
        await bot.fake.wait_for(lambda: len(bot.fake.sent) == total, within=20)
    refusal = bot.fake.refused[-1]
    times = sorted(s.at for s in bot.fake.sent)
    busiest = max(bisect_left(times, t + 1.0) - i for i, t in enumerate(times))
    assert busiest <= 31, f"{busiest} messages in one second"
    for chat in chats:
        at = [s.at for s in bot.fake.to(chat)]
        assert [s.text for s in bot.fake.to(chat)] == ["0", "1", "2"]
        assert min(b - a for a, b in itertools.pairwise(at)) >= 0.9
    # Sends already on the wire when the 429 came may land just after it; nothing else may.
    during = [s for s in bot.fake.sent if refusal.at + 0.2 < s.at < refusal.at + 0.9]
    assert during == []
    (reply,) = bot.fake.to(99)
    assert reply.at >= refusal.at + 0.9


async def test_old_sent_and_dead_messages_are_purged(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        start = bot.clock()
        async with bot.services.db.unit_of_work() as uow:
            await uow.outbox.enqueue(key="old", chat_id=1, kind="test", text="old", now=start)
            await uow.outbox.enqueue(key="gone", chat_id=2, kind="test", text="x", now=start)
            await uow.outbox.drop_chat(2, error="blocked")
            await uow.outbox.enqueue(
                key="waiting", chat_id=3, kind="test", text="w", now=start + timedelta(days=30)
            )
        await bot.settle()
        bot.clock.advance(timedelta(days=8))
        async with bot.services.db.unit_of_work() as uow:
            await uow.outbox.enqueue(key="new", chat_id=1, kind="test", text="new", now=bot.clock())
        await bot.settle()

        async def keys() -> list[str]:
            async with bot.services.db.unit_of_work() as uow:
                return [m.idempotency_key for m in await uow.outbox.list_messages()]

        async with asyncio.timeout(10):  # the retention job runs every 0.2 s in FAST
            while "old" in await keys():  # noqa: ASYNC110  (polls the database)
                await asyncio.sleep(0.05)
        assert await keys() == ["waiting", "new"]


def _sent_marks(db: Database) -> list[int]:
    """Count, per statement that marks messages sent, how many it marked (listening on the
    engine, as SQLAlchemy lets any caller)."""
    from sqlalchemy import event

    marks: list[int] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        if sql.lstrip().upper().startswith("UPDATE OUTBOX") and "telegram_message_id" in sql:
            marks.append(len(params) if many else 1)

    return marks


async def test_sent_messages_are_marked_in_batches_with_their_own_ids(
    fake: FakeTelegram, bot: Bot, database: Database
) -> None:
    """One statement marks many sent messages, each with the id Telegram gave it."""
    texts = await _enqueue(database, chats=40, per_chat=2)
    marks = _sent_marks(database)
    worker = _worker(database, bot)
    await _deliver_all(worker, database, within=20)
    _assert_exactly_once_in_order(fake, texts, 40)
    assert sum(marks) == len(texts)
    assert len(marks) <= len(texts) // 4, f"{len(marks)} statements marked {len(texts)} sent"
    given = {(s.chat_id, s.text): s.message_id for s in fake.sent}
    async with database.unit_of_work() as uow:
        stored = await uow.outbox.list_messages()
    assert {(m.chat_id, m.text): m.telegram_message_id for m in stored} == given


async def test_stop_stores_every_acknowledgement_waiting_for_its_batch(
    fake: FakeTelegram, bot: Bot, database: Database
) -> None:
    """Sends Telegram accepted are marked sent before the worker stops: none goes twice."""
    texts = await _enqueue(database, chats=30, per_chat=2)
    limiter = RateLimiter(per_second=100, chat_interval=0.0)
    worker = OutboxWorker(database, bot, limiter=limiter, ack_delay=5.0, ack_batch=1000)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await fake.wait_for(lambda: len(fake.sent) >= 10)
    stop.set()
    await asyncio.wait_for(task, 3)  # well before the batch's 5 s were up
    async with database.unit_of_work() as uow:
        stored = await uow.outbox.list_messages()
    sent = {(s.chat_id, s.text) for s in fake.sent}
    assert {(m.chat_id, m.text) for m in stored if m.state == "sent"} == sent
    assert all(m.state == "pending" for m in stored if (m.chat_id, m.text) not in sent)
    await _deliver_all(_worker(database, bot), database)
    _assert_exactly_once_in_order(fake, texts, 30)
