"""/summary reply times with 100,000 events stored (issue 12), through the real handlers.

The events (one made-up article each, over the past 30 days) are written in bulk; the bot then
runs against the fake Bot API and a chat asks for the latest event, one by its number and some
by keywords; each time is from injecting the update to receiving the reply, GAP after the last
reply (so the reply is not held for the bot's global pace), with the SQL statements the bot ran
meanwhile counted (the background jobs' too, if they ran then). The keyword search
alone (the repository call, in CPU milliseconds) is timed too: the machine is shared, and CPU
time is what the search itself costs.

Each measurement is its own process on a fresh database: a SQLite file, and the PostgreSQL
database named by ``BRIEFBOT_BENCH_DATABASE_URL`` (emptied first) when it is set.
``python -m benchmarks.bench_lookup --compare OLD_CHECKOUT`` runs each one with the code of
another checkout too (its ``bot`` and ``storage`` packages first on the path), in one run.

Environment: BENCH_LOOKUP_EVENTS (default 100000; comma-separated sizes for several).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from tests.fakes.faults import reset_postgres

# Keyword queries are words of stored headlines: of a recent event, of one 1,500 events back,
# of an old one (50,000 back, or nine tenths of the way with fewer events), and words nobody
# wrote; then a syllable in one title of seven and a two-letter string (too short for trigrams).
RANKS = {"recent words": 3, "words 1,500 back": 1_500, "words of an old event": 50_000}
FIXED = {"words nobody wrote": "zzzz nothing", "a common syllable": "kai", "two letters": "ou"}
REQUESTS = 90
SEARCHES = 15
# Between a reply and the next request: replies share the bot's global pace (a slot every
# 1/29.8 s), so back-to-back requests measured the pacer (33.6 ms), not the lookup.
GAP = 0.05
PG_ENV = "BRIEFBOT_BENCH_DATABASE_URL"
HERE = Path(__file__).resolve()
REPO_ROOT = HERE.parents[1]


def _queries(url: str, events: int) -> dict[str, str]:
    from sqlalchemy import create_engine, text

    from storage.db import sync_url

    engine = create_engine(sync_url(url))
    queries = {"(latest)": "", "number 7": "7", "number 2": "2"}
    with engine.connect() as conn:
        for name, rank in RANKS.items():
            headline = conn.execute(
                text("SELECT headline FROM events ORDER BY last_reported DESC LIMIT 1 OFFSET :n"),
                {"n": min(rank, events * 9 // 10)},
            ).scalar_one()
            queries[name] = " ".join(headline.split()[1:3])
    engine.dispose()
    return {**queries, **FIXED}


async def _measure(events: int, url: str, work: Path) -> dict[str, Any]:
    from benchmarks.bulk import write_history
    from bot.app import build_application, build_services, running
    from bot.config import Settings
    from bot.runtime import Timings
    from tests.fakes.telegram import TOKEN, FakeTelegram

    fake = await FakeTelegram().start()
    settings = Settings(
        telegram_token=TOKEN,
        telegram_api_url=fake.api_url,
        database_url=url,
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
    queries = _queries(settings.database_url, events)
    times: dict[str, list[float]] = {name: [] for name in queries}
    statements: dict[str, list[int]] = {name: [] for name in queries}
    seen = [0]

    def count(*_args: Any) -> None:
        seen[0] += 1

    event.listen(services.db.engine.sync_engine, "before_cursor_execute", count)
    search_cpu: dict[str, list[float]] = {}
    timings = Timings(inbox=False, feeds=False, alert_check=3600, digest_sweep=3600)
    app = build_application(services, timings=timings)
    try:
        async with running(app, poll_timeout=1):
            await fake.command(1, "/start")
            await fake.wait_for(lambda: len(fake.to(1)) >= 1)
            for n in range(REQUESTS):
                name = list(queries)[n % len(queries)]
                before = len(fake.to(1))
                await asyncio.sleep(GAP)
                seen[0] = 0
                started = time.perf_counter()
                await fake.command(1, f"/summary {queries[name]}".strip())
                await fake.wait_for(lambda before=before: len(fake.to(1)) > before, 60)
                times[name].append(time.perf_counter() - started)
                statements[name].append(seen[0])
        for name, query in queries.items():
            if not query or query.isdigit():
                continue
            search_cpu[name] = []
            for _ in range(SEARCHES):
                async with services.db.unit_of_work() as uow:
                    cpu = time.process_time()
                    await uow.events.list_matching_events(query.split(), limit=1)
                    search_cpu[name].append(time.process_time() - cpu)
    finally:
        await services.close()
        await fake.close()
    return {
        "seeding": seeding,
        "times": times,
        "search_cpu": search_cpu,
        "statements": statements,
    }


def measure(events: int, backend: str, code: Path) -> dict[str, Any]:
    """Measure in a child process running ``code``'s bot on a fresh database."""
    with tempfile.TemporaryDirectory(prefix="briefbot-bench-lookup-") as tmp:
        if backend == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'lookup.db'}"
        else:
            url = os.environ[PG_ENV]
            reset_postgres(url)
        env = {
            **os.environ,
            "PYTHONPATH": f"{code}{os.pathsep}{REPO_ROOT}",
            "PTB_TIMEDELTA": "true",
        }
        proc = subprocess.run(
            [sys.executable, str(HERE), "--child", str(events), url, tmp],
            capture_output=True, text=True, env=env, cwd=tmp, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"bench_lookup child failed:\n{proc.stderr[-3000:]}")
        figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        return figures


def _mean_statements(row: dict[str, Any]) -> str:
    counts = [n for values in row.get("statements", {}).values() for n in values]
    return f"{statistics.mean(counts):.1f}" if counts else "-"


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def markdown(rows: list[dict[str, Any]]) -> str:
    """Return the tables: p50/p95 of every run, then each query's median reply and search CPU."""
    lines = [
        "| events | database | code | p50 | p95 | max | keyword search CPU, median / max "
        "| SQL statements a /summary, mean |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ms = sorted(t * 1000 for values in r["times"].values() for t in values)
        cpu = sorted(t * 1000 for values in r["search_cpu"].values() for t in values)
        lines.append(
            f"| {r['events']:,} | {r['backend']} | {r['code']} | {statistics.median(ms):.0f} ms "
            f"| **{_p95(ms):.0f} ms** | {ms[-1]:.0f} ms "
            f"| {statistics.median(cpu):.1f} / {cpu[-1]:.1f} ms | {_mean_statements(r)} |"
        )
    names = list(rows[0]["times"]) if rows else []
    heads = [f"{r['events']:,} {r['backend']} {r['code']}" for r in rows]
    lines += [
        "",
        "Each query's median reply (and the search alone, CPU ms), and its median count of SQL"
        " statements:",
        "",
        "| query | " + " | ".join(heads) + " |",
        "|---|" + "---:|" * len(rows),
    ]
    for name in names:
        cells = []
        for r in rows:
            cell = f"{statistics.median(r['times'][name]) * 1000:.0f} ms"
            if name in r["search_cpu"]:
                cell += f" ({statistics.median(r['search_cpu'][name]) * 1000:.1f})"
            if "statements" in r:
                cell += f", {statistics.median(r['statements'][name]):.0f} st."
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_all(codes: dict[str, Path], sizes: list[int]) -> list[dict[str, Any]]:
    """Measure every size and database with each checkout's code, alternating, in one run."""
    backends = ["sqlite", *(["postgresql"] if os.environ.get(PG_ENV) else [])]
    rows = []
    for events in sizes:
        for backend in backends:
            for label, code in codes.items():
                print(f"{events} {backend} {label}", file=sys.stderr, flush=True)
                figures = measure(events, backend, code)
                rows.append({"events": events, "backend": backend, "code": label, **figures})
    return rows


def _sizes() -> list[int]:
    return [int(n) for n in os.environ.get("BENCH_LOOKUP_EVENTS", "100000").split(",") if n]


def run() -> str:
    """Measure this checkout (for ``make bench``); return the Markdown section."""
    rows = run_all({"this": REPO_ROOT}, _sizes())
    return "\n".join(
        [
            "## /summary with 100,000 events stored",
            "",
            f"One-article events over the past 30 days, written in bulk; {REQUESTS} /summary "
            "requests through the real handlers and the fake Bot API, from injecting the update "
            f"to receiving the reply, {GAP * 1000:.0f} ms after the last reply (replies share "
            "the bot's global pace of a slot every 1/29.8 s); then each keyword query "
            f"{SEARCHES} times through the "
            "repository alone (CPU time).",
            "",
            markdown(rows),
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_lookup")
    parser.add_argument("--compare", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        events, url, work = args.child
        print(json.dumps(asyncio.run(_measure(int(events), url, Path(work)))))
        return 0
    codes = {"before": args.compare.resolve(), "after": REPO_ROOT} if args.compare else None
    print(markdown(run_all(codes or {"this": REPO_ROOT}, _sizes())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
