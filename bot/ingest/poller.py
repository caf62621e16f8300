"""Poll feeds: conditional GET, full text for teasers, back-off on errors, page re-fetches."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import Settings
from bot.ingest.analysis import analysed_in, read_page_analysed
from bot.ingest.extract import MIN_ARTICLE_CHARS, DecodeError, ExtractedPage, read_page
from bot.ingest.feed import FeedEntry, NotAFeed, entry_identity, is_teaser, parse_feed_bytes
from bot.ingest.fetch import Fetcher, FetchError
from bot.ingest.model import ArticleAnalysis, IngestResult, Outcome, ParsedArticle
from bot.ingest.offload import ParsePool
from bot.ingest.pipeline import Item, Pipeline
from bot.times import utcnow
from storage.records import FeedRecord, PollOutcome, RefetchTarget
from storage.unit_of_work import Database

log = logging.getLogger(__name__)

MAX_CONCURRENT_FEEDS = 16
MAX_CONCURRENT_PAGES = 8
# All the article pages of one feed's poll share this many seconds: pages that trickle in
# cost their own feed some text (fetched again later), never the other feeds their turn.
FEED_PAGES_BUDGET = 30.0
MAX_BACKOFF = timedelta(days=1)
# A claimed feed is due again after this even if its poller never reports (it hung); a poll
# is bounded well below it (fetch timeouts, FEED_PAGES_BUDGET).
FEED_LEASE = timedelta(minutes=5)
# A process silent this long is dead: its claims are taken over (PostgreSQL: or at once,
# when its connection is gone).
DEAD_AFTER = timedelta(seconds=6)
REFETCH_BATCH = 50
# The writer stores the polls that finished meanwhile together, up to this many feeds (or
# entries) a batch; polls waiting for it beyond MAX_WAITING_POLLS hold their feed slot.
WRITE_BATCH_FEEDS = 64
WRITE_BATCH_ENTRIES = 256
MAX_WAITING_POLLS = 128
# Polls asking meanwhile which of their entries are stored share one query, up to this many
# identities.
KNOWN_BATCH_IDENTITIES = 500
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


@dataclass(frozen=True, slots=True)
class PageMiss:
    """Why an article page gave no text; ``fetch_failed`` when it could not even be fetched."""

    reason: str
    fetch_failed: bool


@dataclass
class _Polled:
    """One feed fetched and parsed, waiting for the writer to store it and record the poll."""

    feed: FeedRecord
    now: datetime
    report: FeedReport
    items: list[Item]
    # Rejections of entries the feed parser could not read; reported after the stored ones.
    skipped: list[IngestResult]
    # The validators to keep once every entry is dealt with (a 304 keeps the known ones).
    etag: str | None
    last_modified: str | None
    done: asyncio.Future[FeedReport]


class FeedPoller:
    """Poll due feeds concurrently (bounded), store what they bring, re-fetch recent pages.

    Fetching runs concurrently within the bounds; parsing feeds and extracting pages runs in
    worker processes. One writer stores what the polls brought, the polls that finished
    meanwhile together: their entries go through the pipeline as one batch, and their
    bookkeeping (validators, next poll, errors) is one short write, so concurrent polls never
    queue for the database's write lock one by one.
    """

    def __init__(
        self,
        db: Database,
        pipeline: Pipeline,
        settings: Settings,
        *,
        fetch_timeout: float = 20.0,
        parse_workers: int | None = None,
        owner: str | None = None,
        lease: timedelta = FEED_LEASE,
        dead_after: timedelta = DEAD_AFTER,
    ) -> None:
        self.db = db
        # Who claims feeds: several processes may poll one database, each its own feeds.
        self.owner = owner or uuid.uuid4().hex
        self.lease = lease
        self.dead_after = dead_after
        self.pipeline = pipeline
        self.settings = settings
        self.fetcher = Fetcher(
            max_bytes=settings.max_file_bytes,
            allow_private=settings.allow_private_feeds,
            timeout=fetch_timeout,
            total_timeout=3 * fetch_timeout,
        )
        self._feeds = asyncio.Semaphore(MAX_CONCURRENT_FEEDS)
        self._pages = asyncio.Semaphore(MAX_CONCURRENT_PAGES)
        self.pages_budget = FEED_PAGES_BUDGET
        self.parsers = ParsePool(parse_workers)
        self._waiting: list[_Polled] = []
        self._room = asyncio.Semaphore(MAX_WAITING_POLLS)
        self._writer: asyncio.Task[None] | None = None
        self._asks: list[tuple[list[str], asyncio.Future[set[str]]]] = []
        self._asker: asyncio.Task[None] | None = None
        # Polls started by start_due and not finished yet, by feed id.
        self._running: dict[int, asyncio.Task[FeedReport]] = {}

    async def close(self) -> None:
        running = list(self._running)
        for task in self._running.values():
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
        helpers = [t for t in (self._writer, self._asker) if t is not None]
        await asyncio.gather(*helpers, return_exceptions=True)
        await self.fetcher.close()
        await self.parsers.close()
        if running:  # polls cut short are due at once for whoever polls next
            try:
                async with self.db.unit_of_work() as uow:
                    await uow.feeds.release_claims(running, owner=self.owner, now=utcnow())
            except Exception as exc:  # their leases run out instead
                log.warning("could not release %d feed claim(s): %s", len(running), exc)

    async def _claim(self, now: datetime) -> list[FeedRecord]:
        """Claim the due feeds (no other process polls them until this one reports)."""
        async with self.db.unit_of_work() as uow:
            return await uow.feeds.claim_due_feeds(
                now, owner=self.owner, lease_until=now + self.lease, dead_after=self.dead_after
            )

    async def start_due(self, now: datetime) -> int:
        """Start polling each due feed not being polled already; return how many started.

        Each poll runs on its own, so one slow feed never keeps the others from their turn.
        """
        feeds = await self._claim(now)
        started = 0
        for feed in feeds:
            if feed.id in self._running:
                continue
            task = asyncio.create_task(self.poll_feed(feed, now), name=f"feed-{feed.id}")
            self._running[feed.id] = task
            task.add_done_callback(functools.partial(self._finished, feed.id))
            started += 1
        return started

    def _finished(self, feed_id: int, task: asyncio.Task[FeedReport]) -> None:
        self._running.pop(feed_id, None)
        if task.cancelled():
            return
        if (exc := task.exception()) is not None:
            log.error("polling feed %s failed", feed_id, exc_info=exc)
            return
        log.info("%s", task.result().describe())

    async def poll_due(self, now: datetime) -> list[FeedReport]:
        """Poll every feed whose time has come; one failing feed never stops the others."""
        feeds = await self._claim(now)
        return list(await asyncio.gather(*(self.poll_feed(feed, now) for feed in feeds)))

    async def poll_feed(self, feed: FeedRecord, now: datetime) -> FeedReport:
        """Fetch, parse and store one feed, then record the outcome and the next poll time."""
        async with self._room:
            async with self._feeds:  # the feed's slot is free again while it waits to be written
                polled = await self._fetch_and_parse(feed, now)
            self._waiting.append(polled)
            if self._writer is None or self._writer.done():
                self._writer = asyncio.create_task(self._write_waiting(), name="feed-writer")
            # Shielded: a poll cancelled now is still written, and its feed's row with it.
            return await asyncio.shield(polled.done)

    async def _fetch_and_parse(self, feed: FeedRecord, now: datetime) -> _Polled:
        """Fetch and parse one feed and the pages it needs; store nothing yet."""
        report = FeedReport(feed.id, feed.name, feed.url, status="ok")
        done = asyncio.get_running_loop().create_future()
        polled = _Polled(feed, now, report, [], [], None, None, done)
        try:
            fetched = await self.fetcher.get(
                feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
            )
            if fetched.not_modified:
                report.status = "not-modified"
                polled.etag = fetched.etag or feed.etag
                polled.last_modified = fetched.last_modified or feed.last_modified
            else:
                parsed = await self.parsers.run(
                    parse_feed_bytes, fetched.content, base_url=fetched.url
                )
                if parsed.problem:
                    report.problem = parsed.problem
                    log.warning("feed %s is malformed but usable: %s", feed.url, parsed.problem)
                polled.items = await self._articles(feed, parsed.entries)
                polled.skipped = [
                    IngestResult(feed.url, Outcome.REJECTED, reason=reason)
                    for reason in parsed.skipped
                ]
                polled.etag, polled.last_modified = fetched.etag, fetched.last_modified
        except (FetchError, NotAFeed) as exc:
            report.status, report.error = "error", str(exc)
        except Exception as exc:  # a bug or an odd feed must not stop the other feeds
            log.exception("polling %s failed", feed.url)
            report.status, report.error = "error", f"{type(exc).__name__}: {exc}"
        return polled

    async def _write_waiting(self) -> None:
        """Store the waiting polls, a batch at a time, until none is left."""
        while self._waiting:
            batch: list[_Polled] = []
            entries = 0
            while self._waiting and len(batch) < WRITE_BATCH_FEEDS:
                if batch and entries + len(self._waiting[0].items) > WRITE_BATCH_ENTRIES:
                    break
                polled = self._waiting.pop(0)
                batch.append(polled)
                entries += len(polled.items)
            try:
                await self._write(batch)
            except Exception as exc:  # the database failed: these polls failed, later ones try
                log.exception("could not record the polls of %d feed(s)", len(batch))
                for polled in batch:
                    if not polled.done.done():
                        polled.done.set_exception(exc)

    async def _write(self, batch: list[_Polled]) -> None:
        """Store the entries of ``batch`` as one batch, then record every poll in one write."""
        items = [item for polled in batch for item in polled.items]
        results = iter(await self.pipeline.ingest(items))
        outcomes = []
        for polled in batch:
            report, feed = polled.report, polled.feed
            report.results = [next(results) for _ in polled.items] + polled.skipped
            etag, last_modified = polled.etag, polled.last_modified
            if report.status == "ok" and report.to_retry:
                # Saving the validators now would make the next poll a 304, and the
                # entries that were not stored would never be offered again.
                log.warning(
                    "feed %s: %d entries not stored; the whole feed is fetched again next time",
                    feed.url,
                    report.to_retry,
                )
                etag = last_modified = None
            interval = feed.interval_seconds or self.settings.poll_interval
            if report.status == "error":
                log.warning("feed %s failed: %s", feed.url, report.error)
                report.next_poll_at = polled.now + backoff(interval, feed.error_count + 1)
            else:
                report.next_poll_at = polled.now + timedelta(seconds=interval)
            outcomes.append(
                PollOutcome(
                    feed.id, polled.now, report.next_poll_at, report.error, etag, last_modified
                )
            )
        async with self.db.unit_of_work() as uow:
            await uow.feeds.record_polls(outcomes, owner=self.owner)
        for polled in batch:
            if not polled.done.done():
                polled.done.set_result(polled.report)

    async def _articles(
        self, feed: FeedRecord, entries: Sequence[FeedEntry]
    ) -> list[ParsedArticle | IngestResult]:
        """Turn entries into articles, fetching the page of each new teaser-only entry."""
        identities = [entry_identity(e, feed.url) for e in entries]
        known = await self._known([i for i in identities if i])
        deadline = asyncio.get_running_loop().time() + self.pages_budget
        tasks = []
        for entry, identity in zip(entries, identities, strict=True):
            tasks.append(
                self._guarded_article(feed, entry, identity, known=identity in known, by=deadline)
            )
        return await self._analysed(feed, list(await asyncio.gather(*tasks)), known)

    async def _analysed(
        self, feed: FeedRecord, items: list[ParsedArticle | IngestResult], known: set[str]
    ) -> list[ParsedArticle | IngestResult]:
        """Have the feed's new items not analysed yet (entries with their text) analysed by a
        worker, in one call. Known ones are left out: they are mostly unchanged."""
        try:
            return await analysed_in(self.parsers, items, known=known)
        except Exception:  # they are analysed as they are stored instead
            log.exception("feed %s: its entries could not be analysed", feed.url)
            return items

    async def _known(self, identities: list[str]) -> set[str]:
        """Return which of ``identities`` are stored, asked together with the other polls'."""
        if not identities:
            return set()
        asked: asyncio.Future[set[str]] = asyncio.get_running_loop().create_future()
        self._asks.append((identities, asked))
        if self._asker is None or self._asker.done():
            self._asker = asyncio.create_task(self._ask_waiting(), name="known-identities")
        return await asked

    async def _ask_waiting(self) -> None:
        """Look up the identities the polls asked about meanwhile, a batch at a time."""
        while self._asks:
            batch: list[tuple[list[str], asyncio.Future[set[str]]]] = []
            wanted: set[str] = set()
            while self._asks and (not batch or len(wanted) < KNOWN_BATCH_IDENTITIES):
                identities, asked = self._asks.pop(0)
                if not asked.done():  # not cancelled meanwhile
                    batch.append((identities, asked))
                    wanted.update(identities)
            if not batch:
                continue
            try:
                async with self.db.unit_of_work() as uow:
                    known = await uow.articles.list_known_identities(sorted(wanted))
            except Exception as exc:  # each poll that asked fails as it did alone
                for _, asked in batch:
                    if not asked.done():
                        asked.set_exception(exc)
                continue
            for identities, asked in batch:
                if not asked.done():
                    asked.set_result(known.intersection(identities))

    async def _guarded_article(
        self, feed: FeedRecord, entry: FeedEntry, identity: str | None, *, known: bool, by: float
    ) -> ParsedArticle | IngestResult:
        """Turn one entry into an article; a failure here costs that entry, not the feed."""
        try:
            return await self._article(feed, entry, identity, known=known, by=by)
        except Exception as exc:
            log.exception("feed %s: entry %r failed", feed.url, entry.link or entry.guid)
            reason = f"entry could not be processed ({type(exc).__name__}: {exc})"[:300]
            location = entry.link or entry.guid or feed.url
            return IngestResult(location, Outcome.REJECTED, reason=reason, retry=True)

    async def _article(
        self, feed: FeedRecord, entry: FeedEntry, identity: str | None, *, known: bool, by: float
    ) -> ParsedArticle | IngestResult:
        location = entry.link or entry.guid or feed.url
        if identity is None:
            reason = f"entry {entry.title[:60]!r} has neither a link nor a guid; skipped"
            log.info("feed %s: %s", feed.url, reason)
            return IngestResult(location, Outcome.REJECTED, reason=reason, title=entry.title)
        title, text = entry.title, entry.content or entry.summary
        published = entry.published or entry.updated
        refetch = False
        analysis: ArticleAnalysis | None = None
        if is_teaser(entry) and entry.link and identity.startswith("http"):
            if known:
                # Stored before (or a known copy of a stored article); edits show up through
                # the page re-fetch schedule.
                return IngestResult(location, Outcome.UNCHANGED, title=title)
            page = await self._page(entry.link, by=by, analysed=True)
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
                # Worked out for the page's own title, which it has (read_page_analysed).
                analysis = page.analysis
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
            analysis=analysis,
        )

    async def _page(
        self, url: str, *, by: float | None = None, analysed: bool = False
    ) -> ExtractedPage | PageMiss:
        """Return the extracted article page, or why there is none (none after ``by``).

        ``analysed``: with the page's analysis (``read_page_analysed``), for a page about to be
        stored; a page fetched again is mostly unchanged, which needs none.
        """
        try:
            async with asyncio.timeout_at(by), self._pages:
                fetched = await self.fetcher.get(url, accept="text/html,*/*;q=0.5")
        except FetchError as exc:
            return PageMiss(str(exc), fetch_failed=True)
        except TimeoutError:
            budget = f"{self.pages_budget:g} s"
            return PageMiss(f"the feed's {budget} for article pages ran out", fetch_failed=True)
        try:
            async with self._pages:
                read = read_page_analysed if analysed else read_page
                page = await self.parsers.run(read, fetched.content, url=fetched.url)
        except DecodeError as exc:
            return PageMiss(str(exc), fetch_failed=False)
        if len(page.text) < MIN_ARTICLE_CHARS:
            return PageMiss("no article text found on the page", fetch_failed=False)
        return page

    async def refetch_due(self, now: datetime) -> list[IngestResult]:
        """Fetch the pages of recent articles again; a changed page becomes a new version."""
        async with self.db.unit_of_work() as uow:
            targets = await uow.articles.list_due_refetches(
                now, limit=REFETCH_BATCH, lease_until=now + self.lease
            )
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
