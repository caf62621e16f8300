"""A few seconds of database trouble never stops delivery, loses a message or sends one twice.

The faults come from outside briefbot: another process holding SQLite's write lock, PostgreSQL
behind a proxy that drops every connection and refuses new ones, a table that refuses writes as
a full disk does. Each test counts what the fake Bot API received: every message once.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.health import FAILING, RESTARTING, assess
from bot.runtime import Timings
from bot.times import utcnow
from storage.db import upgrade
from storage.unit_of_work import Database
from tests.e2e.conftest import FAST
from tests.fakes.faults import (
    TcpProxy,
    bot_process,
    cli,
    hold_sqlite_lock,
    scratch_postgres,
    via_proxy,
    writes_refused_off_loop,
)
from tests.fakes.telegram import TOKEN, FakeTelegram, Sent

PG_ENV = "BRIEFBOT_TEST_DATABASE_URL"
# The lease is short here so that a message left "sending" by a failed mark comes back within
# the test: exactly what would send it twice.
SHORT_LEASE = Timings(**{**FAST.__dict__, "lease": timedelta(seconds=3)})


async def _queue(url: str, chats: range, *, due_in: float = 0.0) -> None:
    db = Database(url)
    now = utcnow()
    try:
        async with db.unit_of_work() as uow:
            for chat in chats:
                await uow.outbox.enqueue(
                    key=f"fault:{chat}",
                    chat_id=chat,
                    kind="alert",
                    text=f"message for {chat}",
                    now=now + timedelta(seconds=due_in),
                )
    finally:
        await db.dispose()


def _counts(fake: FakeTelegram, chats: range) -> tuple[int, int]:
    """Return (lost, duplicated) among the messages queued for ``chats``."""
    got = Counter(s.text for s in fake.sent if s.chat_id in chats)
    lost = sum(1 for chat in chats if got[f"message for {chat}"] == 0)
    duplicated = sum(n - 1 for n in got.values() if n > 1)
    return lost, duplicated


async def _delivered(fake: FakeTelegram, chats: range, within: float) -> None:
    wanted = {f"message for {chat}" for chat in chats}
    await fake.wait_for(lambda: wanted <= {s.text for s in fake.sent}, within=within)


async def test_run_keeps_delivering_after_sqlite_is_locked_for_15_seconds(tmp_path: Path) -> None:
    fake = await FakeTelegram().start()
    db_path = tmp_path / "bot.db"
    url = f"sqlite:///{db_path}"
    health_file = tmp_path / "health.json"
    env = {
        "BRIEFBOT_TELEGRAM_TOKEN": TOKEN,
        "BRIEFBOT_TELEGRAM_API_URL": fake.api_url,
        "BRIEFBOT_DATABASE_URL": url,
        "BRIEFBOT_INBOX_DIR": str(tmp_path / "inbox"),
        "BRIEFBOT_HEALTH_FILE": str(health_file),
    }
    chats = range(500, 520)
    seen_failing = False
    try:
        async with bot_process(tmp_path, env) as bot:
            await fake.wait_for(lambda: "setMyCommands" in fake.methods(), within=60)
            # Due in 3 s, when the lock is held: the worker's claim meets it.
            await _queue(url, chats, due_in=3.0)
            await hold_sqlite_lock(db_path, 15.0)
            deadline = asyncio.get_running_loop().time() + 60
            while asyncio.get_running_loop().time() < deadline:
                state = assess(health_file, utcnow())
                outbox = state.get("workers", {}).get("outbox", {})
                seen_failing = seen_failing or outbox.get("state") == FAILING
                if {f"message for {c}" for c in chats} <= {s.text for s in fake.sent}:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(2)  # anything sent twice would arrive by now
    finally:
        await fake.close()
    assert _counts(fake, chats) == (0, 0), bot.stderr
    assert seen_failing, "the health file never showed the outbox failing"
    assert "claiming due messages failed" in bot.stderr
    assert bot.proc.returncode == 0 and "Traceback" not in bot.stderr, bot.stderr


@pytest.mark.parametrize("fault", ["lock", "disk-full"])
async def test_a_failed_sent_mark_is_retried_and_never_resends(
    bot_factory: Callable[..., Any], tmp_path: Path, fault: str
) -> None:
    chats = range(600, 610)
    async with bot_factory(SHORT_LEASE) as bot:
        db_path = tmp_path / "bot.db"
        url = f"sqlite:///{db_path}"
        faulted = asyncio.Event()
        refusing: list[asyncio.Task[None]] = []

        async def refuse_outbox_writes(refused: asyncio.Event) -> None:
            async with writes_refused_off_loop(url, "outbox"):
                refused.set()
                await asyncio.sleep(8.0)

        async def break_the_database(sent: Sent) -> None:
            """After Telegram accepts the first message, the bot cannot record it for a while."""
            if faulted.is_set():
                return
            faulted.set()
            if fault == "lock":
                await hold_sqlite_lock(db_path, 12.0)  # the busy timeout is 10 s
            else:
                refused = asyncio.Event()
                refusing.append(asyncio.create_task(refuse_outbox_writes(refused)))
                await refused.wait()

        bot.fake.before_answer = break_the_database
        await _queue(url, chats)
        bot.runtime.worker.wake()
        await _delivered(bot.fake, chats, within=60)
        await asyncio.gather(*refusing)  # the fault is over (and a failure to set it up shows)
        async with bot.services.db.unit_of_work() as uow:
            async with asyncio.timeout(30):
                while (await uow.outbox.count_by_state()).get("sent", 0) < len(chats):
                    await asyncio.sleep(0.2)
                    await uow.session.rollback()
        await asyncio.sleep(SHORT_LEASE.lease.total_seconds() + 1)  # a re-send would come now
        assert _counts(bot.fake, chats) == (0, 0)


def _pg_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set")
    return url


@pytest.mark.postgres
async def test_run_survives_a_postgres_restart_mid_delivery(tmp_path: Path) -> None:
    base = _pg_url()
    fake = await FakeTelegram().start()
    with scratch_postgres(base, "f11_outage_run") as direct:
        upgrade(direct)
        host = __import__("sqlalchemy").engine.make_url(direct)
        proxy = await TcpProxy((host.host or "127.0.0.1", host.port or 5432)).start()
        url = via_proxy(direct, proxy)
        env = {
            "BRIEFBOT_TELEGRAM_TOKEN": TOKEN,
            "BRIEFBOT_TELEGRAM_API_URL": fake.api_url,
            "BRIEFBOT_DATABASE_URL": url,
            "BRIEFBOT_INBOX_DIR": str(tmp_path / "inbox"),
            "BRIEFBOT_HEALTH_FILE": str(tmp_path / "health.json"),
        }
        chats = range(700, 760)
        outage: list[asyncio.Task[None]] = []

        async def restart_postgres(sent: Sent) -> None:
            if len(fake.sent) == 20 and not outage:
                outage.append(asyncio.create_task(proxy.outage(10.0)))
                await asyncio.sleep(0.2)  # answer after the cut: the "sent" mark meets it

        fake.before_answer = restart_postgres
        try:
            async with bot_process(tmp_path, env) as bot:
                await fake.wait_for(lambda: "setMyCommands" in fake.methods(), within=60)
                await _queue(direct, chats)
                await _delivered(fake, chats, within=90)
                await asyncio.sleep(2)
        finally:
            await proxy.close()
            await fake.close()
    assert outage, "the outage never happened"
    assert _counts(fake, chats) == (0, 0), bot.stderr
    assert "failed" in bot.stderr  # the outage was seen and logged
    assert bot.proc.returncode == 0 and "Traceback" not in bot.stderr, bot.stderr


def _state(health_file: Path, worker: str) -> str | None:
    state: str | None = (
        assess(health_file, utcnow()).get("workers", {}).get(worker, {}).get("state")
    )
    return state


async def _until(predicate: Callable[[], bool], *, within: float) -> None:
    async with asyncio.timeout(within):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.05)


async def test_a_crashed_worker_is_restarted_and_shown_in_status(
    bot_factory: Callable[..., Any], tmp_path: Path
) -> None:
    health_file = tmp_path / "health.json"
    timings = Timings(**{**FAST.__dict__, "heartbeat": 0.2, "restart_base": 0.5})
    async with bot_factory(timings, health_file=health_file) as bot:
        runtime = bot.runtime
        broken = True

        async def flaky() -> None:
            if broken:
                raise RuntimeError("worker broke")
            await runtime.stop.wait()

        runtime._start_worker("flaky", flaky)
        await bot.fake.wait_for(lambda: True)  # let the loop run
        await _until(lambda: _state(health_file, "flaky") == RESTARTING, within=10)
        env = {
            "BRIEFBOT_HEALTH_FILE": str(health_file),
            "BRIEFBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        }
        code, out, _ = await cli(tmp_path, env, "status", "--json")
        report = json.loads(out)
        assert code == 1 and report["bot"]["healthy"] is False
        problems = report["bot"]["problems"]
        assert any("flaky restarting" in p and "worker broke" in p for p in problems)
        broken = False
        await _until(lambda: _state(health_file, "flaky") == "running", within=20)
        state = assess(health_file, utcnow())
        assert state["healthy"] and state["workers"]["flaky"]["restarts"] >= 2
        code, out, _ = await cli(tmp_path, env, "status")
        assert code == 0 and f"running (pid {os.getpid()})" in out
    assert not health_file.exists()  # a clean stop removes it


async def test_a_429_for_one_chat_pauses_only_that_chat(bot_factory: Callable[..., Any]) -> None:
    slow, others = 800, range(801, 860)
    async with bot_factory() as bot:
        bot.fake.limit_chat(slow, retry_after=10)
        url = str(bot.services.db.url)
        await _queue(url, range(slow, slow + 1))
        await _queue(url, others)
        loop = asyncio.get_running_loop()
        started = loop.time()
        bot.runtime.worker.wake()
        await _delivered(bot.fake, others, within=20)
        others_took = loop.time() - started
        await _delivered(bot.fake, range(slow, slow + 1), within=20)
        slow_took = loop.time() - started
    # 59 messages take about 2 s at Telegram's pace; a pause for everyone would take the full 10 s.
    assert others_took < 7.0, f"the other chats waited {others_took:.1f}s"
    assert slow_took >= 10.0  # the limited chat waited what Telegram asked
    assert _counts(bot.fake, range(slow, 860)) == (0, 0)


async def test_a_group_that_became_a_supergroup_gets_its_messages_at_the_new_id(
    bot_factory: Callable[..., Any],
) -> None:
    old, new = -100, -1001
    async with bot_factory() as bot:
        async with bot.services.db.unit_of_work() as uow:
            await uow.subscribers.upsert(old, timezone="UTC", digest_time="07:30", now=utcnow())
        bot.fake.migrate_chat(old, new)
        await _queue(str(bot.services.db.url), range(old, old + 1))
        bot.runtime.worker.wake()
        await bot.fake.wait_for(lambda: len(bot.fake.to(new)) == 1, within=10)
        await bot.settle()
        async with bot.services.db.unit_of_work() as uow:
            moved = await uow.subscribers.get_subscriber(new)
            assert await uow.subscribers.get_subscriber(old) is None
    assert moved is not None and moved.active
    assert [s.text for s in bot.fake.to(new)] == [f"message for {old}"]


@pytest.mark.postgres
async def test_run_fails_fast_on_a_read_only_database(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    from storage.db import sync_url

    with scratch_postgres(_pg_url(), "f11_readonly") as url:
        upgrade(url)
        engine = create_engine(sync_url(url), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(
                text('ALTER DATABASE "f11_readonly" SET default_transaction_read_only = on')
            )
        engine.dispose()
        env = {"BRIEFBOT_TELEGRAM_TOKEN": TOKEN, "BRIEFBOT_DATABASE_URL": url}
        code, _, err = await cli(tmp_path, env, "run")
    assert code == 1
    assert "takes no writes" in err and "read-only" in err
    assert "Traceback" not in err
