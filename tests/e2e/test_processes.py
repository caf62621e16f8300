"""Several `briefbot run` processes on one PostgreSQL database, through real processes.

Each test starts real bot processes against the fake Bot API and a scratch database, then
hurts one of them from outside (kill -9, SIGSTOP) and counts what Telegram received: every
message delivered, duplicates only inside the documented window (a send Telegram accepted
whose "sent" mark the dead process never stored), each feed polled by one process at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.times import utcnow
from storage.db import sync_url, upgrade
from storage.unit_of_work import Database
from tests.fakes.faults import (
    BotProcess,
    bot_process,
    cli,
    process_env,
    process_roles,
    scratch_postgres,
    wait_until,
)
from tests.fakes.feeds import FakeFeedServer, Reply, Request, rss
from tests.fakes.telegram import FakeTelegram

PG_ENV = "BRIEFBOT_TEST_DATABASE_URL"
# Skipped before any fixture starts a server: without PostgreSQL there is nothing to run.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} is not set"),
]
SINGLE = {"telegram", "events", "digests", "delivery"}
# A message may go twice only when Telegram acknowledged it and the stopped process had not
# yet stored that (the documented window): its first copy went before the fault, and the
# database did not hold it as sent then. At most one per chat in flight (64 lanes).
MAX_IN_FLIGHT = 64


def _base() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set")
    return url


def _scratch(suffix: str) -> str:
    """Name a scratch database after the test database's own, so runs never collide."""
    return f"{make_url(_base()).database}_{suffix}"


def _env(fake: FakeTelegram, url: str, folder: Path, **extra: str) -> dict[str, str]:
    return process_env(fake.api_url, url, folder, **extra)


async def _queue(url: str, chats: range) -> None:
    db = Database(url)
    try:
        async with db.unit_of_work() as uow:
            for chat in chats:
                await uow.outbox.enqueue(
                    key=f"multi:{chat}",
                    chat_id=chat,
                    kind="alert",
                    text=f"message for {chat}",
                    now=utcnow(),
                )
    finally:
        await db.dispose()


def _counts(fake: FakeTelegram, chats: range) -> tuple[int, int]:
    """Return (lost, duplicated) among the messages queued for ``chats``."""
    got = Counter(s.text for s in fake.sent if s.chat_id in chats)
    lost = sum(1 for chat in chats if got[f"message for {chat}"] == 0)
    return lost, sum(n - 1 for n in got.values() if n > 1)


def _sent_keys(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            query = text("SELECT idempotency_key FROM outbox WHERE state = 'sent'")
            return {key for (key,) in conn.execute(query).all()}
    finally:
        engine.dispose()


def _outside_the_window(fake: FakeTelegram, at_fault: int, recorded: set[str]) -> list[str]:
    """Return the duplicated messages that the documented window does not explain."""
    first: dict[str, int] = {}
    copies: Counter[str] = Counter()
    for i, sent in enumerate(fake.sent):
        first.setdefault(sent.text, i)
        copies[sent.text] += 1
    return [
        text
        for text, n in copies.items()
        if n > 1 and (first[text] >= at_fault or f"multi:{text.rsplit(' ', 1)[1]}" in recorded)
    ]


def _all_sent(fake: FakeTelegram, chats: range) -> Callable[[], bool]:
    wanted = {f"message for {chat}" for chat in chats}
    return lambda: wanted <= {s.text for s in fake.sent}


@contextlib.asynccontextmanager
async def _holder_and_standby(
    fake: FakeTelegram, url: str, tmp_path: Path, chats: range, *, sent: int
) -> AsyncIterator[tuple[BotProcess, BotProcess, set[str]]]:
    """Start A (it takes every role), then B; queue a message for each chat; yield A, B and
    the keys recorded as sent once Telegram got ``sent`` messages."""
    async with bot_process(tmp_path, _env(fake, url, tmp_path / "a")) as first:
        pid_a = first.proc.pid
        await wait_until(
            lambda: process_roles(url).get(pid_a) == SINGLE, within=60, what="A holds all"
        )
        async with bot_process(tmp_path, _env(fake, url, tmp_path / "b")) as second:
            pid_b = second.proc.pid
            await wait_until(lambda: pid_b in process_roles(url), within=60, what="B beats")
            await _queue(url, chats)
            await wait_until(lambda: len(fake.sent) >= sent, within=60, what=f"{sent} sent")
            yield first, second, _sent_keys(url)


async def test_kill_9_of_the_role_holder_mid_delivery_moves_every_role(tmp_path: Path) -> None:
    fake = await FakeTelegram().start()
    chats = range(10_000, 10_300)
    with scratch_postgres(_base(), _scratch("kill9")) as url:
        upgrade(url)
        try:
            async with _holder_and_standby(fake, url, tmp_path, chats, sent=60) as (
                first,
                second,
                recorded,
            ):
                pid_a, pid_b = first.proc.pid, second.proc.pid
                os.kill(pid_a, signal.SIGKILL)
                await asyncio.sleep(0.3)  # what A wrote before it died still arrives
                at_kill = len(fake.sent)
                takeover = await wait_until(
                    lambda: process_roles(url).get(pid_b) == SINGLE, within=15, what="B takes over"
                )
                await wait_until(_all_sent(fake, chats), within=60, what="all delivered")
                await asyncio.sleep(2)  # a duplicate would arrive by now
                # Telegram's one consumer of updates is now B: a command is answered once.
                await fake.command(42, "/start")
                await wait_until(lambda: len(fake.to(42)) >= 1, within=30, what="an answer")
                await asyncio.sleep(1)
                env = _env(fake, url, tmp_path / "b")
                _, out, _ = await cli(tmp_path, env, "status", "--json")
        finally:
            await fake.close()
    lost, duplicated = _counts(fake, chats)
    print(f"kill -9 mid delivery: takeover {takeover:.1f}s, lost {lost}, duplicated {duplicated}")
    assert lost == 0 and duplicated <= MAX_IN_FLIGHT, (lost, duplicated)
    assert not _outside_the_window(fake, at_kill, recorded)
    assert len(fake.to(42)) == 1
    assert takeover < 15
    report = json.loads(out)
    mine = [p for p in report["processes"] if p["pid"] == pid_b]
    assert mine and set(mine[0]["roles"]) == SINGLE and mine[0]["heartbeat_age_seconds"] < 10
    assert "Traceback" not in second.stderr, second.stderr


def _slow_feed(n: int, hits: Counter[str], busy: Counter[str], overlaps: list[str]) -> Callable:
    # Words of their own for each feed, so its item is a story of its own (an event each).
    words = [f"{w}{n}" for w in ("quay", "ferry", "bridge", "council", "harvest", "tunnel")]
    items = [
        {
            "title": f"{words[0]} {words[1]} news {n}",
            "link": f"http://example.test/{n}",
            "description": " ".join(words * 3),
        }
    ]
    body = rss(items, title=f"Feed {n}")

    def handler(request: Request) -> Reply:
        if busy[request.path]:
            overlaps.append(request.path)
        busy[request.path] += 1
        hits[request.path] += 1
        try:
            return Reply(200, body, {"Content-Type": "application/rss+xml"}, delay=0.0)
        finally:
            busy[request.path] -= 1

    return handler


async def _add_feeds(url: str, server: FakeFeedServer, n: int, handler_of: Callable) -> None:
    db = Database(url)
    try:
        async with db.unit_of_work() as uow:
            for i in range(n):
                path = f"/feed/{i}.xml"
                server.route(path, handler_of(i))
                await uow.feeds.add(url=server.url(path), name=f"Feed {i}", now=utcnow())
    finally:
        await db.dispose()


async def test_two_processes_started_at_once_share_feeds_and_roles(
    tmp_path: Path, feed_server: FakeFeedServer
) -> None:
    fake = await FakeTelegram().start()
    hits: Counter[str] = Counter()
    busy: Counter[str] = Counter()
    overlaps: list[str] = []
    chats = range(20_000, 20_100)
    with scratch_postgres(_base(), _scratch("twoatonce")) as url:
        upgrade(url)
        await _add_feeds(url, feed_server, 40, lambda i: _slow_feed(i, hits, busy, overlaps))
        await _queue(url, chats)
        try:
            async with (
                bot_process(tmp_path, _env(fake, url, tmp_path / "a")) as first,
                bot_process(tmp_path, _env(fake, url, tmp_path / "b")) as second,
            ):
                pids = {first.proc.pid, second.proc.pid}

                def split() -> bool:
                    roles = process_roles(url)
                    return set(roles) == pids and sorted(
                        r for held in roles.values() for r in held if r in SINGLE
                    ) == sorted(SINGLE)

                await wait_until(split, within=60, what="every role held once")
                await wait_until(lambda: len(hits) == 40, within=60, what="every feed polled")
                await wait_until(_all_sent(fake, chats), within=60, what="all delivered")
                await asyncio.sleep(3)
                await wait_until(split, within=5, what="roles stay split")
                # Polls store as they finish, and placing goes in batches of one transaction
                # each: wait for the last one.
                for _ in range(300):
                    articles = await _count(url, "SELECT count(*) FROM articles")
                    placed = await _count(url, "SELECT count(event_id) FROM articles")
                    queued = await _count(url, "SELECT count(*) FROM placements")
                    if placed == articles == 40 and not queued:
                        break
                    await asyncio.sleep(0.2)
        finally:
            await fake.close()
    assert max(hits.values()) == 1, [p for p, n in hits.items() if n > 1]  # polled once each
    assert not overlaps
    assert _counts(fake, chats) == (0, 0)
    # Every article was stored once and placed into an event.
    assert articles == 40 and placed == articles and queued == 0
    for proc in (first, second):
        assert "Traceback" not in proc.stderr, proc.stderr


async def _count(url: str, query: str) -> int:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


async def test_a_process_paused_past_its_lease_loses_its_roles_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    fake = await FakeTelegram().start()
    chats = range(30_000, 30_400)
    with scratch_postgres(_base(), _scratch("sigstop")) as url:
        upgrade(url)
        try:
            async with _holder_and_standby(fake, url, tmp_path, chats, sent=40) as (
                first,
                second,
                recorded,
            ):
                pid_a, pid_b = first.proc.pid, second.proc.pid
                os.kill(pid_a, signal.SIGSTOP)
                await asyncio.sleep(0.5)  # what A wrote before it stopped still arrives
                at_pause = len(fake.sent)
                try:
                    takeover = await wait_until(
                        lambda: process_roles(url).get(pid_b) == SINGLE,
                        within=15,
                        what="B takes over from the paused A",
                    )
                    sent_before_resume = len(fake.sent)
                finally:
                    os.kill(pid_a, signal.SIGCONT)
                await wait_until(_all_sent(fake, chats), within=60, what="all delivered")
                # A wakes up without its roles: it notices, and B keeps them.
                await wait_until(
                    lambda: not (process_roles(url).get(pid_a, set()) & SINGLE),
                    within=20,
                    what="A knows it lost its roles",
                )
                await asyncio.sleep(2)
                assert process_roles(url).get(pid_b) == SINGLE
        finally:
            await fake.close()
    lost, duplicated = _counts(fake, chats)
    print(f"SIGSTOP past the lease: takeover {takeover:.1f}s, lost {lost}, dup {duplicated}")
    # Known gap: a paused process's own unrecorded sends and the ones it had checked just
    # before the pause can go twice; they are counted (make bench) and bounded by the lanes.
    print("beyond the ack window:", len(_outside_the_window(fake, at_pause, recorded)))
    assert sent_before_resume > 40  # B delivered while A was paused
    assert lost == 0 and duplicated <= MAX_IN_FLIGHT, (lost, duplicated)
    assert "Traceback" not in first.stderr, first.stderr


def _story(n: int, footer: str = "") -> str:
    """Return a headline and a body of words of story ``n``'s own (long enough to fingerprint)."""
    words = [f"{w}{n}" for w in ("harbour", "strike", "crane", "union", "wages", "ships")]
    body = " ".join(f"{w}{i}" for i in range(8) for w in words)
    return f"{words[0]} {words[1]} story {n}\n\n{body}. {footer}\n"


def _drop(folder: Path, name: str, content: str) -> None:
    """Write an article file into an inbox folder (atomically: written aside, then renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    aside = folder.parent / f".{name}.part"
    aside.write_text(content)
    aside.rename(folder / name)


async def test_a_copy_stored_by_another_process_is_a_duplicate_not_a_second_article(
    tmp_path: Path,
) -> None:
    """Each process keeps its sources' recent fingerprints in memory: a copy another process
    stored after they were read must still be found (near-duplicates are judged per source)."""
    fake = await FakeTelegram().start()
    env_a, env_b = (_env(fake, "", tmp_path / p) for p in ("a", "b"))
    wire_a, wire_b = (Path(e["BRIEFBOT_INBOX_DIR"]) / "Wire" for e in (env_a, env_b))
    with scratch_postgres(_base(), _scratch("copies")) as url:
        upgrade(url)
        env_a["BRIEFBOT_DATABASE_URL"] = env_b["BRIEFBOT_DATABASE_URL"] = url

        async def stored(n: int) -> None:
            for _ in range(300):
                articles = await _count(url, "SELECT count(*) FROM articles")
                aliases = await _count(url, "SELECT count(*) FROM article_aliases")
                if articles + aliases >= n:
                    return
                await asyncio.sleep(0.1)
            raise AssertionError(f"{n} files not stored: {articles} articles, {aliases} copies")

        try:
            async with (
                bot_process(tmp_path, env_a) as first,
                bot_process(tmp_path, env_b) as second,
            ):
                # Each process reads the source's fingerprints while storing a story of its own.
                _drop(wire_a, "one.txt", _story(1))
                _drop(wire_b, "two.txt", _story(2))
                await stored(2)
                # A stores a new story; then the same story reaches B through another file.
                _drop(wire_a, "three.txt", _story(3))
                await stored(3)
                _drop(wire_b, "three-copy.txt", _story(3, "By wire."))
                # And the other way round, B first.
                _drop(wire_b, "four.txt", _story(4))
                await stored(5)
                _drop(wire_a, "four-copy.txt", _story(4, "More."))
                await stored(6)
                await asyncio.sleep(1)
                articles = await _count(url, "SELECT count(*) FROM articles")
                copies = await _count(url, "SELECT count(*) FROM article_aliases")
        finally:
            await fake.close()
    assert (articles, copies) == (4, 2)
    for proc in (first, second):
        assert "Traceback" not in proc.stderr, proc.stderr
