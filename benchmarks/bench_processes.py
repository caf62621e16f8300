"""Several `briefbot run` processes on one PostgreSQL: poll/ingest throughput with 1, 2 and 3
processes (ratios in one run), failover time of each role after kill -9 and SIGSTOP of its
holder, and messages lost and duplicated in each fault.

Needs BRIEFBOT_TEST_DATABASE_URL (scratch databases are made beside it and dropped).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.times import utcnow
from storage.db import sync_url, upgrade
from storage.unit_of_work import Database
from tests.fakes.faults import BotProcess, bot_process, process_env, scratch_postgres
from tests.fakes.feeds import FakeFeedServer, Reply, Request, rss
from tests.fakes.role_faults import ROLES, kill_role_holder
from tests.fakes.telegram import FakeTelegram

FEEDS, ITEMS = 60, 5
# Each feed answers after this long, as a real site far away does: polling is mostly waiting.
FEED_DELAY = 0.5
MESSAGES = 1_000
# Chats whose digest is due when the holder of one role is killed (bench_processes.per_role).
ROLE_CHATS = 1_000
SINGLE = ("telegram", "events", "digests", "delivery")


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    finally:
        engine.dispose()


async def _wait(predicate: Callable[[], bool], within: float = 300.0) -> bool:
    """Wait until ``predicate()`` (True), or ``within`` seconds (False)."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


def _env(fake: FakeTelegram, url: str, folder: Path) -> dict[str, str]:
    return process_env(
        fake.api_url,
        url,
        folder,
        BRIEFBOT_ALLOW_PRIVATE_FEEDS="true",
        BRIEFBOT_LOG_LEVEL="WARNING",
    )


@contextlib.asynccontextmanager
async def _processes(
    count: int, fake: FakeTelegram, url: str, tmp: Path
) -> AsyncIterator[list[BotProcess]]:
    async with contextlib.AsyncExitStack() as stack:
        procs = [
            await stack.enter_async_context(bot_process(tmp, _env(fake, url, tmp / f"p{i}")))
            for i in range(count)
        ]
        yield procs


def _feed(n: int) -> bytes:
    items = []
    for i in range(ITEMS):
        words = [f"{w}{n}x{i}" for w in ("quay", "ferry", "bridge", "council", "harvest")]
        items.append(
            {
                "title": f"{words[0]} {words[1]} report",
                "link": f"http://example.test/{n}/{i}",
                "description": " ".join(words * 4),
            }
        )
    return rss(items, title=f"Feed {n}")


async def _throughput(count: int, base: str, tmp: Path) -> tuple[float, int]:
    """Return (seconds from the first feed request to every article placed, articles)."""
    server = FakeFeedServer()
    server.start()
    first: list[float] = []
    fake = await FakeTelegram().start()
    name = f"{make_url(base).database}_bench_tp{count}"
    try:
        with scratch_postgres(base, name) as url:
            upgrade(url)
            db = Database(url)
            async with db.unit_of_work() as uow:
                for n in range(FEEDS):
                    body = _feed(n)

                    def handler(_r: Request, body: bytes = body) -> Reply:
                        first.append(time.monotonic())
                        return Reply(200, body, {"Content-Type": "application/rss+xml"}, FEED_DELAY)

                    path = f"/f/{n}.xml"
                    server.route(path, handler)
                    await uow.feeds.add(url=server.url(path), name=f"Feed {n}", now=utcnow())
            await db.dispose()
            async with _processes(count, fake, url, tmp / f"tp{count}"):
                wanted = FEEDS * ITEMS

                def placed() -> int:
                    return int(_query(url, "SELECT count(event_id) FROM articles")[0][0])  # type: ignore[call-overload]

                await _wait(lambda: placed() >= wanted, within=600)
                done = time.monotonic()
            return done - min(first), placed()
    finally:
        await fake.close()
        server.stop()


async def _queue(url: str) -> None:
    db = Database(url)
    async with db.unit_of_work() as uow:
        for chat in range(MESSAGES):
            await uow.outbox.enqueue(
                key=f"bench:{chat}",
                chat_id=chat + 1,
                kind="digest",
                text=f"digest {chat}",
                now=utcnow(),
            )
    await db.dispose()


async def _failover(fault: str, base: str, tmp: Path) -> dict[str, object]:
    """kill -9 or SIGSTOP the holder of every role mid-delivery of MESSAGES digests."""
    fake = await FakeTelegram().start()
    name = f"{make_url(base).database}_bench_{fault}"
    result: dict[str, object] = {}
    try:
        with scratch_postgres(base, name) as url:
            upgrade(url)
            env_a, env_b = _env(fake, url, tmp / f"{fault}a"), _env(fake, url, tmp / f"{fault}b")
            async with bot_process(tmp, env_a) as a:
                await _wait(lambda: len(_query(url, "SELECT name FROM role_fences")) == 4)
                async with bot_process(tmp, env_b):
                    await _wait(lambda: len(_query(url, "SELECT id FROM processes")) == 2)
                    await _queue(url)
                    await _wait(lambda: len(fake.sent) >= MESSAGES // 5)
                    fences = _query(url, "SELECT name, token FROM role_fences")
                    before: dict[object, object] = {n: t for n, t in fences}
                    hurt = time.time()
                    os.kill(a.proc.pid, signal.SIGKILL if fault == "kill9" else signal.SIGSTOP)

                    def moved() -> bool:
                        rows = _query(url, "SELECT name, token FROM role_fences")
                        return all(t != before[n] for n, t in rows)

                    await _wait(moved, within=60)
                    rows = _query(url, "SELECT name, token, since FROM role_fences")
                    result["takeover"] = {
                        str(n): round(s.timestamp() - hurt, 1)  # type: ignore[attr-defined]
                        for n, _, s in rows
                    }
                    if fault == "sigstop":
                        os.kill(a.proc.pid, signal.SIGCONT)
                    wanted = {f"digest {c}" for c in range(MESSAGES)}
                    await _wait(lambda: wanted <= {s.text for s in fake.sent})
                    await asyncio.sleep(3)
        got = Counter(s.text for s in fake.sent)
        result["lost"] = sum(1 for c in range(MESSAGES) if not got[f"digest {c}"])
        result["duplicated"] = sum(n - 1 for n in got.values() if n > 1)
        return result
    finally:
        await fake.close()


async def _main() -> str:
    base = os.environ.get("BRIEFBOT_TEST_DATABASE_URL")
    head = ["## Several processes on one PostgreSQL", ""]
    if not base:
        return "\n".join([*head, "Skipped: BRIEFBOT_TEST_DATABASE_URL is not set.", ""])
    lines = [
        *head,
        f"{FEEDS} feeds x {ITEMS} articles, each feed answering after {FEED_DELAY} s; time from "
        "the first feed request until every article is stored and placed into an event; the "
        "same run for 1, 2 and 3 `briefbot run` processes.",
        "",
        "| processes | seconds | articles/s | ratio to 1 |",
        "|---|---|---|---|",
    ]
    with TemporaryDirectory() as folder:
        tmp = Path(folder)
        one = None
        for count in (1, 2, 3):
            seconds, articles = await _throughput(count, base, tmp)
            one = one or seconds
            lines.append(
                f"| {count} | {seconds:.1f} | {articles / seconds:.1f} | {one / seconds:.2f} |"
            )
        lines += [
            "",
            f"Failover: every role's holder hurt while delivering {MESSAGES} digests (at "
            f"{MESSAGES // 5} sent); seconds from the fault until another process holds each "
            "role (role_fences.since), and messages lost / duplicated.",
            "",
            "| fault | " + " | ".join(SINGLE) + " | lost | duplicated |",
            "|---|" + "---|" * (len(SINGLE) + 2),
        ]
        for fault in ("kill9", "sigstop"):
            r = await _failover(fault, base, tmp)
            take = r["takeover"]
            assert isinstance(take, dict)
            cells = " | ".join(str(take.get(role, "-")) for role in SINGLE)
            lines.append(f"| {fault} | {cells} | {r['lost']} | {r['duplicated']} |")
        lines += await per_role(base, tmp)
    return "\n".join([*lines, ""])


async def per_role(base: str, tmp: Path) -> list[str]:
    """kill -9 the holder of each role alone, mid-work (tests.fakes.role_faults)."""
    lines = [
        "",
        f"kill -9 of the process holding one role (pinned with `--role`), while {ROLE_CHATS:,} "
        "chats' digests are swept and delivered, a poll cycle waits for its feeds and an inbox "
        "batch is stored and alerted; seconds until the other process holds the role, and what "
        "Telegram received:",
        "",
        "| role killed | takeover s | digests queued / sent at the kill | digests lost | "
        "duplicated | commands answered twice | articles stored / wanted | unplaced | "
        "alerted twice |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    db = make_url(base).database
    for role in ROLES:
        r = await kill_role_holder(
            base, f"{db}_bench_role_{role}", role, tmp / role, chats=ROLE_CHATS
        )
        lines.append(
            f"| {role} | {r.takeover:.1f} | {r.at_kill.get('digests_queued', 0)} / "
            f"{r.at_kill.get('sent', 0)} | {r.lost} | {r.duplicated} | {r.answered_twice} | "
            f"{r.articles} / {r.articles_wanted} | {r.unplaced} | {len(r.alerted_twice)} |"
        )
    return lines


def run() -> str:
    return asyncio.run(_main())
