"""Poll RSS/Atom/RDF/JSON feeds: conditional GET, full text for teasers, back-off on errors."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser
import httpx

from bot.briefing.text import normalize_space
from bot.config import Settings
from bot.ingest.dates import from_struct, parse_date
from bot.ingest.extract import (
    MIN_ARTICLE_CHARS,
    DecodeError,
    ExtractedPage,
    decode_text,
    extract_page,
    html_to_text,
)
from bot.ingest.fetch import Fetcher, FetchError
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from bot.ingest.urls import canonical_url, feed_name
from bot.pipeline import Pipeline
from storage.records import FeedRecord, RefetchTarget
from storage.unit_of_work import Database

log = logging.getLogger(__name__)

MAX_CONCURRENT_FEEDS = 16
MAX_CONCURRENT_PAGES = 8
MAX_BACKOFF = timedelta(days=1)
# A summary this short (and no full content) is a teaser: the article is on its page.
TEASER_CHARS = 600
REFETCH_BATCH = 50
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
# Re-fetch article pages often while a story is young, rarely as it ages, then stop.
REFETCH_SCHEDULE: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(hours=1), timedelta(minutes=15)),
    (timedelta(hours=6), timedelta(hours=1)),
    (timedelta(days=1), timedelta(hours=6)),
    (timedelta(days=3), timedelta(hours=24)),
)


def next_refetch(first_seen: datetime, now: datetime) -> datetime | None:
    """Return when to fetch an article's page again, or None once it is old enough to stop."""
    age = now - first_seen
    for younger_than, wait in REFETCH_SCHEDULE:
        if age < younger_than:
            return now + wait
    return None


def backoff(interval: int, errors: int) -> timedelta:
    """Return the wait after ``errors`` failures in a row: doubling, at most a day."""
    return min(timedelta(seconds=interval * 2 ** min(errors, 20)), MAX_BACKOFF)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed item, its HTML already turned into text."""

    title: str
    link: str | None
    guid: str | None
    summary: str
    content: str
    published: datetime | None
    updated: datetime | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed; ``problem`` describes malformed input that was still usable.

    ``skipped`` says, one line each, which entries could not be read at all (the others are
    still used).
    """

    title: str
    link: str | None
    entries: tuple[FeedEntry, ...]
    problem: str | None = None
    skipped: tuple[str, ...] = ()


class NotAFeed(ValueError):
    """The bytes hold no feed entries (an HTML page, an error page, garbage)."""


def _text_of(value: object) -> str:
    return html_to_text(value) if isinstance(value, str) else ""


def _string(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _absolute(link: str | None, base_url: str | None) -> str | None:
    """Resolve a relative entry link against the feed's URL."""
    if link is None or base_url is None:
        return link
    return urljoin(base_url, link)


def _read_entries(
    raw_items: Sequence[object], read: Callable[[Any], FeedEntry]
) -> tuple[list[FeedEntry], list[str]]:
    """Read each item on its own: one odd item is skipped with a reason, never the feed."""
    entries: list[FeedEntry] = []
    skipped: list[str] = []
    for number, raw in enumerate(raw_items, start=1):
        try:
            entries.append(read(raw))
        except Exception as exc:  # any shape of bad item: the rest of the feed still counts
            reason = f"entry {number} could not be read ({type(exc).__name__}: {exc})"
            log.info("%s", reason)
            skipped.append(reason[:300])
    return entries, skipped


def _json_item(item: object, base_url: str | None) -> FeedEntry:
    if not isinstance(item, Mapping):
        raise TypeError(f"an item must be an object, not {type(item).__name__}")
    content = _text_of(item.get("content_html")) or _text_of(item.get("content_text"))
    guid = item.get("id")
    return FeedEntry(
        title=normalize_space(_text_of(item.get("title"))),
        link=_absolute(_string(item.get("url")) or _string(item.get("external_url")), base_url),
        guid=str(guid).strip() or None if isinstance(guid, str | int) else None,
        summary=_text_of(item.get("summary")),
        content=content,
        published=parse_date(_string(item.get("date_published"))),
        updated=parse_date(_string(item.get("date_modified"))),
    )


def _parse_json_feed(data: Mapping[str, Any], base_url: str | None) -> ParsedFeed:
    items = data.get("items")
    if not isinstance(items, list):
        raise NotAFeed("not a feed: JSON without an `items` list")
    entries, skipped = _read_entries(items, lambda item: _json_item(item, base_url))
    return ParsedFeed(
        title=normalize_space(str(data.get("title") or "")),
        link=_string(data.get("home_page_url")),
        entries=tuple(entries),
        skipped=tuple(skipped),
    )


def _entry_link(raw: dict[str, Any], base_url: str | None) -> str | None:
    link = _string(raw.get("link"))
    if link and raw.get("guidislink") and not link.lower().startswith(("http://", "https://")):
        return None  # feedparser copied a guid that is a name, not a (relative) address
    return _absolute(link, base_url)


def _entry(raw: dict[str, Any], base_url: str | None) -> FeedEntry:
    contents = raw.get("content") or []
    content = "\n".join(_text_of(c.get("value")) for c in contents if isinstance(c, Mapping))
    summary = _text_of(raw.get("summary"))
    return FeedEntry(
        title=normalize_space(str(raw.get("title") or "")),
        link=_entry_link(raw, base_url),
        guid=_string(raw.get("id")),
        summary="" if summary == content else summary,
        content=content.strip(),
        published=from_struct(raw.get("published_parsed"))
        or from_struct(raw.get("created_parsed")),
        # dict.get: feedparser's own get warns and maps "updated" to "published".
        updated=from_struct(dict.get(raw, "updated_parsed")),
    )


def parse_feed_bytes(data: bytes, *, base_url: str | None = None) -> ParsedFeed:
    """Parse RSS, Atom, RDF or JSON Feed bytes; raise NotAFeed when there are no entries.

    Relative entry links are resolved against ``base_url`` (the URL the feed came from).
    """
    if not data.strip():
        raise NotAFeed("not a feed: the response is empty")
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            parsed_json = json.loads(decode_text(data))
        except (json.JSONDecodeError, DecodeError) as exc:
            raise NotAFeed(f"not a feed: invalid JSON ({exc})") from None
        if not isinstance(parsed_json, dict):
            raise NotAFeed("not a feed: JSON that is not a JSON Feed object")
        return _parse_json_feed(parsed_json, base_url)
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=True)
    problem = str(parsed.get("bozo_exception") or "malformed feed") if parsed.get("bozo") else None
    entries, skipped = _read_entries(parsed.get("entries") or [], lambda raw: _entry(raw, base_url))
    if not entries and not skipped:
        if not parsed.get("version"):
            looks_html = b"<html" in data[:2048].lower() or b"<!doctype html" in data[:2048].lower()
            what = "an HTML page" if looks_html else "no RSS, Atom or RDF items"
            detail = f" ({problem})" if problem and not looks_html else ""
            raise NotAFeed(f"not a feed: got {what}{detail}")
        if problem:
            raise NotAFeed(f"malformed feed with no entries: {problem}")
    feed = parsed.get("feed") or {}
    return ParsedFeed(
        title=normalize_space(str(feed.get("title") or "")),
        link=_string(feed.get("link")),
        entries=tuple(entries),
        problem=problem,
        skipped=tuple(skipped),
    )


@dataclass
class FeedReport:
    """What one poll of one feed did."""

    feed_id: int
    name: str
    url: str
    status: str  # "ok", "not-modified" or "error"
    error: str | None = None
    problem: str | None = None
    next_poll_at: datetime | None = None
    results: list[IngestResult] = field(default_factory=list)

    @property
    def counts(self) -> Counter[Outcome]:
        return Counter(r.outcome for r in self.results)

    @property
    def to_retry(self) -> int:
        """Return how many entries were not stored for a passing reason."""
        return sum(r.retry for r in self.results)

    def describe(self) -> str:
        """Return one line: the feed, its status, and counts or the error."""
        head = f"feed {self.feed_id} {self.name} <{self.url}>: {self.status}"
        if self.status == "error":
            return f"{head} — {self.error}"
        if self.status == "not-modified":
            return head
        counts = self.counts
        labels = (
            (Outcome.NEW, "new"),
            (Outcome.VERSION, "version"),
            (Outcome.UNCHANGED, "unchanged"),
            (Outcome.DUPLICATE, "duplicate"),
            (Outcome.REJECTED, "rejected"),
        )
        line = f"{head} — " + ", ".join(f"{counts[o]} {label}" for o, label in labels)
        if self.to_retry:
            line += f" ({self.to_retry} to retry on the next poll)"
        if self.problem:
            line += f" (malformed feed, used anyway: {self.problem})"
        return line

    def rejections(self) -> list[str]:
        """Return one line per rejected entry: where it points and why."""
        return [
            f"rejected {r.location} — {r.reason}"
            for r in self.results
            if r.outcome is Outcome.REJECTED
        ]


def entry_identity(entry: FeedEntry, feed_url: str) -> str | None:
    """Return the entry's identity: its canonical link, else its guid, else None."""
    if entry.link and entry.link.lower().startswith(("http://", "https://")):
        return canonical_url(entry.link)
    if entry.guid:
        if entry.guid.lower().startswith(("http://", "https://")):
            return canonical_url(entry.guid)
        return f"guid:{feed_name(feed_url)}/{entry.guid}"
    return None


def is_teaser(entry: FeedEntry) -> bool:
    """Return True when the entry carries only a short summary, not the article."""
    return not entry.content and len(entry.summary) < TEASER_CHARS


@dataclass(frozen=True, slots=True)
class PageMiss:
    """Why an article page gave no text; ``fetch_failed`` when it could not even be fetched."""

    reason: str
    fetch_failed: bool


class FeedPoller:
    """Poll due feeds concurrently (bounded), store what they bring, re-fetch recent pages.

    Storing goes through the shared pipeline, which takes one article at a time; everything
    else (fetching, parsing, extracting pages) runs concurrently within the bounds.
    """

    def __init__(
        self,
        db: Database,
        pipeline: Pipeline,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        fetch_timeout: float = 20.0,
    ) -> None:
        self.db = db
        self.pipeline = pipeline
        self.settings = settings
        self.fetcher = Fetcher(
            max_bytes=settings.max_file_bytes,
            allow_private=settings.allow_private_feeds,
            transport=transport,
            timeout=fetch_timeout,
            total_timeout=3 * fetch_timeout,
        )
        self._feeds = asyncio.Semaphore(MAX_CONCURRENT_FEEDS)
        self._pages = asyncio.Semaphore(MAX_CONCURRENT_PAGES)

    async def close(self) -> None:
        await self.fetcher.close()

    async def poll_due(self, now: datetime) -> list[FeedReport]:
        """Poll every feed whose time has come; one failing feed never stops the others."""
        async with self.db.unit_of_work() as uow:
            feeds = await uow.feeds.list_due_feeds(now)
        return list(await asyncio.gather(*(self._bounded(feed, now) for feed in feeds)))

    async def _bounded(self, feed: FeedRecord, now: datetime) -> FeedReport:
        async with self._feeds:
            return await self.poll_feed(feed, now)

    async def poll_feed(self, feed: FeedRecord, now: datetime) -> FeedReport:
        """Fetch, parse and store one feed, then record the outcome and the next poll time."""
        interval = feed.interval_seconds or self.settings.poll_interval
        report = FeedReport(feed.id, feed.name, feed.url, status="ok")
        # The validators to keep: none unless every entry of a full response was dealt with.
        etag = last_modified = None
        try:
            fetched = await self.fetcher.get(
                feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
            )
            if fetched.not_modified:
                report.status = "not-modified"
                etag = fetched.etag or feed.etag
                last_modified = fetched.last_modified or feed.last_modified
            else:
                parsed = await asyncio.to_thread(
                    parse_feed_bytes, fetched.content, base_url=fetched.url
                )
                if parsed.problem:
                    report.problem = parsed.problem
                    log.warning("feed %s is malformed but usable: %s", feed.url, parsed.problem)
                items = await self._articles(feed, parsed.entries)
                report.results = await self.pipeline.ingest(items)
                report.results += [
                    IngestResult(feed.url, Outcome.REJECTED, reason=reason)
                    for reason in parsed.skipped
                ]
                if report.to_retry:
                    # Saving the validators now would make the next poll a 304, and the
                    # entries that were not stored would never be offered again.
                    log.warning(
                        "feed %s: %d entries not stored; the whole feed is fetched again next time",
                        feed.url,
                        report.to_retry,
                    )
                else:
                    etag, last_modified = fetched.etag, fetched.last_modified
        except (FetchError, NotAFeed) as exc:
            report.status, report.error = "error", str(exc)
        except Exception as exc:  # a bug or an odd feed must not stop the other feeds
            log.exception("polling %s failed", feed.url)
            report.status, report.error = "error", f"{type(exc).__name__}: {exc}"
        if report.status == "error":
            log.warning("feed %s failed: %s", feed.url, report.error)
            report.next_poll_at = now + backoff(interval, feed.error_count + 1)
        else:
            report.next_poll_at = now + timedelta(seconds=interval)
        async with self.db.unit_of_work() as uow:
            await uow.feeds.record_poll(
                feed.id,
                now=now,
                next_poll_at=report.next_poll_at,
                error=report.error,
                etag=etag,
                last_modified=last_modified,
            )
        return report

    async def _articles(
        self, feed: FeedRecord, entries: Sequence[FeedEntry]
    ) -> list[ParsedArticle | IngestResult]:
        """Turn entries into articles, fetching the page of each new teaser-only entry."""
        identities = [entry_identity(e, feed.url) for e in entries]
        async with self.db.unit_of_work() as uow:
            known = await uow.articles.list_known_identities([i for i in identities if i])
        tasks = []
        for entry, identity in zip(entries, identities, strict=True):
            tasks.append(self._guarded_article(feed, entry, identity, known=identity in known))
        return list(await asyncio.gather(*tasks))

    async def _guarded_article(
        self, feed: FeedRecord, entry: FeedEntry, identity: str | None, *, known: bool
    ) -> ParsedArticle | IngestResult:
        """Turn one entry into an article; a failure here costs that entry, not the feed."""
        try:
            return await self._article(feed, entry, identity, known=known)
        except Exception as exc:
            log.exception("feed %s: entry %r failed", feed.url, entry.link or entry.guid)
            reason = f"entry could not be processed ({type(exc).__name__}: {exc})"[:300]
            location = entry.link or entry.guid or feed.url
            return IngestResult(location, Outcome.REJECTED, reason=reason, retry=True)

    async def _article(
        self, feed: FeedRecord, entry: FeedEntry, identity: str | None, *, known: bool
    ) -> ParsedArticle | IngestResult:
        location = entry.link or entry.guid or feed.url
        if identity is None:
            reason = f"entry {entry.title[:60]!r} has neither a link nor a guid; skipped"
            log.info("feed %s: %s", feed.url, reason)
            return IngestResult(location, Outcome.REJECTED, reason=reason, title=entry.title)
        title, text = entry.title, entry.content or entry.summary
        published = entry.published or entry.updated
        refetch = False
        if is_teaser(entry) and entry.link and identity.startswith("http"):
            if known:
                # Stored before (or a known copy of a stored article); edits show up through
                # the page re-fetch schedule.
                return IngestResult(location, Outcome.UNCHANGED, title=title)
            page = await self._page(entry.link)
            # Either way the page is fetched again later: for edits, or for the text the
            # teaser lacks when the page failed now.
            refetch = True
            if isinstance(page, PageMiss):
                log.info("feed %s: page %s not used: %s", feed.url, entry.link, page.reason)
                if not text.strip():
                    reason = f"entry has no text and its page gave none: {page.reason}"
                    return IngestResult(
                        location,
                        Outcome.REJECTED,
                        reason=reason,
                        title=title,
                        retry=page.fetch_failed,
                    )
            else:
                title, text = page.title or title, page.text
                # The feed's date wins; the page's is a guess from its markup.
                published = published or page.published
        if not title:
            title = text.split("\n", 1)[0][:120]
        if not text.strip():
            reason = "entry has no text"
            return IngestResult(location, Outcome.REJECTED, reason=reason, title=title)
        if published is None:
            log.info("feed %s: entry %s has no date; stored undated", feed.url, location)
        return ParsedArticle(
            title=title,
            text=text,
            source=feed.name,
            location=location,
            identity=identity,
            published=published,
            updated=entry.updated if entry.published else None,
            refetch=refetch,
        )

    async def _page(self, url: str) -> ExtractedPage | PageMiss:
        """Return the extracted article page, or why there is none."""
        async with self._pages:
            try:
                fetched = await self.fetcher.get(url, accept="text/html,*/*;q=0.5")
                html = decode_text(fetched.content)
            except (FetchError, DecodeError) as exc:
                return PageMiss(str(exc), fetch_failed=isinstance(exc, FetchError))
            page = await asyncio.to_thread(extract_page, html, url=fetched.url)
        if len(page.text) < MIN_ARTICLE_CHARS:
            return PageMiss("no article text found on the page", fetch_failed=False)
        return page

    async def refetch_due(self, now: datetime) -> list[IngestResult]:
        """Fetch the pages of recent articles again; a changed page becomes a new version."""
        async with self.db.unit_of_work() as uow:
            targets = await uow.articles.list_due_refetches(now, limit=REFETCH_BATCH)
        return list(await asyncio.gather(*(self._refetch(t, now) for t in targets)))

    async def _refetch(self, target: RefetchTarget, now: datetime) -> IngestResult:
        """Fetch one article's page (bounded with the other page fetches) and store it."""
        page = await self._page(target.location)
        if isinstance(page, PageMiss):
            result = IngestResult(target.location, Outcome.REJECTED, reason=page.reason)
        elif not page.title:
            result = IngestResult(target.location, Outcome.REJECTED, reason="page has no headline")
        else:
            item = ParsedArticle(
                title=page.title,
                text=page.text,
                source=target.source,
                location=target.location,
                identity=target.identity,
                refetch=True,
            )
            result = await self.pipeline.ingest_one(item)
        try:
            async with self.db.unit_of_work() as uow:
                await uow.articles.set_refetch(
                    target.article_id, next_refetch(target.first_seen, now)
                )
        except Exception:  # due again next round; the other pages go on
            log.exception("could not reschedule the page of article %d", target.article_id)
        return result
