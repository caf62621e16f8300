"""Subscribers: the chats that get alerts and digests, and the filters they chose."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.records import SubscriberRecord
from storage.repositories.insert import insert_if_absent
from storage.tables import SubscriberRow, SubscriptionRow


def join_ids(event_ids: Sequence[int]) -> str:
    """Write a numbered list of event ids the way subscribers.listed_events holds it."""
    return ",".join(str(i) for i in event_ids)


class SubscriberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, chat_id: int) -> SubscriberRow | None:
        query = select(SubscriberRow).where(SubscriberRow.chat_id == chat_id)
        return (await self._session.exec(query)).first()

    async def get_subscriber(self, chat_id: int) -> SubscriberRecord | None:
        """Return the chat's subscriber, or None."""
        row = await self._row(chat_id)
        return None if row is None else row.to_record()

    async def upsert(
        self, chat_id: int, *, timezone: str, digest_time: str | None, now: datetime
    ) -> SubscriberRecord:
        """Return the chat's subscriber, creating it or switching it back on (active since now)."""
        row = await self._row(chat_id)
        if row is None:
            new = SubscriberRow(
                chat_id=chat_id,
                timezone=timezone,
                digest_time=digest_time,
                created_at=now,
                active_since=now,
            )
            # Created here it is on; created by another process meanwhile, it is switched on below.
            await insert_if_absent(self._session, new, unique=["chat_id"])
            row = await self._row(chat_id)
            assert row is not None, f"subscriber {chat_id} neither found nor created"
        if not row.active:
            # Coming back keeps the chat's settings: a digest it had switched off stays off.
            row.active, row.active_since = True, now
            self._session.add(row)
            await self._session.flush()
        return row.to_record()

    async def get_managed_by(self, manager_chat_id: int) -> SubscriberRecord | None:
        """Return the active channel a private chat manages (the latest connected), or None."""
        query = (
            select(SubscriberRow)
            .where(SubscriberRow.managed_by == manager_chat_id)
            .where(col(SubscriberRow.active).is_(True))
            .order_by(col(SubscriberRow.id).desc())
        )
        row = (await self._session.exec(query)).first()
        return None if row is None else row.to_record()

    async def set_fields(self, chat_id: int, **fields: Any) -> SubscriberRecord | None:
        """Set the given columns of the chat's subscriber; None when there is no such chat."""
        row = await self._row(chat_id)
        if row is None:
            return None
        for name, value in fields.items():
            if not hasattr(SubscriberRow, name):
                raise AttributeError(name)
            setattr(row, name, value)
        self._session.add(row)
        await self._session.flush()
        return row.to_record()

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """Give the subscriber its chat's new id; False when that id has one already (then the
        old one is switched off)."""
        row = await self._row(old_chat_id)
        if row is None:
            return False
        if await self._row(new_chat_id) is not None:
            await self.deactivate(old_chat_id)
            return False
        row.chat_id = new_chat_id
        self._session.add(row)
        await self._session.flush()
        return True

    async def deactivate(self, chat_id: int) -> bool:
        """Switch a chat off (blocked bot, chat gone or /stop); True when it was on."""
        row = await self._row(chat_id)
        if row is None or not row.active:
            return False
        row.active, row.next_digest_at = False, None
        self._session.add(row)
        await self._session.flush()
        return True

    async def list_alerted(self) -> list[SubscriberRecord]:
        """Return every active subscriber (an active chat gets alerts)."""
        query = (
            select(SubscriberRow)
            .where(col(SubscriberRow.active).is_(True))
            .order_by(col(SubscriberRow.id))
        )
        return [r.to_record() for r in (await self._session.exec(query)).all()]

    async def list_due_digests(self, now: datetime, *, limit: int = 500) -> list[SubscriberRecord]:
        """Return active subscribers whose next digest time has come, earliest first."""
        query = (
            select(SubscriberRow)
            .where(
                col(SubscriberRow.active).is_(True),
                col(SubscriberRow.digest_time).is_not(None),
                col(SubscriberRow.next_digest_at) <= now,
            )
            .order_by(col(SubscriberRow.next_digest_at), col(SubscriberRow.id))
            .limit(limit)
        )
        return [r.to_record() for r in (await self._session.exec(query)).all()]


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, subscriber_id: int, keywords: str, *, now: datetime) -> bool:
        """Add a filter ("" means every event); False when it already exists."""
        row = SubscriptionRow(subscriber_id=subscriber_id, keywords=keywords, created_at=now)
        return await insert_if_absent(self._session, row, unique=["subscriber_id", "keywords"])

    async def remove(self, subscriber_id: int, keywords: str | None = None) -> int:
        """Remove one filter, or every filter when ``keywords`` is None; return how many."""
        stmt = delete(SubscriptionRow).where(col(SubscriptionRow.subscriber_id) == subscriber_id)
        if keywords is not None:
            stmt = stmt.where(col(SubscriptionRow.keywords) == keywords)
        result = await self._session.exec(stmt)
        await self._session.flush()
        return int(result.rowcount)

    async def list_keywords(self, subscriber_id: int) -> list[str]:
        """Return the subscriber's filters, oldest first."""
        query = (
            select(SubscriptionRow.keywords)
            .where(SubscriptionRow.subscriber_id == subscriber_id)
            .order_by(col(SubscriptionRow.id))
        )
        return list((await self._session.exec(query)).all())

    async def list_keywords_by_subscriber(
        self, subscriber_ids: Collection[int]
    ) -> dict[int, list[str]]:
        """Return the filters of many subscribers at once, by subscriber id."""
        out: dict[int, list[str]] = {i: [] for i in subscriber_ids}
        if not subscriber_ids:
            return out
        query = (
            select(SubscriptionRow.subscriber_id, SubscriptionRow.keywords)
            .where(col(SubscriptionRow.subscriber_id).in_(list(subscriber_ids)))
            .order_by(col(SubscriptionRow.id))
        )
        for sid, keywords in (await self._session.exec(query)).all():
            out[sid].append(keywords)
        return out
