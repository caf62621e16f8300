"""Ingestion throughput (files into SQLite) and feed polling over loopback HTTP.

Every scenario runs in its own process, so its peak memory is its own:
``python -m benchmarks.bench_ingest SCENARIO`` prints one JSON line; ``run()`` runs them all and
returns the Markdown section. ``python -m benchmarks.bench_ingest --small`` is a quick check at a
tenth of the size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event

from benchmarks.shared import REPO_ROOT, peak_rss_mib
from bot.config import Settings
from bot.events.service import EventService
from bot.ingest.files import read_paths
from bot.ingest.model import IngestResult, Outcome
from bot.ingest.pipeline import Pipeline
from bot.ingest.poller import MAX_CONCURRENT_FEEDS, FeedPoller
from bot.ingest.store import store_article
from storage.unit_of_work import Database
from tests.fakes.faults import reset_postgres

# The PostgreSQL database a "-postgresql" files scenario stores into (emptied first).
PG_ENV = "BRIEFBOT_BENCH_DATABASE_URL"
# Storing alone, and the full pipeline (with event clustering and the event re-analysis).
COUNTS = (1_000, 10_000)
FEEDS = 500
SMALL = 10  # --small divides every size by this
ENTRIES_PER_FEED = 4
SOURCES = 25
ARTICLES_PER_EVENT = 5
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "tas",
    "vo",
    "bel",
    "dra",
    "fen",
    "gor",
    "hul",
    "ist",
    "jan",
    "kep",
    "lum",
    "nor",
    "pex",
    "qui",
    "ros",
    "tur",
]
_VERBS = [
    "met",
    "approved",
    "rejected",
    "delayed",
    "announced",
    "criticised",
    "funded",
    "inspected",
    "closed",
    "opened",
]


def _name(rng: random.Random) -> str:
    return "".join(rng.sample(_SYLLABLES, 3)).title()


def _events(rng: random.Random, count: int) -> list[list[str]]:
    """Return ``count`` events, each a handful of made-up names its articles share."""
    return [[_name(rng) for _ in range(6)] for _ in range(count)]


def _story(rng: random.Random, event: list[str]) -> tuple[str, str]:
    """Write a headline and a few sentences about one event."""
    headline = f"{event[0]} {rng.choice(_VERBS)} {event[1]} plan for {event[2]}"
    sentences = []
    for _ in range(rng.randint(5, 9)):
        a, b, c = rng.sample(event, 3)
        sentences.append(
            f"{a} {rng.choice(_VERBS)} the {b} proposal on {rng.choice(['Monday', 'Friday'])}, "
            f"and {rng.randint(2, 900)} people in {c} {rng.choice(_VERBS)} it."
        )
    return headline, " ".join(sentences)


def _descendants_cpu(pid: int | None = None, skip: frozenset[int] = frozenset()) -> float:
    """Return the CPU seconds of this process's live descendants (worker processes), Linux only.

    The processes in ``skip`` (and theirs) are left out.
    """
    pid = pid if pid is not None else os.getpid()
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = [int(k) for k in children.read_text().split()]
        except OSError:
            continue
        for kid in kids:
            if kid in skip:
                continue
            try:
                fields = Path(f"/proc/{kid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick + _descendants_cpu(kid, skip)
    return total


def _page(headline: str, body: str) -> bytes:
    """Write an article page as a news site serves it: head, navigation, article, footer."""
    sentences = body.split(". ")
    paragraphs = "".join(
        f"<p>{'. '.join(sentences[i : i + 2])}.</p>" for i in range(0, len(sentences), 2)
    )
    nav = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(12))
    return (
        f"<!doctype html><html><head><title>{headline}</title>"
        f'<meta property="og:title" content="{headline}">'
        '<meta property="article:published_time" content="2026-01-08T09:00:00Z"></head>'
        f"<body><header><nav><ul>{nav}</ul></nav></header><main><article><h1>{headline}</h1>"
        f"{paragraphs}</article></main><footer><p>All rights reserved.</p>"
        f"<ul>{nav}</ul></footer></body></html>"
    ).encode()


def _write_files(root: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    events = _events(rng, count // ARTICLES_PER_EVENT + 1)
    for i in range(count):
        folder = root / f"Source {i % SOURCES:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        headline, body = _story(rng, events[i // ARTICLES_PER_EVENT])
        (folder / f"story-{i:05d}.txt").write_text(f"{headline}\n\n{body}\n", encoding="utf-8")


def _migrated(url: str) -> Database:
    db = Database(url)
    db.migrate()
    return db


async def _store_only(db: Database, root: Path) -> Counter[Outcome]:
    """Store each file's article without clustering, reading files as they are stored."""
    now = datetime.now(UTC)
    counts: Counter[Outcome] = Counter()
    for item in read_paths([root], max_bytes=5_000_000):
        if isinstance(item, IngestResult):
            counts[item.outcome] += 1
            continue
        async with db.unit_of_work() as uow:
            counts[(await store_article(uow, item, now=now)).outcome] += 1
    return counts


async def _ingest_files(
    count: int, tmp: Path, *, cluster: bool, url: str | None = None
) -> dict[str, Any]:
    name = f"files-{count}-{'pipeline' if cluster else 'store'}"
    root = tmp / name
    _write_files(root, count, seed=count)
    if url is not None:
        reset_postgres(url)
    db = _migrated(url or f"sqlite:///{tmp / f'{name}.db'}")
    statements = [0]

    def count_statement(*_: Any) -> None:
        statements[0] += 1

    sa_event.listen(db.engine.sync_engine, "before_cursor_execute", count_statement)
    started_rss = peak_rss_mib()
    started = time.perf_counter()
    read = sum(1 for _ in read_paths([root], max_bytes=5_000_000))  # reading alone
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    if cluster:
        pipeline = Pipeline(db, EventService())
        counts: Counter[Outcome] = Counter()
        async for result in pipeline.ingest_stream(read_paths([root], max_bytes=5_000_000)):
            counts[result.outcome] += 1
    else:
        counts = await _store_only(db, root)
    total_s = time.perf_counter() - started
    await db.dispose()
    assert read == count
    return {
        "read_s": read_s,
        "total_s": total_s,
        "outcomes": {o.value: n for o, n in counts.items()},
        "statements_per_article": statements[0] / count,
        "rss_before_mib": started_rss,
    }


def _serve_feeds(feeds: int, conn: Connection) -> None:
    """In a child process: serve ``feeds`` teaser feeds and their pages until told to stop.

    The server runs apart from the poller so that the poller's CPU seconds are its own (a
    feed site is another machine); it sends back its feed URLs, then its own CPU seconds.
    """
    sys.path.insert(0, str(REPO_ROOT))
    from tests.fakes.feeds import rss, running_server

    rng = random.Random(7)
    events = _events(rng, feeds * ENTRIES_PER_FEED // ARTICLES_PER_EVENT + 1)
    with running_server() as server:
        urls = []
        for f in range(feeds):
            items = []
            for e in range(ENTRIES_PER_FEED):
                n = f * ENTRIES_PER_FEED + e
                headline, body = _story(rng, events[n // ARTICLES_PER_EVENT])
                # A teaser: the poller fetches the page and extracts its article.
                link = server.static(f"/story/{f}/{e}.html", _page(headline, body))
                items.append({"title": headline, "link": link, "description": "Read on."})
            urls.append(server.feed(f"/feed/{f}.xml", rss(items), etag=f"f{f}"))
        conn.send(urls)
        while conn.recv() != "stop":
            conn.send(time.process_time())
    conn.send(time.process_time())


def _answer(conn: Connection, server: multiprocessing.process.BaseProcess) -> Any:
    """Return the feed server's next message; raise if it died instead."""
    while not conn.poll(1.0):
        if not server.is_alive():
            raise RuntimeError(f"the feed server exited ({server.exitcode})")
    return conn.recv()


def _cpu(conn: Connection, server: multiprocessing.process.BaseProcess) -> tuple[float, ...]:
    """Return the CPU seconds so far of this process, its workers and the feed server."""
    conn.send("cpu")
    skip = frozenset({server.pid}) if server.pid is not None else frozenset()
    return time.process_time(), _descendants_cpu(skip=skip), float(_answer(conn, server))


async def _poll_feeds(tmp: Path, feeds: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    conn, child_conn = context.Pipe()
    server = context.Process(target=_serve_feeds, args=(feeds, child_conn), daemon=True)
    server.start()
    cycles = []
    try:
        urls = _answer(conn, server)
        db = _migrated(f"sqlite:///{tmp / 'feeds.db'}")
        now = datetime(2026, 1, 8, 12, 0, tzinfo=UTC)
        async with db.unit_of_work() as uow:
            for f, url in enumerate(urls):
                await uow.feeds.add(url=url, name=f"Feed {f}", now=now)
        settings = Settings(allow_private_feeds=True, poll_interval=600)
        poller = FeedPoller(db, Pipeline(db, EventService()), settings)
        started_rss = peak_rss_mib()
        try:
            for label, at in (
                ("first cycle", now),
                ("second cycle (all 304)", now + timedelta(seconds=600)),
            ):
                started, cpu = time.perf_counter(), _cpu(conn, server)
                reports = await poller.poll_due(at)
                elapsed = time.perf_counter() - started
                bot, workers, served = (b - a for a, b in zip(cpu, _cpu(conn, server), strict=True))
                cycles.append(
                    {
                        "label": label,
                        "seconds": elapsed,
                        "cpu_seconds": bot + workers,
                        "bot_cpu_seconds": bot,
                        "workers_cpu_seconds": workers,
                        "server_cpu_seconds": served,
                        "ok": sum(r.status == "ok" for r in reports),
                        "not_modified": sum(r.status == "not-modified" for r in reports),
                        "new": sum(r.counts[Outcome.NEW] for r in reports),
                        "peak_rss_mib": peak_rss_mib(),
                    }
                )
        finally:
            await poller.close()
            await db.dispose()
    finally:
        if server.is_alive():
            conn.send("stop")
            _answer(conn, server)
        server.join(timeout=10)
    return {"cycles": cycles, "rss_before_mib": started_rss}


def _scenarios(small: bool) -> list[str]:
    scale = SMALL if small else 1
    files = [f"files-{n // scale}-{path}" for path in ("store", "pipeline") for n in COUNTS]
    return [*files, f"feeds-{FEEDS // scale}"]


def run_scenario(name: str) -> dict[str, Any]:
    """Run one scenario in this process and return its figures with the peak memory."""
    kind, size, *rest = name.split("-")
    with tempfile.TemporaryDirectory(prefix="briefbot-bench-ingest-") as tmp:
        if kind == "files":
            # "files-1000-pipeline-postgresql": into the database BRIEFBOT_BENCH_DATABASE_URL
            # names (emptied first), not a SQLite file.
            url = os.environ[PG_ENV] if rest[1:] == ["postgresql"] else None
            figures = asyncio.run(
                _ingest_files(int(size), Path(tmp), cluster=rest[:1] == ["pipeline"], url=url)
            )
        else:
            figures = asyncio.run(_poll_feeds(Path(tmp), int(size)))
    return {"scenario": name, "peak_rss_mib": peak_rss_mib(), **figures}


def _in_child(name: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_ingest", name],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"scenario {name} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "## Ingestion",
        "",
        f"Generated `.txt` articles ({SOURCES} source folders, 60–110 words, "
        f"{ARTICLES_PER_EVENT} articles per event) read from disk as they are stored "
        "into SQLite in a temporary folder: *store* one unit of work per article, *pipeline* one "
        "per batch of 200 (bot/ingest/pipeline.py), statements counted. *store* = parse, hash, "
        "MinHash near-duplicate check against the source's recent articles, insert; *pipeline* "
        "adds event clustering and the briefing refresh (bot/events/service.py). *reading s* is a "
        "separate pass that only reads and parses the files. Each row is its own process: "
        "*peak MiB* is its peak resident memory, *at start* the same after imports and setup.",
        "",
        "| files | path | reading s | storing s | articles/s | statements/article | peak MiB "
        "| at start MiB | outcomes |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        kind, size, *rest = r["scenario"].split("-")
        if kind != "files":
            continue
        outcomes = ", ".join(f"{n} {o}" for o, n in r["outcomes"].items())
        lines.append(
            f"| {int(size):,} | {rest[0]} | {r['read_s']:.1f} | {r['total_s']:.1f} "
            f"| {int(size) / r['total_s']:,.0f} | {r['statements_per_article']:.1f} "
            f"| {r['peak_rss_mib']:.0f} "
            f"| {r['rss_before_mib']:.0f} | {outcomes} |"
        )
    for r in results:
        kind, size = r["scenario"].split("-")[:2]
        if kind != "feeds":
            continue
        lines += [
            "",
            f"One poll cycle over {int(size):,} RSS feeds ({ENTRIES_PER_FEED} teaser entries "
            "each, whose article pages are fetched and extracted) served from a threaded HTTP "
            "server on loopback, at most "
            f"{MAX_CONCURRENT_FEEDS} feeds at once; the second cycle sends the stored ETags and "
            "gets 304 for every feed. Peak memory is the process's after each cycle "
            f"({r['rss_before_mib']:.0f} MiB after setup).",
            "",
            "*bot CPU s* is the polling process's, *workers CPU s* its parsing workers' (feed "
            "parsing, page extraction); the feed server runs in a process of its own (*server "
            "CPU s*). On a shared machine the wall clock mostly measures the others.",
            "",
            "| cycle | seconds | bot CPU s | workers CPU s | server CPU s | feeds ok "
            "| not modified | new articles | peak MiB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for c in r["cycles"]:
            lines.append(
                f"| {c['label']} | {c['seconds']:.1f} | {c['bot_cpu_seconds']:.2f} "
                f"| {c['workers_cpu_seconds']:.2f} | {c['server_cpu_seconds']:.2f} "
                f"| {c['ok']} | {c['not_modified']} | {c['new']} | {c['peak_rss_mib']:.0f} |"
            )
    return "\n".join([*lines, ""])


def run(*, small: bool = False) -> str:
    """Measure ingestion and polling, each scenario in its own process; return Markdown."""
    return _markdown([_in_child(name) for name in _scenarios(small)])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_ingest")
    parser.add_argument("scenario", nargs="?", help="run one scenario here, print JSON")
    parser.add_argument("--small", action="store_true", help="every size divided by 10")
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(run_scenario(args.scenario)))
    else:
        print(run(small=args.small))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
