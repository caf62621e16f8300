"""The path every article takes: store it, then place it into an event."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

from bot.events import EventService
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from bot.ingest.store import store_article
from storage.types import utcnow
from storage.unit_of_work import Database

log = logging.getLogger(__name__)


class Pipeline:
    """Store parsed articles and cluster them, one unit of work per article."""

    def __init__(
        self, db: Database, events: EventService, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.db = db
        self.events = events
        self.clock = clock

    async def ingest(self, items: Iterable[ParsedArticle | IngestResult]) -> list[IngestResult]:
        """Store each item (rejections pass through); a failure in one never stops the rest."""
        results = []
        for item in items:
            if isinstance(item, IngestResult):
                results.append(item)
                continue
            results.append(await self.ingest_one(item))
        return results

    async def ingest_one(self, item: ParsedArticle) -> IngestResult:
        """Store one article and place it into an event."""
        now = self.clock()
        try:
            async with self.db.unit_of_work() as uow:
                result = await store_article(uow, item, now=now)
                if result.outcome in (Outcome.NEW, Outcome.VERSION) and result.article_id:
                    event_id = await self.events.place(uow, result.article_id, now=now)
                    result = replace(result, event_id=event_id)
            return result
        except Exception as exc:
            # The unit of work rolled back; the index may hold the doc, so rebuild it next time.
            log.exception("could not store %s", item.location)
            self.events.invalidate()
            return IngestResult(item.location, Outcome.REJECTED, reason=f"storage error: {exc}")
