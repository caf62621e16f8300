"""Delivery at scale: one digest to 10,000 chats through a rate-limited, flaky fake Bot API,
and /summary reply times with 10,000 events stored.

Environment: BENCH_DELIVERY_CHATS (default 10000) and BENCH_DELIVERY_EVENTS (default 10000)
shrink the run for a quick look.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.shared import peak_rss_mib

LIMIT = 30.0  # the fake enforces Telegram's ~30 messages/s, sliding one-second window
RANDOM_429 = 0.001
RANDOM_500 = 0.01
HERE = Path(__file__).resolve()
REPO_ROOT = HERE.parents[1]


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


def text_key(text: str) -> str:
    """Return a short stand-in for a message's text (all the texts are megabytes)."""
    return hashlib.sha1(text.encode()).hexdigest()


class _LoopLag:
    """Measure how late the event loop wakes a task that sleeps ``tick`` seconds at a time."""

    def __init__(self, tick: float = 0.005) -> None:
        self.tick = tick
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.tick)
            self.lags.append(loop.time() - before - self.tick)

    def stop(self) -> dict[str, float]:
        assert self._task is not None
        self._task.cancel()
        lags = sorted(self.lags) or [0.0]
        return {
            "lag_p50": lags[len(lags) // 2],
            "lag_p99": lags[int(len(lags) * 0.99)],
            "lag_max": lags[-1],
            # Seconds the loop was late in all (ticks later than 20 ms count what exceeds it).
            "lag_over_20ms": sum(max(0.0, lag - 0.02) for lag in lags),
        }


def _schedstat() -> tuple[float, float]:
    """Return this process's seconds on a CPU and seconds runnable but waiting for one (Linux)."""
    total_run = total_wait = 0.0
    for task in Path("/proc/self/task").iterdir():
        try:
            run_ns, wait_ns, _ = (task / "schedstat").read_text().split()
        except (OSError, ValueError):
            continue
        total_run += int(run_ns) / 1e9
        total_wait += int(wait_ns) / 1e9
    return total_run, total_wait


async def _fake_process() -> tuple[asyncio.subprocess.Process, str]:
    """Start the fake Bot API in its own process; return it and its address."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.fake_api_process", str(LIMIT), str(RANDOM_429),
        str(RANDOM_500), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env=env, cwd=REPO_ROOT,
    )  # fmt: skip
    assert proc.stdout is not None
    url = (await proc.stdout.readline()).decode().strip()
    return proc, url


async def _broadcast(chats: int, work: Path) -> dict[str, float]:
    from telegram import Bot

    from bot.delivery.digests import DigestService
    from bot.delivery.outbox import OutboxWorker
    from bot.delivery.sender import RateLimiter
    from bot.events.service import EventService
    from storage.db import upgrade
    from storage.unit_of_work import Database
    from tests.fakes.telegram import TOKEN

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

    fake, api_url = await _fake_process()
    try:  # the bot's own connection where the code has one
        from bot.delivery.sender import JSONRequest as Request
    except ImportError:
        from telegram.request import HTTPXRequest as Request  # type: ignore[assignment]
    bot = Bot(TOKEN, base_url=f"{api_url}/bot", request=Request(connection_pool_size=64))
    limiter = RateLimiter()  # the bot's own pace
    worker = OutboxWorker(db, bot, limiter=limiter, backoff_base=1.0)
    lag = _LoopLag()
    async with bot:
        lag.start()
        cpu, (run0, wait0) = time.process_time(), _schedstat()
        started = time.perf_counter()
        while True:
            await worker.drain()
            async with db.unit_of_work() as uow:
                counts = await uow.outbox.count_by_state()
            if not counts.get("pending") and not counts.get("sending"):
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        run1, wait1 = _schedstat()
        lags = lag.stop()
        async with db.unit_of_work() as uow:
            queued = await uow.outbox.list_messages()
    await db.dispose()
    assert fake.stdin is not None and fake.stdout is not None
    fake.stdin.close()
    seen = json.loads((await fake.stdout.read()).decode())
    await fake.wait()
    sent = [(chat, text) for chat, text, _ in seen["sent"]]
    # Per message, not per chat: the two parts of a long digest are two messages.
    delivered = Counter(sent)
    duplicated = sum(n - 1 for n in delivered.values() if n > 1)
    keys = [(m, (m.chat_id, text_key(m.text))) for m in queued]
    return {
        "chats": chats,
        "queued": len(queued),
        "delivered": len(sent),
        "lost": sum(1 for m, key in keys if m.state != "sent" or not delivered[key]),
        "duplicated": duplicated,
        "unknown": len(delivered.keys() - {key for _, key in keys}),
        "seconds": elapsed,
        "rate": (len(sent) - duplicated) / elapsed,
        "busiest_second": _busiest_second([at for _, _, at in seen["sent"]]),
        "idle": _idle([at for _, _, at in seen["sent"] + seen["refused"]], after=0.2),
        "pauses": getattr(limiter, "pauses", float("nan")),
        "refused_429": sum(1 for r in seen["refused"] if r[1] == 429),
        "refused_500": sum(1 for r in seen["refused"] if r[1] == 500),
        "sweep": sweep,
        "paced": 1.0 / limiter.base_interval,
        "cpu": cpu,
        "cpu_per_1000": cpu / max(1, len(sent)) * 1000,
        "on_cpu": run1 - run0,
        "runnable_waiting": wait1 - wait0,
        **lags,
    }


def _idle(times: list[float], *, after: float) -> float:
    """Return the seconds in gaps longer than ``after`` between requests reaching the fake."""
    times = sorted(times)
    return sum(b - a for a, b in itertools.pairwise(times) if b - a > after)


def _busiest_second(times: list[float]) -> int:
    """Return the most sends the fake accepted within any one second."""
    times = sorted(times)
    most = start = 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


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
            "The fake runs in its own process, so the CPU figures are the bot's alone.",
            "",
            table({"value": b}),
            "",
            f"Queueing the {b['chats']:,} digests (the sweep) took {b['sweep']:.1f} s.",
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


def broadcast_in(code: Path, chats: int) -> subprocess.Popen[str]:
    """Start a broadcast with ``code``'s bot in a child process (its ``bot`` first on the path)."""
    env = {**os.environ, "PYTHONPATH": f"{code}{os.pathsep}{REPO_ROOT}", "PTB_TIMEDELTA": "true"}
    return subprocess.Popen(
        [sys.executable, str(HERE), "--child", str(chats)],
        stdout=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT,
    )  # fmt: skip


def compare(codes: dict[str, Path], chats: int) -> str:
    """Broadcast with each checkout's code at the same time (so the machine's load is shared
    alike); return a table of the figures."""
    procs = {label: broadcast_in(code, chats) for label, code in codes.items()}
    rows = {}
    for label, proc in procs.items():
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"bench_delivery child {label} failed")
        rows[label] = json.loads(out.strip().splitlines()[-1])
    return table(rows)


def table(rows: dict[str, dict[str, float]]) -> str:
    """Return one column of figures per run."""
    figures = [
        ("chats", "{chats:,.0f}"),
        ("delivered of queued", "{delivered:,.0f} of {queued:,.0f}"),
        ("lost / duplicated (never queued)", "{lost:.0f} / {duplicated:.0f} ({unknown:.0f})"),
        ("achieved rate of 30/s", "{rate:.2f} msg/s = {share:.3f}"),
        ("most accepted in any 1 s", "{busiest_second:.0f}"),
        ("refused 429 / 500", "{refused_429:.0f} / {refused_500:.0f}"),
        ("pauses of every send (429s of several chats)", "{pauses:.0f}"),
        ("gaps of over 0.2 s between sends, in all", "{idle:.1f} s"),
        ("wall time of the broadcast", "{seconds:.0f} s"),
        ("bot process CPU (per 1,000 messages)", "{cpu:.1f} s ({cpu_per_1000:.2f} s)"),
        ("bot runnable but waiting for a CPU", "{runnable_waiting:.1f} s"),
        ("event-loop lag p50 / p99 / max", "{lag_p50_ms:.1f} / {lag_p99_ms:.1f} / {lag_max_ms:.0f} ms"),
        ("loop late beyond 20 ms, in all", "{lag_over_20ms:.1f} s"),
    ]  # fmt: skip
    lines = ["| figure | " + " | ".join(rows) + " |", "|---|" + "---|" * len(rows)]
    for name, pattern in figures:
        cells = []
        for r in rows.values():
            values = {**r, "share": r["rate"] / LIMIT}
            values.update({f"{k}_ms": r[k] * 1000 for k in ("lag_p50", "lag_p99", "lag_max")})
            cells.append(pattern.format(**values))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_delivery")
    parser.add_argument("--compare", type=Path, help="another checkout to broadcast beside")
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(asyncio.run(_broadcast(args.child, Path(tmp)))))
        return 0
    codes = {"before": args.compare.resolve(), "after": REPO_ROOT} if args.compare else None
    print(compare(codes or {"this": REPO_ROOT}, args.chats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
