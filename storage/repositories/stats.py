"""Stats: how many of each thing the database holds, across every aggregate."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.records import PENDING, SENDING, Counts
from storage.tables import (
    ArticleRow,
    ArticleVersionRow,
    EventRow,
    FeedRow,
    OutboxRow,
    SourceRow,
    SubscriberRow,
)


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _count(self, table: type[SQLModel], *where: object) -> int:
        query = select(func.count()).select_from(table)
        for clause in where:
            query = query.where(clause)  # type: ignore[arg-type]
        return int((await self._session.exec(query)).one())

    async def count_all(self) -> Counts:
        """Return how many of each thing the database holds."""
        return Counts(
            feeds=await self._count(FeedRow),
            failing_feeds=await self._count(FeedRow, col(FeedRow.last_error).is_not(None)),
            sources=await self._count(SourceRow),
            articles=await self._count(ArticleRow),
            versions=await self._count(ArticleVersionRow),
            events=await self._count(EventRow),
            subscribers=await self._count(SubscriberRow, col(SubscriberRow.active).is_(True)),
            queued_messages=await self._count(
                OutboxRow, col(OutboxRow.state).in_([PENDING, SENDING])
            ),
        )
