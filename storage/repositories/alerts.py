"""Alerts: what each chat was last told about each event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.records import AlertMark
from storage.repositories.insert import insert_if_absent
from storage.tables import EventAlertRow


class EventAlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_marks_for_event(self, event_id: int) -> dict[int, AlertMark]:
        """Return what each subscriber was last told about an event, by subscriber id."""
        query = select(EventAlertRow).where(EventAlertRow.event_id == event_id)
        return {r.subscriber_id: r.to_record() for r in (await self._session.exec(query)).all()}

    async def record(
        self,
        subscriber_id: int,
        event_id: int,
        *,
        signature: str,
        now: datetime | None,
        told: str = "",
        message_key: str | None = None,
    ) -> None:
        """Remember that the chat was alerted about the event in this state.

        ``message_key`` names the chat's alert message about it; None keeps the one recorded.
        """
        query = select(EventAlertRow).where(
            EventAlertRow.subscriber_id == subscriber_id, EventAlertRow.event_id == event_id
        )
        row = (await self._session.exec(query)).first()
        if row is None:
            mark = EventAlertRow(
                subscriber_id=subscriber_id,
                event_id=event_id,
                last_sent_at=now,
                signature=signature,
                told=told or None,
                message_key=message_key,
            )
            if await insert_if_absent(self._session, mark, unique=["subscriber_id", "event_id"]):
                return
            row = (await self._session.exec(query)).one()
        row.last_sent_at, row.signature, row.told = now, signature, told or None
        if message_key is not None:
            row.message_key = message_key
        self._session.add(row)
        await self._session.flush()

    async def set_follow(self, subscriber_id: int, event_id: int, follow: str) -> None:
        """Follow ("follow") or mute ("mute") an event for a chat, told about it or not yet."""
        query = select(EventAlertRow).where(
            EventAlertRow.subscriber_id == subscriber_id, EventAlertRow.event_id == event_id
        )
        row = (await self._session.exec(query)).first()
        if row is None:
            mark = EventAlertRow(subscriber_id=subscriber_id, event_id=event_id, follow=follow)
            if await insert_if_absent(self._session, mark, unique=["subscriber_id", "event_id"]):
                return
            row = (await self._session.exec(query)).one()
        row.follow = follow
        self._session.add(row)
        await self._session.flush()

    async def put_mark(self, subscriber_id: int, event_id: int, mark: AlertMark) -> None:
        """Set what a chat knows of an event to another mark's state (a revision regrouped it)."""
        await self.record(
            subscriber_id,
            event_id,
            signature=mark.signature,
            now=mark.last_sent_at,
            told=mark.told,
            message_key=mark.message_key,
        )

    async def delete_marks(self, event_id: int) -> None:
        """Forget every chat's mark on an event (it was merged into another)."""
        await self._session.exec(
            delete(EventAlertRow).where(col(EventAlertRow.event_id) == event_id)
        )
        await self._session.flush()
