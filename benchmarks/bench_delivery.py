"""Delivery at scale: one digest to 10,000 chats through a rate-limited, flaky fake Bot API,
and /summary reply times with 10,000 events stored.

Environment: BENCH_DELIVERY_CHATS (default 10000) and BENCH_DELIVERY_EVENTS (default 10000)
shrink the run for a quick look.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.shared import peak_rss_mib

LIMIT = 30.0  # the fake enforces Telegram's ~30 messages/s, sliding one-second window
RANDOM_429 = 0.001
RANDOM_500 = 0.01


async def _seed_events(db: object, count: int, now: datetime) -> None:
    from storage.unit_of_work import Database

    assert isinstance(db, Database)
    text = (
        "Officials said the harbour council met on Tuesday and approved {n} new berths. "
        "The plan will cost 12 million euros, the mayor said."
    )
    async with db.unit_of_work() as uow:
        source = await uow.sources.get_or_create_id("Harbour Herald", now=now)
        for n in range(count):
            at = now - timedelta(minutes=count - n)
            headline = f"Harbour council approves plan number {n}"
            article = await uow.articles.add(
                identity=f"bench/{n}", source_id=source, location=f"bench/{n}", fingerprint=None,
                now=at,
            )  # fmt: skip
            await uow.articles.add_version(
                article_id=article, title=headline, text=text.format(n=n), content_hash=str(n),
                published=at, updated=None, now=at,
            )  # fmt: skip
            event_id = await uow.events.create(headline=headline, now=at)
            await uow.articles.set_event(article, event_id)
            await uow.events.update(event_id, changed_at=at, last_updated=at)


async def _summary_times(events: int, work: Path) -> tuple[list[float], float]:
    from bot.app import build_application, build_services, running
    from bot.config import Settings
    from bot.runtime import Timings
    from tests.fakes.telegram import TOKEN, FakeTelegram

    fake = await FakeTelegram().start()
    settings = Settings(
        telegram_token=TOKEN,
        telegram_api_url=fake.api_url,
        database_url=f"sqlite:///{work / 'summary.db'}",
        inbox_dir=work / "inbox",
    )
    services = build_services(settings)
    await asyncio.to_thread(services.db.migrate)
    started = time.perf_counter()
    await _seed_events(services.db, events, datetime.now(UTC))
    seeding = time.perf_counter() - started
    timings = Timings(inbox=False, feeds=False, alert_check=3600, digest_sweep=3600)
    app = build_application(services, timings=timings)
    times = []
    try:
        async with running(app, poll_timeout=1):
            await fake.command(1, "/start")
            await fake.wait_for(lambda: len(fake.to(1)) >= 1)
            queries = ["", "7", "harbour plan 4321", "", "council 9999"]
            for n in range(60):
                before = len(fake.to(1))
                started = time.perf_counter()
                await fake.command(1, f"/summary {queries[n % len(queries)]}".strip())
                await fake.wait_for(lambda before=before: len(fake.to(1)) > before, 30)
                times.append(time.perf_counter() - started)
    finally:
        await services.close()
        await fake.close()
    return times, seeding


async def _broadcast(chats: int, work: Path) -> dict[str, float]:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    from bot.delivery.digests import DigestService
    from bot.delivery.outbox import OutboxWorker
    from bot.delivery.sender import RateLimiter
    from bot.events.service import EventService
    from storage.db import upgrade
    from storage.unit_of_work import Database
    from tests.fakes.telegram import TOKEN, FakeTelegram

    url = f"sqlite:///{work / 'broadcast.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    now = datetime.now(UTC)
    await _seed_events(db, 8, now - timedelta(hours=1))
    async with db.unit_of_work() as uow:
        for chat in range(1, chats + 1):
            sub = await uow.subscribers.upsert(chat, timezone="UTC", digest_time="07:30", now=now)
            await uow.subscriptions.add(sub.id, "", now=now)
            await uow.subscribers.set_fields(chat, next_digest_at=now)
    started = time.perf_counter()
    await DigestService(db, EventService()).sweep(now + timedelta(seconds=1))
    sweep = time.perf_counter() - started

    fake = await FakeTelegram(
        per_second=LIMIT, random_429=RANDOM_429, random_500=RANDOM_500
    ).start()
    bot = Bot(TOKEN, base_url=f"{fake.api_url}/bot", request=HTTPXRequest(connection_pool_size=64))
    limiter = RateLimiter()  # the bot's own pace
    worker = OutboxWorker(db, bot, limiter=limiter, backoff_base=1.0)
    async with bot:
        started = time.perf_counter()
        while True:
            await worker.drain()
            async with db.unit_of_work() as uow:
                counts = await uow.outbox.count_by_state()
            if not counts.get("pending") and not counts.get("sending"):
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        async with db.unit_of_work() as uow:
            queued = await uow.outbox.list_messages()
    await db.dispose()
    await fake.close()
    # Per message, not per chat: the two parts of a long digest are two messages.
    delivered = Counter((s.chat_id, s.text) for s in fake.sent)
    return {
        "chats": chats,
        "queued": len(queued),
        "delivered": len(fake.sent),
        "lost": sum(1 for m in queued if m.state != "sent" or not delivered[(m.chat_id, m.text)]),
        "duplicated": sum(n - 1 for n in delivered.values() if n > 1),
        "unknown": len(delivered.keys() - {(m.chat_id, m.text) for m in queued}),
        "seconds": elapsed,
        "rate": (len(fake.sent) - sum(n - 1 for n in delivered.values() if n > 1)) / elapsed,
        "refused_429": sum(1 for r in fake.refused if r.status == 429),
        "refused_500": sum(1 for r in fake.refused if r.status == 500),
        "sweep": sweep,
        "paced": 1.0 / limiter.base_interval,
    }


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def run() -> str:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    chats = int(os.environ.get("BENCH_DELIVERY_CHATS", "10000"))
    events = int(os.environ.get("BENCH_DELIVERY_EVENTS", "10000"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        times, seeding = asyncio.run(_summary_times(events, work))
        b = asyncio.run(_broadcast(chats, work))
    return "\n".join(
        [
            "## Delivery",
            "",
            f"One digest to {b['chats']:,} chats through a loopback fake Bot API that enforces "
            f"{LIMIT:.0f} messages/s (429 beyond it) and injects random 429s ({RANDOM_429:.1%}) "
            f"and 500s ({RANDOM_500:.0%}); worker paced at {b['paced']:g}/s (its default).",
            "",
            "| figure | value |",
            "|---|---|",
            f"| messages delivered | {b['delivered']:,} of {b['queued']:,} queued |",
            f"| lost / duplicated messages | {b['lost']} / {b['duplicated']} "
            f"(+{b['unknown']} never queued) |",
            f"| achieved rate | {b['rate']:.2f} msg/s = {b['rate'] / LIMIT:.3f} of the limit |",
            f"| wall time | {b['seconds']:.0f} s |",
            f"| refused with 429 / 500 | {b['refused_429']} / {b['refused_500']} |",
            f"| digest sweep (queue {b['chats']:,} digests) | {b['sweep']:.1f} s |",
            "",
            f"`/summary` over HTTP with {events:,} events stored ({len(times)} requests: latest, "
            "by number, by keywords; from injecting the update to receiving the reply):",
            "",
            "| p50 | p95 | max |",
            "|---|---|---|",
            f"| {_pct(times, 50) * 1000:.0f} ms | {_pct(times, 95) * 1000:.0f} ms "
            f"| {max(times) * 1000:.0f} ms |",
            "",
            f"Seeding {events:,} events took {seeding:.0f} s; peak RSS {peak_rss_mib():.0f} MiB.",
        ]
    )
