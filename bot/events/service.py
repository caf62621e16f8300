"""The event service: place stored articles into events, refresh them, build their briefings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.briefing.build import (
    analyse_event,
    article_claims,
    build_briefing,
    event_times,
    version_changes,
)
from bot.briefing.cluster import ClusterConfig, EventIndex
from bot.briefing.model import Article, Briefing, Change, Claim, Document
from bot.briefing.revise import ReviseConfig, Revision, revise
from bot.events.memo import Memo
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# How far back the in-memory index reaches after a restart; older events are closed.
REPLAY_WINDOW = timedelta(days=7)


def document_of(article: Article) -> Document:
    """Return what the clusterer sees of an article: its latest version."""
    latest = article.latest
    return Document(
        id=article.id,
        title=latest.title,
        text=latest.text,
        published=article.published or latest.updated,
        source=article.source,
    )


class EventService:
    """Owns the clustering index; the database keeps every assignment so a restart replays them."""

    def __init__(self, config: ClusterConfig | None = None) -> None:
        self._config = config
        self.index = EventIndex(config)
        self._loaded = False
        self._evicted_at: datetime | None = None
        self._memo = Memo(size=50_000)
        # Articles placed since the last revision pass: only their blocks are grouped again.
        self._changed: set[int] = set()

    def invalidate(self) -> None:
        """Drop the in-memory index; the next placement rebuilds it from the database."""
        self._loaded = False

    async def load(self, uow: UnitOfWork, *, now: datetime) -> int:
        """Rebuild the index from the assignments stored in the last replay window."""
        self.index = EventIndex(self._config)
        pairs = await uow.articles.list_documents_since(now - REPLAY_WINDOW)
        for doc, event_id in pairs:
            self.index.add(doc, event_id)
        self._loaded = True
        log.info("clustering index rebuilt from %d stored articles", len(pairs))
        return len(pairs)

    async def place(self, uow: UnitOfWork, article_id: int, *, now: datetime) -> int:
        """Assign a new or updated article to an event and refresh that event; return its id."""
        if not self._loaded:
            await self.load(uow, now=now)
        self._evict(now)
        article = await uow.articles.get_article(article_id)
        assert article is not None, f"article {article_id} vanished"
        doc = document_of(article)
        current = await uow.articles.get_event_id(article_id)
        event_id = current if current is not None else self.index.assign(doc)
        if event_id is None:
            event_id = await uow.events.create(headline=article.title, now=now)
        self.index.add(doc, event_id)
        if current is None:
            await uow.articles.set_event(article_id, event_id)
        self._changed.add(article_id)
        await self.refresh(uow, event_id, now=now)
        return event_id

    async def revise(
        self, uow: UnitOfWork, *, now: datetime, config: ReviseConfig | None = None
    ) -> Revision:
        """Group the changed part of the held window again, order-independently (see revise.py).

        Merged events keep the older id, split ones keep theirs on the larger part; a part split
        off becomes a new event. Every touched event is refreshed and the index rebuilt.
        """
        if not self._changed:
            return Revision(moves={})
        pairs = await uow.articles.list_documents_since(now - REPLAY_WINDOW)
        events = {doc.id: event_id for doc, event_id in pairs}
        revision = revise([doc for doc, _ in pairs], events, self._changed, config)
        self._changed.clear()
        if not revision.moves:
            return revision
        titles = {doc.id: doc.title for doc, _ in pairs}
        created: dict[int, int] = {}
        touched: set[int] = set()
        for article_id, target in sorted(revision.moves.items()):
            if target < 0:
                if target not in created:
                    created[target] = await uow.events.create(headline=titles[article_id], now=now)
                target = created[target]
            touched.update((events[article_id], target))
            await uow.articles.set_event(article_id, target)
        for event_id in sorted(touched):
            await self.refresh(uow, event_id, now=now)
        self.invalidate()
        log.info(
            "revision moved %d articles: %d events merged, %d split off",
            len(revision.moves),
            len(revision.merged),
            sum(revision.split.values()),
        )
        return revision

    def _evict(self, now: datetime) -> None:
        """Close events older than the replay window, at most once an hour, to bound memory."""
        if self._evicted_at is None or now - self._evicted_at >= timedelta(hours=1):
            self.index.evict_before(now - REPLAY_WINDOW)
            self._evicted_at = now

    async def refresh(self, uow: UnitOfWork, event_id: int, *, now: datetime) -> None:
        """Re-analyse an event after a change; mark it changed when its substance changed."""
        record = await uow.events.get_event(event_id)
        assert record is not None
        articles = await uow.articles.list_event_articles(event_id)
        # No summary here: only what decides "changed in substance", from memoised parts.
        analysis = analyse_event(articles, claims_of=self._claims, changes_of=self._changes)
        signature = analysis.signature
        await uow.events.update(
            event_id,
            headline=analysis.headline or None,
            last_updated=now,
            changed_at=now if signature != record.signature else None,
            signature=signature,
            reported=event_times(analysis.articles),
        )

    async def briefing(self, uow: UnitOfWork, event_id: int) -> Briefing:
        """Return the current briefing of an event."""
        record = await uow.events.get_event(event_id)
        if record is None:
            raise LookupError(f"no event {event_id}")
        articles = await uow.articles.list_event_articles(event_id)
        # First reported and last updated come from the articles' own times (build_briefing).
        # In a thread: an event of thousands of articles takes seconds to brief, and the bot
        # must keep answering meanwhile.
        return await asyncio.to_thread(
            build_briefing,
            event_id,
            articles,
            claims_of=self._claims,
            changes_of=self._changes,
        )

    def _claims(self, article: Article) -> Sequence[Claim]:
        return self._memo.get(
            ("claims", article.id, len(article.versions)), article_claims, article
        )

    def _changes(self, article: Article) -> Sequence[Change]:
        if len(article.versions) < 2:
            return ()
        return self._memo.get(
            ("changes", article.id, len(article.versions)), version_changes, article
        )
