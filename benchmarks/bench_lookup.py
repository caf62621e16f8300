"""/summary reply times with 100,000 events stored (issue 12), through the real handlers.

The events (one made-up article each, over the past 30 days) are written in bulk; the bot then
runs in this process against the fake Bot API and a chat asks for the latest event, one by its
number and some by keywords; each time is from injecting the update to receiving the reply.

Environment: BENCH_LOOKUP_EVENTS (default 100000).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.bulk import write_history

# Keyword queries are words of stored headlines: of a recent event, of one 1,500 events back,
# of one 50,000 back (beyond the newest ones searched first), and words nobody wrote.
RANKS = {"recent words": 3, "words 1,500 back": 1_500, "words 50,000 back": 50_000}
REQUESTS = 70


def _queries(url: str) -> dict[str, str]:
    from sqlalchemy import create_engine, text

    from storage.db import sync_url

    engine = create_engine(sync_url(url))
    queries = {"(latest)": "", "number 7": "7", "number 2": "2"}
    with engine.connect() as conn:
        for name, rank in RANKS.items():
            headline = conn.execute(
                text("SELECT headline FROM events ORDER BY last_reported DESC LIMIT 1 OFFSET :n"),
                {"n": rank},
            ).scalar_one()
            queries[name] = " ".join(headline.split()[1:3])
    engine.dispose()
    queries["words nobody wrote"] = "zzzz nothing"
    return queries


async def _times(events: int, work: Path) -> tuple[dict[str, list[float]], float]:
    from bot.app import build_application, build_services, running
    from bot.config import Settings
    from bot.runtime import Timings
    from tests.fakes.telegram import TOKEN, FakeTelegram

    fake = await FakeTelegram().start()
    settings = Settings(
        telegram_token=TOKEN,
        telegram_api_url=fake.api_url,
        database_url=f"sqlite:///{work / 'lookup.db'}",
        inbox_dir=work / "inbox",
    )
    services = build_services(settings)
    await asyncio.to_thread(services.db.migrate)
    started = time.perf_counter()
    await asyncio.to_thread(
        write_history, settings.database_url, articles=events, per_event=1,
        now=datetime.now(UTC), days=30.0,
    )  # fmt: skip
    seeding = time.perf_counter() - started
    queries = _queries(settings.database_url)
    times: dict[str, list[float]] = {name: [] for name in queries}
    timings = Timings(inbox=False, feeds=False, alert_check=3600, digest_sweep=3600)
    app = build_application(services, timings=timings)
    try:
        async with running(app, poll_timeout=1):
            await fake.command(1, "/start")
            await fake.wait_for(lambda: len(fake.to(1)) >= 1)
            for n in range(REQUESTS):
                name = list(queries)[n % len(queries)]
                before = len(fake.to(1))
                started = time.perf_counter()
                await fake.command(1, f"/summary {queries[name]}".strip())
                await fake.wait_for(lambda before=before: len(fake.to(1)) > before, 60)
                times[name].append(time.perf_counter() - started)
    finally:
        await services.close()
        await fake.close()
    return times, seeding


def run() -> str:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    events = int(os.environ.get("BENCH_LOOKUP_EVENTS", "100000"))
    with tempfile.TemporaryDirectory() as tmp:
        times, seeding = asyncio.run(_times(events, Path(tmp)))
    ms = sorted(t * 1000 for values in times.values() for t in values)
    p95 = statistics.quantiles(ms, n=100)[94]
    rows = [
        f"| {q} | {statistics.median(v) * 1000:.0f} ms | {max(v) * 1000:.0f} ms |"
        for q, v in times.items()
    ]
    return "\n".join(
        [
            f"## /summary with {events:,} events stored",
            "",
            f"{events:,} one-article events over the past 30 days, written in bulk ({seeding:.0f} s);"
            f" {REQUESTS} /summary requests through the real handlers and the fake Bot API, from "
            "injecting the update to receiving the reply.",
            "",
            "| p50 | p95 | max |",
            "|---:|---:|---:|",
            f"| {statistics.median(ms):.0f} ms | **{p95:.0f} ms** | {ms[-1]:.0f} ms |",
            "",
            "| query | median | max |",
            "|---|---:|---:|",
            *rows,
        ]
    )
