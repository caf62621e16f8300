"""What the CLI subcommands do: open the services, call one, print the outcome."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.app import build_services
from bot.cli.output import (
    format_result,
    format_totals,
    status_json,
    status_lines,
)
from bot.config import Settings
from bot.ingest.model import Outcome
from bot.ingest.offload import ParsePool
from bot.render.json import briefings_to_json
from bot.render.text import briefing_to_text
from bot.services.container import Services
from bot.times import utcnow
from storage.db import safe_url

MEMORY_URL = "sqlite:///:memory:"


class CommandError(Exception):
    """Bad input to a command; the message is shown as it is."""


async def open_services(settings: Settings, *, database_url: str | None = None) -> Services:
    """Build services and bring the database schema up to date."""
    services = build_services(settings, database_url=database_url)
    if (database_url or settings.database_url) == MEMORY_URL:
        await services.db.create_all()
    else:
        await asyncio.to_thread(services.db.migrate)
    return services


@contextlib.asynccontextmanager
async def opened(settings: Settings, *, database_url: str | None = None) -> AsyncIterator[Services]:
    """Open the services for one command and close them after it, whatever happens."""
    services = await open_services(settings, database_url=database_url)
    try:
        yield services
    finally:
        await services.close()


@contextlib.asynccontextmanager
async def analysing(services: Services) -> AsyncIterator[None]:
    """Have big batches of articles analysed in worker processes while the command stores them."""
    pool = services.pipeline.analysers = ParsePool()
    try:
        yield
    finally:
        services.pipeline.analysers = None
        await pool.close()


# Allocations between two young-generation collections during a bulk ingest (default 700).
BULK_GC_THRESHOLD = 5000


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """Have the cyclic garbage collector run less often while many articles are stored.

    Storing and placing them makes millions of small objects that live on (the index's), and
    at its default pace the collector ran about 1,100 times over 10,000 files (1.1 CPU s):
    the objects already made (the imports') are moved out of its sight, and it runs a seventh
    as often (0.3 CPU s). The settings are put back after.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(BULK_GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


async def ingest_paths(settings: Settings, paths: Sequence[Path], *, out: TextIO) -> int:
    """Ingest files and folders, printing each result as it comes; 1 when any was rejected."""
    counts: Counter[Outcome] = Counter()
    async with opened(settings) as services, analysing(services):
        with collecting_less():
            async for result in services.uploads.ingest_paths(paths, inbox=settings.inbox_dir):
                counts[result.outcome] += 1
                print(format_result(result), file=out, flush=True)
            # At the batch's end, group the new articles again without regard to their order.
            await services.pipeline.revise()
    print(format_totals(counts), file=out)
    return 1 if counts[Outcome.REJECTED] else 0


async def brief_events(
    settings: Settings, paths: Sequence[Path], *, as_json: bool, limit: int, out: TextIO
) -> None:
    """Print briefings from the database, or from the given files in a throwaway store."""
    async with opened(settings, database_url=MEMORY_URL if paths else None) as services:
        if paths:
            async with analysing(services):
                async for result in services.uploads.ingest_paths(paths):
                    if result.outcome is Outcome.REJECTED:
                        print(format_result(result), file=sys.stderr)
            # At the batch's end, group the new articles again without regard to their order.
            await services.pipeline.revise()
        briefings = await services.lookup.latest(limit=limit)
    if as_json:
        print(briefings_to_json(briefings), file=out)
        return
    if not briefings:
        print("No events yet: ingest some articles first (briefbot ingest PATH).", file=out)
    for briefing in briefings:
        print(briefing_to_text(briefing, tz=settings.zone), file=out)
        print(file=out)


async def poll_feeds(settings: Settings, *, once: bool, out: TextIO) -> None:
    """Poll due feeds once, or forever every poll interval."""
    from bot.ingest.poller import FeedPoller  # its HTTP client: only this command needs it

    services = await open_services(settings)
    poller = FeedPoller(services.db, services.pipeline, settings)
    try:
        while True:
            for report in await poller.poll_due(utcnow()):
                print(report.describe(), file=out, flush=True)
                for line in report.rejections():
                    print(f"  {line}", file=out, flush=True)
            if once:
                return
            await asyncio.sleep(min(settings.poll_interval, 60))
    finally:
        await poller.close()
        await services.close()


async def add_feed(
    settings: Settings,
    url: str,
    *,
    name: str | None,
    interval: int | None,
    force: bool = False,
    out: TextIO,
) -> None:
    """Check a feed once and add it, named by ``name`` or its own title."""
    from bot.services.feeds import FeedRefused

    try:
        async with opened(settings) as services:
            result = await services.feeds.add(url, name=name, force=force, interval=interval)
    except FeedRefused as exc:
        raise CommandError(f"cannot add {url}: {exc} (use --force to add it anyway)") from None
    feed = result.feed
    if not result.added:
        print(f"feed {feed.id} is already there: {feed.name} <{feed.url}> (unchanged)", file=out)
        return
    print(f"feed {feed.id}: {feed.name} <{feed.url}>", file=out)
    if result.problem:
        print(f"warning: added anyway: {result.problem}", file=out)


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


async def list_feeds(settings: Settings, *, as_json: bool, out: TextIO) -> None:
    """Print every feed: name, URL, last success, error and article count."""
    async with opened(settings) as services:
        feeds = await services.feeds.list()
    if as_json:
        rows = [{**asdict(s.feed), "articles": s.articles} for s in feeds]
        print(json.dumps(rows, default=str, indent=2), file=out)
        return
    if not feeds:
        print("No feeds yet: add one with `briefbot feeds add URL`.", file=out)
    for status in feeds:
        f = status.feed
        print(f"{f.id:>4}  {f.name}  <{f.url}>", file=out)
        line = f"      last success {_when(f.last_success_at)}, {status.articles} article(s)"
        if f.last_error:
            line += f"\n      ERROR ({f.error_count}x): {f.last_error}"
        print(line, file=out)


async def import_feeds(settings: Settings, path: Path, *, out: TextIO) -> int:
    """Add every feed an OPML file lists; exit code 1 when some were refused."""
    from bot.services.feeds import FeedRefused

    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        async with opened(settings) as services:
            report = await services.feeds.import_opml(data)
    except FeedRefused as exc:
        raise CommandError(f"cannot import {path}: {exc}") from None
    for feed in report.added:
        print(f"added    {feed.id}: {feed.name} <{feed.url}>", file=out)
    for feed in report.existing:
        print(f"existing {feed.id}: {feed.name} <{feed.url}>", file=out)
    for url, reason in report.refused:
        print(f"refused  {url}: {reason}", file=out)
    print(
        f"{len(report.added)} added, {len(report.existing)} already there, "
        f"{len(report.refused)} refused",
        file=out,
    )
    return 1 if report.refused else 0


async def export_feeds(settings: Settings, path: Path | None, *, out: TextIO) -> None:
    """Write every feed as OPML to ``path``, or to standard output."""
    async with opened(settings) as services:
        data = await services.feeds.export_opml()
    if path is None:
        out.write(data.decode("utf-8"))
        return
    try:
        await asyncio.to_thread(path.write_bytes, data)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None


async def remove_feed(settings: Settings, feed: str, *, out: TextIO) -> int:
    """Remove a feed by id or URL; exit code 1 when there is no such feed."""
    async with opened(settings) as services:
        found = await services.feeds.remove(feed)
    if found is None:
        print(f"no feed {feed!r}; see `briefbot feeds list`", file=out)
        return 1
    print(f"removed feed {found.id}: {found.name} <{found.url}>", file=out)
    return 0


async def show_status(settings: Settings, *, as_json: bool, out: TextIO) -> int:
    """Print counts, failing feeds and the running bot's workers; 1 when the bot is unwell."""
    from bot.health import assess

    async with opened(settings) as services:
        status = await services.status.status()
    bot = await asyncio.to_thread(assess, settings.health_file, utcnow())
    database = safe_url(settings.database_url)
    if as_json:
        print(status_json(status, database=database, bot=bot, now=utcnow()), file=out)
    else:
        for line in status_lines(status, database=database, bot=bot, now=utcnow()):
            print(line, file=out)
    return 0 if bot["healthy"] else 1
