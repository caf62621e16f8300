"""Feeds: what is polled, when, and how the last poll went."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.records import FeedRecord, PollOutcome
from storage.repositories.insert import insert_if_absent
from storage.repositories.processes import live_process_ids, orphaned
from storage.tables import ArticleRow, FeedRow, SourceRow


class FeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _by_url(self, url: str) -> FeedRow | None:
        return (await self._session.exec(select(FeedRow).where(FeedRow.url == url))).first()

    async def add(
        self, *, url: str, name: str, now: datetime, interval_seconds: int | None = None
    ) -> FeedRecord:
        """Insert a feed, due at once; return it (the existing one if the URL is known)."""
        existing = await self._by_url(url)
        if existing is None:
            row = FeedRow(
                url=url,
                name=name,
                interval_seconds=interval_seconds,
                next_poll_at=now,
                created_at=now,
            )
            await insert_if_absent(self._session, row, unique=["url"])
            existing = await self._by_url(url)
        assert existing is not None, f"feed {url!r} neither found nor created"
        return existing.to_record()

    async def list_feeds(self) -> list[FeedRecord]:
        """Return every feed, oldest first."""
        query = select(FeedRow).order_by(col(FeedRow.id))
        return [r.to_record() for r in (await self._session.exec(query)).all()]

    async def get_feed(self, feed_id: int) -> FeedRecord | None:
        """Return the feed with this id, or None."""
        row = await self._session.get(FeedRow, feed_id)
        return None if row is None else row.to_record()

    async def find_feed(self, url_or_id: str) -> FeedRecord | None:
        """Return the feed with this id or URL, or None."""
        if url_or_id.isascii() and url_or_id.isdigit() and len(url_or_id) <= 18:
            return await self.get_feed(int(url_or_id))
        row = await self._by_url(url_or_id)
        return None if row is None else row.to_record()

    async def find_feed_by_name(self, name: str) -> FeedRecord | None:
        """Return the feed whose source name is ``name``, or None."""
        row = (await self._session.exec(select(FeedRow).where(FeedRow.name == name))).first()
        return None if row is None else row.to_record()

    async def count_articles_by_source(self) -> dict[str, int]:
        """Return how many articles each source name holds (a feed's articles are its source's)."""
        query = (
            select(SourceRow.name, func.count(col(ArticleRow.id)))
            .join(ArticleRow, col(ArticleRow.source_id) == col(SourceRow.id))
            .group_by(col(SourceRow.name))
        )
        return {name: int(n) for name, n in (await self._session.exec(query)).all()}

    async def remove(self, feed_id: int) -> bool:
        """Delete a feed; False when there was none with this id."""
        row = await self._session.get(FeedRow, feed_id)
        if row is None:
            return False
        await self._session.delete(row)
        await self._session.flush()
        return True

    async def list_due_feeds(self, now: datetime) -> list[FeedRecord]:
        """Return the feeds whose next poll time has come."""
        query = (
            select(FeedRow)
            .where(or_(col(FeedRow.next_poll_at).is_(None), col(FeedRow.next_poll_at) <= now))
            .order_by(col(FeedRow.next_poll_at), col(FeedRow.id))
        )
        return [r.to_record() for r in (await self._session.exec(query)).all()]

    async def claim_due_feeds(
        self,
        now: datetime,
        *,
        owner: str,
        lease_until: datetime,
        dead_after: timedelta,
        limit: int | None = None,
    ) -> list[FeedRecord]:
        """Claim the feeds due now, and those claimed by a process that died; return them.

        Several processes may claim at once: rows another is claiming are skipped (SKIP
        LOCKED), and a claimed feed is not due again until its lease ends (its next_poll_at)
        or its claimer dies, so no feed is polled by two processes at once.
        """
        live = live_process_ids(self._session, now, dead_after)
        query = (
            select(FeedRow)
            .where(
                or_(
                    col(FeedRow.next_poll_at).is_(None),
                    col(FeedRow.next_poll_at) <= now,
                    orphaned(col(FeedRow.claimed_by), owner, live),
                )
            )
            .order_by(col(FeedRow.next_poll_at), col(FeedRow.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list((await self._session.exec(query)).all())
        for row in rows:
            row.next_poll_at, row.claimed_by = lease_until, owner
            self._session.add(row)
        await self._session.flush()
        return [r.to_record() for r in rows]

    async def release_claims(self, feed_ids: list[int], *, owner: str, now: datetime) -> None:
        """Make feeds this process claimed but did not finish due now, for any process."""
        await self._session.exec(
            update(FeedRow)
            .where(col(FeedRow.id).in_(feed_ids), col(FeedRow.claimed_by) == owner)
            .values(claimed_by=None, next_poll_at=now)
        )

    async def record_poll(
        self,
        feed_id: int,
        *,
        now: datetime,
        next_poll_at: datetime,
        error: str | None,
        etag: str | None = None,
        last_modified: str | None = None,
        owner: str | None = None,
    ) -> None:
        """Store a poll's outcome; on success keep exactly the validators given (None forgets)."""
        await self.record_polls(
            [PollOutcome(feed_id, now, next_poll_at, error, etag, last_modified)], owner=owner
        )

    async def record_polls(
        self, outcomes: Sequence[PollOutcome], *, owner: str | None = None
    ) -> None:
        """Store many polls' outcomes in at most two statements (successes, then failures).

        A cycle's bookkeeping then takes one short write instead of one transaction per feed,
        each waiting for SQLite's single write lock. With ``owner``, a feed another process
        took over meanwhile (this one was paused past its lease) is left as that one has it.
        """
        table: Table = FeedRow.__table__  # type: ignore[attr-defined]
        polled: dict[str, Any] = {
            "last_polled_at": bindparam("polled"),
            "next_poll_at": bindparam("next"),
            "claimed_by": None,
        }
        # Successes clear the error state and keep exactly the validators given.
        success: dict[str, Any] = {
            "last_success_at": bindparam("polled"),
            "last_error": None,
            "error_count": 0,
            "etag": bindparam("etag_"),
            "last_modified": bindparam("modified"),
        }
        failure: dict[str, Any] = {
            "last_error": bindparam("error"),
            "error_count": table.c.error_count + 1,
        }
        for failed, values in ((False, success), (True, failure)):
            params = [
                {"feed_id": o.feed_id, "polled": o.now, "next": o.next_poll_at}
                | ({"error": o.error} if failed else {"etag_": o.etag, "modified": o.last_modified})
                for o in outcomes
                if (o.error is not None) == failed
            ]
            if params:
                stmt = update(table).where(table.c.id == bindparam("feed_id"))
                if owner is not None:
                    stmt = stmt.where(
                        or_(table.c.claimed_by.is_(None), table.c.claimed_by == owner)
                    )
                await self._session.exec(stmt.values(**polled, **values), params=params)
        # Rows this unit of work loaded before now hold the old values: read them afresh.
        for row in list(self._session.identity_map.values()):
            if isinstance(row, FeedRow):
                self._session.expire(row)
