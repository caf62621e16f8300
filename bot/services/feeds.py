"""Manage the feeds briefbot polls: add, remove, list."""

from __future__ import annotations

from bot.config import Settings
from bot.ingest.urls import feed_name, validate_feed_url
from bot.times import Clock, utcnow
from storage.records import FeedRecord
from storage.unit_of_work import Database


class FeedService:
    """Feed management, one unit of work per call."""

    def __init__(self, db: Database, settings: Settings, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    async def add(
        self, url: str, *, name: str | None = None, interval_seconds: int | None = None
    ) -> tuple[FeedRecord, bool]:
        """Validate and add a feed; return it and whether it is new (an existing one is unchanged).

        Raises ValueError with a plain message when the URL is unusable.
        """
        clean = validate_feed_url(url, allow_private=self.settings.allow_private_feeds)
        async with self.db.unit_of_work() as uow:
            existing = await uow.feeds.find_feed(clean)
            if existing is not None:
                return existing, False
            feed = await uow.feeds.add(
                url=clean,
                name=name or feed_name(clean),
                now=self.clock(),
                interval_seconds=interval_seconds,
            )
            return feed, True

    async def remove(self, ref: str) -> FeedRecord | None:
        """Remove a feed by id or URL; None when there is no such feed."""
        async with self.db.unit_of_work() as uow:
            found = await uow.feeds.find_feed(ref)
            if found is not None:
                await uow.feeds.remove(found.id)
            return found

    async def list(self) -> list[FeedRecord]:
        """Return every feed with its state."""
        async with self.db.unit_of_work() as uow:
            return await uow.feeds.list_feeds()
