"""Feeds as a use case: add (checked and named by their own title), list, remove, OPML in and out.

The CLI (`briefbot feeds ...`) and the Telegram admin commands both call this service.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import listparser

from bot.config import Settings
from bot.ingest.urls import feed_name, validate_feed_url
from bot.times import Clock, utcnow
from storage.records import FeedRecord
from storage.unit_of_work import Database, UnitOfWork

if TYPE_CHECKING:
    from bot.ingest.fetch import Fetcher

log = logging.getLogger(__name__)

MAX_NAME = 200  # the feeds.name column
MAX_OPML_FEEDS = 2000
# An OPML import checks this many feeds at once (each one fetch).
PROBE_CONCURRENCY = 8


class FeedRefused(ValueError):
    """A feed cannot be added; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class FeedCheck:
    """What one fetch of a feed found: its own title and how many entries it holds."""

    title: str
    entries: int


@dataclass(frozen=True, slots=True)
class AddedFeed:
    feed: FeedRecord
    added: bool  # False: that URL was already there (left unchanged)
    # Set when the feed was added with force although its check failed.
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """A feed with the number of articles its source holds."""

    feed: FeedRecord
    articles: int


@dataclass
class ImportReport:
    """What an OPML import did: feeds added, already there, and refused (with the reason)."""

    added: list[FeedRecord] = field(default_factory=list)
    existing: list[FeedRecord] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def clean_name(name: str | None) -> str:
    """Return a name fit for a source: one line, trimmed to the column."""
    return " ".join((name or "").split())[:MAX_NAME].strip()


def parse_opml(data: bytes) -> list[tuple[str, str]]:
    """Return (url, name) for every feed an OPML document lists, in order, once each.

    Raises FeedRefused when the document lists no feed at all (not OPML, or empty).
    """
    parsed: Any = listparser.parse(data)
    feeds = parsed.get("feeds") or []
    if not feeds:
        problem = parsed.get("bozo_exception")
        detail = f" ({problem})" if problem else ""
        raise FeedRefused(f"that is not an OPML subscription list, or it lists no feeds{detail}")
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for item in feeds[:MAX_OPML_FEEDS]:
        url = str(item.get("url") or "").strip()
        if not url or url in seen:
            continue
        seen.add(url)
        out.append((url, clean_name(str(item.get("title") or ""))))
    return out


def write_opml(feeds: Sequence[FeedRecord], *, title: str = "briefbot feeds") -> bytes:
    """Return an OPML 2.0 document listing ``feeds`` with their names."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(root, "body")
    for feed in feeds:
        ElementTree.SubElement(
            body, "outline", type="rss", text=feed.name, title=feed.name, xmlUrl=feed.url
        )
    ElementTree.indent(root)
    document: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


class FeedService:
    """Add, list, remove, import and export feeds; one unit of work per call."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    def _fetcher(self) -> Fetcher:
        # Imported when a feed is checked: every command builds this service, and the fetcher's
        # HTTP client and the feed parser cost a tenth of a second to import.
        from bot.ingest.fetch import Fetcher

        return Fetcher(
            max_bytes=self.settings.max_file_bytes,
            allow_private=self.settings.allow_private_feeds,
            timeout=15.0,
            total_timeout=30.0,
        )

    def validate(self, url: str) -> str:
        """Return the cleaned URL, or raise FeedRefused saying what is wrong with it."""
        try:
            return validate_feed_url(url, allow_private=self.settings.allow_private_feeds)
        except ValueError as exc:
            raise FeedRefused(str(exc)) from None

    async def check(self, url: str, *, fetcher: Fetcher | None = None) -> FeedCheck:
        """Fetch and parse ``url`` once; raise FeedRefused (404, loop, not a feed...) with why."""
        from bot.ingest.feed import NotAFeed, parse_feed_bytes
        from bot.ingest.fetch import FetchError
        from bot.ingest.poller import FEED_ACCEPT

        own = fetcher is None
        client = fetcher or self._fetcher()
        try:
            result = await client.get(url, accept=FEED_ACCEPT)
            parsed = await asyncio.to_thread(parse_feed_bytes, result.content, base_url=result.url)
        except (FetchError, NotAFeed) as exc:
            raise FeedRefused(str(exc)) from None
        finally:
            if own:
                await client.close()
        return FeedCheck(title=clean_name(parsed.title), entries=len(parsed.entries))

    async def _unique_name(self, uow: UnitOfWork, wanted: str, url: str) -> str:
        """Return ``wanted``, or it with the host (then a number) when another feed has it.

        Two feeds that call themselves "News" stay two sources.
        """
        candidates = [wanted, clean_name(f"{wanted} ({feed_name(url)})")]
        candidates += [clean_name(f"{wanted} ({n})") for n in range(2, 100)]
        for name in candidates:
            taken = await uow.feeds.find_feed_by_name(name)
            if taken is None or taken.url == url:
                return name
        return clean_name(f"{wanted} {url}")

    async def add(
        self,
        url: str,
        *,
        name: str | None = None,
        force: bool = False,
        interval: int | None = None,
    ) -> AddedFeed:
        """Check a feed once and add it, named by ``name`` or its own title.

        Raises FeedRefused when the URL is unusable, or when the check fails and not ``force``.
        """
        clean = self.validate(url)
        async with self.db.unit_of_work() as uow:
            existing = await uow.feeds.find_feed(clean)
        if existing is not None:
            return AddedFeed(existing, added=False)
        problem = None
        title = ""
        try:
            title = (await self.check(clean)).title
        except FeedRefused as exc:
            if not force:
                raise
            problem = str(exc)
        explicit = clean_name(name)
        async with self.db.unit_of_work() as uow:
            chosen = explicit or await self._unique_name(uow, title or feed_name(clean), clean)
            feed = await uow.feeds.add(
                url=clean, name=chosen, now=self.clock(), interval_seconds=interval
            )
        return AddedFeed(feed, added=True, problem=problem)

    async def remove(self, ref: str) -> FeedRecord | None:
        """Remove a feed by id or URL (its articles are kept); None when there is no such feed."""
        async with self.db.unit_of_work() as uow:
            found = await uow.feeds.find_feed(ref.strip())
            if found is not None:
                await uow.feeds.remove(found.id)
            return found

    async def list(self) -> list[FeedStatus]:
        """Return every feed with its article count, oldest first."""
        async with self.db.unit_of_work() as uow:
            feeds = await uow.feeds.list_feeds()
            counts = await uow.feeds.count_articles_by_source()
        return [FeedStatus(f, counts.get(f.name, 0)) for f in feeds]

    async def import_opml(self, data: bytes) -> ImportReport:
        """Add every feed an OPML document lists, keeping its names; a bad entry is refused alone.

        A feed the document names is added as named without a fetch (the list is trusted, and
        a large list must not take minutes); one without a name is fetched once for its title.
        """
        wanted = parse_opml(data)
        report = ImportReport()
        fetcher = self._fetcher()
        gate = asyncio.Semaphore(PROBE_CONCURRENCY)

        async def title_of(url: str) -> str:
            async with gate:
                try:
                    return (await self.check(url, fetcher=fetcher)).title
                except FeedRefused as exc:
                    log.info("OPML import: %s has no readable title (%s)", url, exc)
                    return ""

        try:
            cleaned: list[tuple[str, str, str]] = []  # (as listed, clean URL, name)
            for url, name in wanted:
                try:
                    cleaned.append((url, self.validate(url), name))
                except FeedRefused as exc:
                    report.refused.append((url, str(exc)))
            untitled = [c for _, c, n in cleaned if not n]
            titles = dict(
                zip(untitled, await asyncio.gather(*map(title_of, untitled)), strict=True)
            )
        finally:
            await fetcher.close()
        async with self.db.unit_of_work() as uow:
            for _, clean, name in cleaned:
                existing = await uow.feeds.find_feed(clean)
                if existing is not None:
                    report.existing.append(existing)
                    continue
                chosen = name or await self._unique_name(
                    uow, titles.get(clean) or feed_name(clean), clean
                )
                report.added.append(await uow.feeds.add(url=clean, name=chosen, now=self.clock()))
        return report

    async def export_opml(self) -> bytes:
        """Return every feed as an OPML 2.0 document."""
        async with self.db.unit_of_work() as uow:
            return write_opml(await uow.feeds.list_feeds())
