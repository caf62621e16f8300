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

QUERIES = ["", "7", "council report 4321", "", "statement residents", "2", "zzzz nothing"]
REQUESTS = 70


async def _times(events: int, work: Path) -> tuple[list[float], float]:
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
    timings = Timings(inbox=False, feeds=False, alert_check=3600, digest_sweep=3600)
    app = build_application(services, timings=timings)
    times = []
    try:
        async with running(app, poll_timeout=1):
            await fake.command(1, "/start")
            await fake.wait_for(lambda: len(fake.to(1)) >= 1)
            for n in range(REQUESTS):
                before = len(fake.to(1))
                started = time.perf_counter()
                await fake.command(1, f"/summary {QUERIES[n % len(QUERIES)]}".strip())
                await fake.wait_for(lambda before=before: len(fake.to(1)) > before, 60)
                times.append(time.perf_counter() - started)
    finally:
        await services.close()
        await fake.close()
    return times, seeding


def run() -> str:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    events = int(os.environ.get("BENCH_LOOKUP_EVENTS", "100000"))
    with tempfile.TemporaryDirectory() as tmp:
        times, seeding = asyncio.run(_times(events, Path(tmp)))
    ms = sorted(t * 1000 for t in times)
    p95 = statistics.quantiles(ms, n=100)[94]
    by_query: dict[str, list[float]] = {}
    for n, t in enumerate(times):
        by_query.setdefault(QUERIES[n % len(QUERIES)] or "(latest)", []).append(t * 1000)
    rows = [f"| `{q}` | {statistics.median(v):.0f} ms | {max(v):.0f} ms |" for q, v in by_query.items()]  # fmt: skip
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
