"""Ingestion throughput (files into SQLite) and feed polling over loopback HTTP."""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.shared import REPO_ROOT, peak_rss_mib
from bot.config import Settings
from bot.events import EventService
from bot.ingest.feeds import FeedPoller
from bot.ingest.files import read_paths
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from bot.ingest.store import store_article
from bot.pipeline import Pipeline
from storage.unit_of_work import Database

# Storing alone, and the full pipeline (with event clustering and the event re-analysis).
COUNTS = (1_000, 10_000)
FEEDS = 500
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


async def _store_only(
    db: Database, items: list[ParsedArticle | IngestResult]
) -> list[IngestResult]:
    now = datetime.now(UTC)
    results = []
    for item in items:
        if isinstance(item, IngestResult):
            results.append(item)
            continue
        async with db.unit_of_work() as uow:
            results.append(await store_article(uow, item, now=now))
    return results


async def _ingest_files(
    count: int, tmp: Path, *, cluster: bool
) -> tuple[float, float, Counter[Outcome]]:
    name = f"files-{count}-{'pipeline' if cluster else 'store'}"
    root = tmp / name
    _write_files(root, count, seed=count)
    db = _migrated(f"sqlite:///{tmp / f'{name}.db'}")
    started = time.perf_counter()
    items = await asyncio.to_thread(read_paths, [root], max_bytes=5_000_000)
    read_s = time.perf_counter() - started
    if cluster:
        results = await Pipeline(db, EventService()).ingest(items)
    else:
        results = await _store_only(db, items)
    total_s = time.perf_counter() - started
    await db.dispose()
    return read_s, total_s, Counter(r.outcome for r in results)


async def _poll_feeds(tmp: Path) -> list[tuple[str, float, int, int, int]]:
    sys.path.insert(0, str(REPO_ROOT))
    from tests.fake_feeds import rss, running_server

    rng = random.Random(7)
    events = _events(rng, FEEDS * ENTRIES_PER_FEED // ARTICLES_PER_EVENT + 1)
    rows = []
    with running_server() as server:
        db = _migrated(f"sqlite:///{tmp / 'feeds.db'}")
        now = datetime(2026, 1, 8, 12, 0, tzinfo=UTC)
        async with db.unit_of_work() as uow:
            for f in range(FEEDS):
                items = []
                for e in range(ENTRIES_PER_FEED):
                    n = f * ENTRIES_PER_FEED + e
                    headline, body = _story(rng, events[n // ARTICLES_PER_EVENT])
                    link = f"http://feed{f}.example/story/{e}"
                    items.append({"title": headline, "link": link, "content": body})
                url = server.feed(f"/feed/{f}.xml", rss(items), etag=f"f{f}")
                await uow.feeds.add(url=url, name=f"Feed {f}", now=now)
        settings = Settings(allow_private_feeds=True, poll_interval=600)
        poller = FeedPoller(db, Pipeline(db, EventService()), settings)
        try:
            for label, at in (
                ("first cycle", now),
                ("second cycle (all 304)", now + timedelta(seconds=600)),
            ):
                started = time.perf_counter()
                reports = await poller.poll_due(at)
                elapsed = time.perf_counter() - started
                ok = sum(r.status == "ok" for r in reports)
                not_modified = sum(r.status == "not-modified" for r in reports)
                new = sum(r.counts[Outcome.NEW] for r in reports)
                rows.append((label, elapsed, ok, not_modified, new))
        finally:
            await poller.close()
            await db.dispose()
    return rows


async def _run(tmp: Path) -> str:
    lines = [
        "## Ingestion",
        "",
        f"Generated `.txt` articles ({SOURCES} source folders, 60–110 words, "
        f"{ARTICLES_PER_EVENT} articles per event) read from disk and stored "
        "into SQLite in a temporary folder, one unit of work per article. *store* = parse, hash, "
        "MinHash near-duplicate check against the source's recent articles, insert; *pipeline* "
        "adds event clustering and the briefing refresh (bot/events.py).",
        "",
        "| files | path | reading s | total s | articles/s | outcomes |",
        "|---:|---|---:|---:|---:|---|",
    ]
    runs = [(n, False) for n in COUNTS] + [(n, True) for n in COUNTS]
    for count, cluster in runs:
        read_s, total_s, counts = await _ingest_files(count, tmp, cluster=cluster)
        outcome_text = ", ".join(f"{n} {o.value}" for o, n in counts.items())
        lines.append(
            f"| {count:,} | {'pipeline' if cluster else 'store'} | {read_s:.1f} | {total_s:.1f} "
            f"| {count / total_s:,.0f} | {outcome_text} |"
        )
    lines += [
        "",
        f"One poll cycle over {FEEDS} RSS feeds ({ENTRIES_PER_FEED} full-text entries each) served "
        "from a threaded HTTP server on loopback, at most 16 feeds at once; the second cycle sends "
        "the stored ETags and gets 304 for every feed.",
        "",
        "| cycle | seconds | feeds ok | not modified | new articles |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, elapsed, ok, not_modified, new in await _poll_feeds(tmp):
        lines.append(f"| {label} | {elapsed:.1f} | {ok} | {not_modified} | {new} |")
    lines += ["", f"Peak memory: {peak_rss_mib():.0f} MiB.", ""]
    return "\n".join(lines)


def run() -> str:
    """Measure ingestion and polling; return a Markdown section."""
    with tempfile.TemporaryDirectory(prefix="briefbot-bench-ingest-") as tmp:
        return asyncio.run(_run(Path(tmp)))
