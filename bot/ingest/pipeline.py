"""The path every article takes: store it, place it into an event, then tell who listens."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice

from bot.briefing.model import Document
from bot.events.service import EventService
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from bot.ingest.store import store_article
from bot.times import Clock, utcnow
from storage.db import describe_error, is_transient
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)

# Items read off the event loop at a time when ingesting from a (blocking) iterator.
READ_BATCH = 32
MAX_REASON_CHARS = 200

Item = ParsedArticle | IngestResult
# Called with each result that stored something new (a new article or a new version).
AfterStore = Callable[[IngestResult], None]


def new_document(item: ParsedArticle, article_id: int) -> Document:
    """Return what the event index sees of an article just stored from ``item``."""
    # As document_of reads it back: the first version's published date, else its updated one.
    return Document(
        id=article_id,
        title=item.title,
        text=item.text,
        published=_utc(item.published or item.updated),
        source=item.source,
    )


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


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
    )


def storage_reason(exc: BaseException, *, retry: bool = True) -> str:
    """Return one short line saying why storing failed (no SQL, no traceback)."""
    cause = describe_error(exc)
    if len(cause) > MAX_REASON_CHARS:
        cause = cause[: MAX_REASON_CHARS - 1] + "…"
    return f"storage error, will retry: {cause}" if retry else f"cannot be stored: {cause}"


class Pipeline:
    """Store parsed articles and cluster them, one unit of work per article, one at a time.

    The feed poller, the inbox watcher and admin uploads share one pipeline. Its lock keeps
    their stores from interleaving: the event index is in memory, and two stores racing to
    create the same source or article would have one of them fail.
    """

    def __init__(self, db: Database, events: EventService, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.events = events
        self.clock = clock
        self._lock = asyncio.Lock()
        self._after_store: list[AfterStore] = []
        # Sources are never deleted, so a committed source's id stays good for the process.
        self._source_ids: dict[str, int] = {}
        # With several processes on one database, only the owner of the event index places
        # articles: the others (and the owner too, for one order) leave them queued.
        self.defer_placement = False

    def after_store(self, hook: AfterStore) -> None:
        """Call ``hook`` after every store that added an article or a version, on every path.

        Feeds, the inbox and uploads all store here, so whatever reacts to new articles (the
        runtime's alert check) subscribes once instead of being asked for by each of them.
        """
        self._after_store.append(hook)

    async def ingest(self, items: Iterable[Item]) -> list[IngestResult]:
        """Store each item (rejections pass through); a failure in one never stops the rest."""
        results = []
        for item in items:
            if isinstance(item, IngestResult):
                results.append(item)
                continue
            results.append(await self.ingest_one(item))
        return results

    async def ingest_stream(self, items: Iterator[Item]) -> AsyncIterator[IngestResult]:
        """Store items from a blocking iterator (files being read), yielding each result.

        The iterator is advanced in a worker thread a small batch at a time, so a folder of
        thousands of files is never held in memory at once and the event loop never waits on
        the disk.
        """
        while batch := await asyncio.to_thread(lambda: list(islice(items, READ_BATCH))):
            for item in batch:
                if isinstance(item, IngestResult):
                    yield item
                else:
                    yield await self.ingest_one(item)

    async def ingest_one(self, item: ParsedArticle) -> IngestResult:
        """Store one article and place it into an event."""
        item = storable(item)
        async with self._lock:
            result = await self._store(item)
        if result.outcome in (Outcome.NEW, Outcome.VERSION):
            for hook in self._after_store:
                try:
                    hook(result)
                except Exception:  # a listener's failure never loses the stored article
                    log.exception("after-store hook failed for %s", item.location)
        return replace(result, path=item.path) if item.path else result

    async def place_queued(
        self, *, limit: int = 200, fence: Callable[[UnitOfWork], Awaitable[bool]] | None = None
    ) -> int:
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
                    for _, article_id, _ in queued:
                        await self.events.place(uow, article_id, now=now)
                    await uow.articles.drop_placements([q[0] for q in queued])
            except Exception:
                self.events.invalidate()  # the index may hold what was rolled back
                raise
        return len(queued)

    async def _store(self, item: ParsedArticle) -> IngestResult:
        now = self.clock()
        try:
            async with self.db.unit_of_work() as uow:
                result = await store_article(uow, item, now=now, source_ids=self._source_ids)
                stored = result.outcome in (Outcome.NEW, Outcome.VERSION) and result.article_id
                if stored and self.defer_placement:
                    assert result.article_id is not None
                    await uow.articles.queue_placement(result.article_id, now=now)
                elif stored:
                    assert result.article_id is not None
                    new = (
                        new_document(item, result.article_id)
                        if result.outcome is Outcome.NEW
                        else None
                    )
                    event_id = await self.events.place(uow, result.article_id, now=now, new=new)
                    result = replace(result, event_id=event_id)
            return result
        except Exception as exc:
            # The unit of work rolled back; the index may hold the doc, so rebuild it next time.
            log.exception("could not store %s", item.location)
            self.events.invalidate()
            self._source_ids.clear()  # a source created in the rolled-back work is gone
            return IngestResult(
                item.location,
                Outcome.REJECTED,
                # Only a passing fault (a lock, a full disk) is worth offering the item again.
                reason=storage_reason(exc, retry=is_transient(exc)),
                title=item.title,
                retry=is_transient(exc),
            )
