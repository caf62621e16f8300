"""The path every article takes: store it, place it into an event, then tell who listens."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from itertools import islice

from bot.briefing.revise import Revision
from bot.events.service import EventService
from bot.ingest.analysis import analysed_in
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from bot.ingest.offload import ParsePool
from bot.ingest.store import ArticleStore
from bot.times import Clock, utcnow
from storage.db import describe_error, is_transient
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)

# Checked inside a unit of work: may this process still change the event index?
Fence = Callable[[UnitOfWork], Awaitable[bool]]

# Items stored in one unit of work; also read off the event loop at a time from a (blocking)
# iterator. Bigger batches write less per article; each batch's results come at its end.
STORE_BATCH = 200
# After this many items in a row fail for a passing reason alone, the rest of their batch is
# offered again later without trying (each try may wait out a lock's busy timeout).
PASSING_FAULTS_ALONE = 2
# A stream's batch with fewer articles is analysed as it is stored: a worker's start costs more.
ANALYSE_APART_FROM = 20
MAX_REASON_CHARS = 200

Item = ParsedArticle | IngestResult
# Called with each result that stored something new (a new article or a new version).
AfterStore = Callable[[IngestResult], None]


# Code points no database column should hold: NUL (PostgreSQL refuses it in text) and lone
# surrogates (not encodable as UTF-8; a JSON file can carry them as \ud800 escapes).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _clean(text: str) -> str:
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def storable(item: ParsedArticle) -> ParsedArticle:
    """Return ``item`` without NUL bytes, and with lone surrogates as U+FFFD, in its text."""
    texts = (item.title, item.text, item.source, item.location, item.identity)
    if not any(_UNSTORABLE.search(t) for t in texts):
        return item
    return replace(
        item,
        title=_clean(item.title),
        text=_clean(item.text),
        source=_clean(item.source),
        location=_clean(item.location),
        identity=_clean(item.identity),
        analysis=None,  # worked out for the text before it was cleaned
    )


def storage_reason(exc: BaseException, *, retry: bool = True) -> str:
    """Return one short line saying why storing failed (no SQL, no traceback)."""
    cause = describe_error(exc)
    if len(cause) > MAX_REASON_CHARS:
        cause = cause[: MAX_REASON_CHARS - 1] + "…"
    return f"storage error, will retry: {cause}" if retry else f"cannot be stored: {cause}"


class Pipeline:
    """Store parsed articles and cluster them, one unit of work per batch, one batch at a time.

    The feed poller, the inbox watcher and admin uploads share one pipeline. Its lock keeps
    their stores from interleaving: the event index and the store's caches are in memory, and
    two stores racing to create the same source or article would have one of them fail.
    A batch that fails is stored again one item at a time, so one bad item loses only itself.
    """

    def __init__(self, db: Database, events: EventService, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.events = events
        self.clock = clock
        self._lock = asyncio.Lock()
        self._after_store: list[AfterStore] = []
        self.store = ArticleStore()
        # With several processes on one database, only the owner of the event index places
        # articles: the others (and the owner too, for one order) leave them queued.
        self.defer_placement = False
        # Worker processes that analyse a stream's batches (the poller's, in the running bot).
        self.analysers: ParsePool | None = None

    def after_store(self, hook: AfterStore) -> None:
        """Call ``hook`` after every store that added an article or a version, on every path.

        Feeds, the inbox and uploads all store here, so whatever reacts to new articles (the
        runtime's alert check) subscribes once instead of being asked for by each of them.
        """
        self._after_store.append(hook)

    async def ingest(self, items: Iterable[Item]) -> list[IngestResult]:
        """Store items in batches (rejections pass through); one failure never stops the rest."""
        results: list[IngestResult] = []
        iterator = iter(items)
        while batch := list(islice(iterator, STORE_BATCH)):
            results += await self.ingest_batch(batch)
        return results

    async def ingest_stream(self, items: Iterator[Item]) -> AsyncIterator[IngestResult]:
        """Store items from a blocking iterator (files being read), yielding each result.

        The iterator is advanced in a worker thread a batch at a time (the next batch is read
        while this one is stored), so a folder of thousands of files is never held in memory at
        once and the event loop never waits on the disk. With ``analysers`` a big batch is
        analysed in their worker processes meanwhile too (``bot/ingest/analysis.py``).
        """

        async def read() -> list[Item]:
            batch = await asyncio.to_thread(lambda: list(islice(items, STORE_BATCH)))
            return await self._analysed(batch)

        batch = await read()
        while batch:
            following = asyncio.ensure_future(read())
            try:
                for result in await self.ingest_batch(batch):
                    yield result
            except BaseException:
                following.cancel()
                raise
            batch = await following

    async def _analysed(self, batch: list[Item]) -> list[Item]:
        """Return the batch with its articles analysed by ``analysers``, when it is big enough."""
        if self.analysers is None:
            return batch
        try:
            return await analysed_in(self.analysers, batch, at_least=ANALYSE_APART_FROM)
        except Exception:  # analysed as they are stored instead
            log.exception("could not analyse a batch's articles in the parsing workers")
            return batch

    async def ingest_one(self, item: ParsedArticle) -> IngestResult:
        """Store one article and place it into an event."""
        (result,) = await self.ingest_batch([item])
        return result

    async def place_queued(self, *, limit: int = 200, fence: Fence | None = None) -> int:
        """Place queued articles into events, oldest first, in one unit of work; return how many.

        ``fence`` is checked inside that unit of work: when it says no (another process took
        the event index over) nothing is placed. A crash before the commit leaves the whole
        batch queued for the next owner, which rebuilds its index from the database.
        """
        async with self._lock:
            now = self.clock()
            try:
                async with self.db.unit_of_work() as uow:
                    if fence is not None and not await fence(uow):
                        return 0
                    queued = await uow.articles.list_placements(limit=limit)
                    await self.events.place_stored(uow, [q[1] for q in queued], now=now)
                    await uow.articles.drop_placements([q[0] for q in queued])
            except Exception:
                self.events.invalidate()  # the index may hold what was rolled back
                raise
        return len(queued)

    async def revise(self, *, fence: Fence | None = None) -> Revision:
        """Group the changed part of the held window again, between two stores, never during one.

        A pass reads the assignments, then writes its moves; a store placed in between would
        join an event the pass is merging away, or be moved on a stale reading. The lock that
        orders the stores orders the passes with them, up to the pass's commit. ``fence`` is
        checked as in ``place_queued``: no pass when another process owns the event index.
        """
        async with self._lock:
            try:
                async with self.db.unit_of_work() as uow:
                    if fence is not None and not await fence(uow):
                        return Revision(moves={})
                    return await self.events.revise(uow, now=self.clock())
            except Exception:
                # Rolled back, while the index already followed the moves: rebuild it next time.
                self.events.invalidate()
                raise

    async def ingest_batch(self, items: list[Item]) -> list[IngestResult]:
        """Store a batch of items in one unit of work (each alone when the batch fails)."""
        parsed = [storable(item) for item in items if isinstance(item, ParsedArticle)]
        async with self._lock:
            nows = [self.clock() for _ in parsed]
            stored = await self._store(parsed, nows) if parsed else []
        by_item = iter(stored)
        results = []
        for item in items:
            if isinstance(item, IngestResult):
                results.append(item)
                continue
            result = next(by_item)
            if result.outcome in (Outcome.NEW, Outcome.VERSION):
                for hook in self._after_store:
                    try:
                        hook(result)
                    except Exception:  # a listener's failure never loses the stored article
                        log.exception("after-store hook failed for %s", item.location)
            results.append(replace(result, path=item.path) if item.path else result)
        return results

    async def _store(self, items: list[ParsedArticle], nows: list[datetime]) -> list[IngestResult]:
        try:
            return await self._store_together(items, nows)
        except Exception as exc:
            if len(items) == 1:
                return [self._failed(items[0], exc)]
            log.warning("a batch of %d items failed (%s); storing each alone", len(items), exc)
        results: list[IngestResult] = []
        passing = 0  # passing faults in a row: a locked or full database fails every item alike
        for item, now in zip(items, nows, strict=True):
            if passing >= PASSING_FAULTS_ALONE:
                results.append(replace(results[-1], location=item.location, title=item.title))
                continue
            try:
                (result,) = await self._store_together([item], [now])
                passing = 0
            except Exception as exc:
                result = self._failed(item, exc)
                passing = passing + 1 if is_transient(exc) else 0
            results.append(result)
        return results

    async def _store_together(
        self, items: list[ParsedArticle], nows: list[datetime]
    ) -> list[IngestResult]:
        try:
            async with self.db.unit_of_work() as uow:
                placement = None if self.defer_placement else self.events.placement(uow)
                batch = self.store.batch(uow, placement)
                await batch.prefetch(items)
                results = [
                    await batch.store(item, now=now) for item, now in zip(items, nows, strict=True)
                ]
                await batch.flush()
                if placement is not None:
                    await placement.flush()
                else:
                    for result, now in zip(results, nows, strict=True):
                        if result.outcome in (Outcome.NEW, Outcome.VERSION) and result.article_id:
                            await uow.articles.queue_placement(result.article_id, now=now)
            return results
        except Exception:
            # The unit of work rolled back: the index and the store's caches may hold what it
            # added, so both are rebuilt from the database next time.
            self.events.invalidate()
            self.store.forget()
            raise

    def _failed(self, item: ParsedArticle, exc: Exception, *, logged: bool = False) -> IngestResult:
        if not logged:
            log.error("could not store %s", item.location, exc_info=exc)
        return IngestResult(
            item.location,
            Outcome.REJECTED,
            # Only a passing fault (a lock, a full disk) is worth offering the item again.
            reason=storage_reason(exc, retry=is_transient(exc)),
            title=item.title,
            retry=is_transient(exc),
        )
