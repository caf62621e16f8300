"""Peak memory of `briefbot run` over a large stored history (issue 12).

100,000 articles (half of them undated) stored over the past 14 days are written in bulk; then
the bot starts as a real process against the fake Bot API, new articles arrive in its inbox (so
it rebuilds its clustering index over the last 7 days, places them and runs revision passes),
and a chat asks for /events and /summary. The process's peak resident memory (VmHWM) is read
from /proc.

Environment: BENCH_MEMORY_ARTICLES (default 100000), BENCH_MEMORY_NEW (default 600);
BENCH_MEMORY_BEFORE, another checkout's root: its bot runs first over a copy of the same history,
so before and after are measured in one run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.bulk import Corpus, write_history
from benchmarks.shared import REPO_ROOT

DAYS = 14.0


def _status_mib(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class _Sampler(threading.Thread):
    """Read a process's resident memory every 0.1 s; keep the highest seen."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            self.peak = max(self.peak, _status_mib(self.pid, "VmRSS"))


def _write_inbox(inbox: Path, count: int) -> None:
    corpus = Corpus(seed=99)
    story = corpus.story()
    for n in range(count):
        if n % 3 == 0:
            story = corpus.story()
        title, body = corpus.article(story)
        folder = inbox / f"Newcomer {n % 12}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{n:05d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=30) as conn:
        return int(conn.execute(sql).fetchone()[0])


async def _seed(work: Path, articles: int) -> dict[str, float]:
    from storage.db import upgrade

    db = work / "seed.db"
    url = f"sqlite:///{db}"
    started = time.perf_counter()
    await asyncio.to_thread(upgrade, url)
    history = await asyncio.to_thread(
        write_history, url, articles=articles, now=datetime.now(UTC), days=DAYS
    )
    return {
        "articles": history.articles,
        "undated": history.undated,
        "in_window": history.in_window,
        "seeding": time.perf_counter() - started,
    }


async def _measure(work: Path, root: str, articles: int, new: int) -> dict[str, float]:
    from tests.fakes.telegram import TOKEN, FakeTelegram

    db = work / "bot.db"
    url = f"sqlite:///{db}"
    fake = await FakeTelegram().start()
    inbox = work / "inbox"
    inbox.mkdir()
    env = {
        **os.environ,
        "BRIEFBOT_TELEGRAM_TOKEN": TOKEN,
        "BRIEFBOT_TELEGRAM_API_URL": fake.api_url,
        "BRIEFBOT_DATABASE_URL": url,
        "BRIEFBOT_INBOX_DIR": str(inbox),
        "BRIEFBOT_LOG_LEVEL": "INFO",
        "PYTHONPATH": root,
    }
    log_file = (work / "bot.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=work,
        stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
    )  # fmt: skip
    sampler = _Sampler(proc.pid)
    sampler.start()
    figures: dict[str, float] = {}
    try:
        await fake.wait_for(lambda: "setMyCommands" in fake.methods(), within=120)
        await fake.command(1, "/start")
        await fake.wait_for(lambda: len(fake.to(1)) >= 1, within=60)
        figures["at_start"] = _status_mib(proc.pid, "VmRSS")
        ingest_started = time.perf_counter()
        await asyncio.to_thread(_write_inbox, inbox, new)
        total = articles + new
        deadline = time.monotonic() + 2400
        placed = "SELECT count(*) FROM articles WHERE event_id IS NOT NULL"
        while (done := _count(db, placed)) < total:
            if time.monotonic() > deadline or proc.returncode is not None:
                raise RuntimeError(f"{total - done} new articles not placed in time")
            await asyncio.sleep(0.5)
        figures["ingest"] = time.perf_counter() - ingest_started
        # Let the revision loop run its pass over what arrived (it rests between passes).
        await asyncio.sleep(20)
        for query in ["/events", "/summary", "/summary 2", "/summary 5", "/events"]:
            before = len(fake.to(1))
            await fake.command(1, query)
            await fake.wait_for(lambda before=before: len(fake.to(1)) > before, within=120)
        figures["peak"] = _status_mib(proc.pid, "VmHWM")
        figures["sampled_peak"] = sampler.peak
        figures["at_end"] = _status_mib(proc.pid, "VmRSS")
    finally:
        sampler.stop.set()
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 60)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await fake.close()
        log_file.close()
    log = (work / "bot.log").read_text(errors="replace")
    rebuilt = [line for line in log.splitlines() if "clustering index rebuilt" in line]
    figures["index_loaded"] = float(rebuilt[0].split("from ")[1].split()[0]) if rebuilt else 0.0
    return figures


def run() -> str:
    articles = int(os.environ.get("BENCH_MEMORY_ARTICLES", "100000"))
    new = int(os.environ.get("BENCH_MEMORY_NEW", "600"))
    roots = [("this checkout", str(REPO_ROOT))]
    if before := os.environ.get("BENCH_MEMORY_BEFORE"):
        roots.insert(0, ("before", before))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        h = asyncio.run(_seed(Path(tmp), articles))
        for n, (label, root) in enumerate(roots):
            work = Path(tmp) / f"bot{n}"
            work.mkdir()
            for suffix in ("", "-wal", "-shm"):  # every bot starts from the same history
                if (seed := Path(tmp) / f"seed.db{suffix}").exists():
                    shutil.copyfile(seed, work / f"bot.db{suffix}")
            f = asyncio.run(_measure(work, root, articles, new))
            rows.append(
                f"| {label} | {f['at_start']:.0f} MiB | **{f['peak']:.0f} MiB** "
                f"| {f['at_end']:.0f} MiB | {int(f['index_loaded']):,} articles "
                f"| {f['ingest']:.0f} s |"
            )
    return "\n".join(
        [
            "## Memory of the running bot (100k stored articles)",
            "",
            f"{int(h['articles']):,} made-up articles stored over the past {DAYS:.0f} days "
            f"({int(h['undated']):,} undated, {int(h['in_window']):,} arrived in the last 7 days), "
            f"written in bulk ({h['seeding']:.0f} s); then `briefbot run` starts against the fake "
            f"Bot API, {new} new articles arrive in its inbox (the clustering index rebuilt over "
            "the last 7 days, revision passes), and a chat asks for /events and /summary. Each "
            "bot runs over its own copy of the same history. Resident memory of the bot's "
            "process, from /proc:",
            "",
            "| bot | at start | peak (VmHWM) | at the end | index rebuilt from | new placed in |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )
