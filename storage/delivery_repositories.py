"""Repositories for subscribers, their filters, alerts sent and the outbox (never commit)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import EventAlert, OutboxMessage, Subscriber, Subscription

# Outbox states: pending -> sending -> sent, or -> dead (chat gone / undeliverable).
PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"


@dataclass(frozen=True, slots=True)
class SubscriberRecord:
    id: int
    chat_id: int
    timezone: str
    digest_time: str | None
    next_digest_at: datetime | None
    last_digest_at: datetime | None
    quiet_start: str | None
    quiet_end: str | None
    alerts: bool
    active: bool
    created_at: datetime
    active_since: datetime
    language: str | None = None
    link_previews: bool = False
    listed_events: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    id: int
    idempotency_key: str
    chat_id: int
    kind: str
    text: str
    parse_mode: str | None
    reply_markup: str | None
    silent: bool
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    telegram_message_id: int | None
    previews: bool = False


@dataclass(frozen=True, slots=True)
class AlertMark:
    """What one chat was last told about one event."""

    subscriber_id: int
    event_id: int
    last_sent_at: datetime | None
    signature: str


def _subscriber(row: Subscriber) -> SubscriberRecord:
    assert row.id is not None
    return SubscriberRecord(
        id=row.id,
        chat_id=row.chat_id,
        timezone=row.timezone,
        digest_time=row.digest_time,
        next_digest_at=row.next_digest_at,
        last_digest_at=row.last_digest_at,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        alerts=row.alerts,
        active=row.active,
        created_at=row.created_at,
        active_since=row.active_since or row.created_at,
        language=row.language,
        link_previews=row.link_previews,
        listed_events=tuple(int(i) for i in (row.listed_events or "").split(",") if i.isdigit()),
    )


def _message(row: OutboxMessage) -> OutboxRecord:
    assert row.id is not None
    return OutboxRecord(
        id=row.id,
        idempotency_key=row.idempotency_key,
        chat_id=row.chat_id,
        kind=row.kind,
        text=row.text,
        parse_mode=row.parse_mode,
        reply_markup=row.reply_markup,
        silent=row.silent,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        sent_at=row.sent_at,
        telegram_message_id=row.telegram_message_id,
        previews=row.previews,
    )


class SubscriberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, chat_id: int) -> Subscriber | None:
        query = select(Subscriber).where(Subscriber.chat_id == chat_id)
        return (await self._session.exec(query)).first()

    async def get(self, chat_id: int) -> SubscriberRecord | None:
        row = await self._row(chat_id)
        return None if row is None else _subscriber(row)

    async def get_by_id(self, subscriber_id: int) -> SubscriberRecord | None:
        row = await self._session.get(Subscriber, subscriber_id)
        return None if row is None else _subscriber(row)

    async def upsert(
        self, chat_id: int, *, timezone: str, digest_time: str | None, now: datetime
    ) -> SubscriberRecord:
        """Return the chat's subscriber, creating it or switching it back on (active since now)."""
        row = await self._row(chat_id)
        if row is None:
            row = Subscriber(
                chat_id=chat_id,
                timezone=timezone,
                digest_time=digest_time,
                created_at=now,
                active_since=now,
            )
        elif not row.active:
            # Coming back keeps the chat's settings: a digest it had switched off stays off.
            row.active, row.alerts, row.active_since = True, True, now
        self._session.add(row)
        await self._session.flush()
        return _subscriber(row)

    async def set_fields(self, chat_id: int, **fields: Any) -> SubscriberRecord | None:
        """Set the given columns of the chat's subscriber; None when there is no such chat."""
        row = await self._row(chat_id)
        if row is None:
            return None
        for name, value in fields.items():
            if not hasattr(Subscriber, name):
                raise AttributeError(name)
            setattr(row, name, value)
        self._session.add(row)
        await self._session.flush()
        return _subscriber(row)

    async def deactivate(self, chat_id: int) -> bool:
        """Switch a chat off (blocked bot, chat gone or /stop); True when it was on."""
        row = await self._row(chat_id)
        if row is None or not row.active:
            return False
        row.active, row.alerts, row.next_digest_at = False, False, None
        self._session.add(row)
        await self._session.flush()
        return True

    async def list_alerted(self) -> list[SubscriberRecord]:
        """Return every active subscriber that wants alerts."""
        query = (
            select(Subscriber)
            .where(col(Subscriber.active).is_(True), col(Subscriber.alerts).is_(True))
            .order_by(col(Subscriber.id))
        )
        return [_subscriber(r) for r in (await self._session.exec(query)).all()]

    async def list_due_digests(self, now: datetime, *, limit: int = 500) -> list[SubscriberRecord]:
        """Return active subscribers whose next digest time has come, earliest first."""
        query = (
            select(Subscriber)
            .where(
                col(Subscriber.active).is_(True),
                col(Subscriber.digest_time).is_not(None),
                col(Subscriber.next_digest_at) <= now,
            )
            .order_by(col(Subscriber.next_digest_at), col(Subscriber.id))
            .limit(limit)
        )
        return [_subscriber(r) for r in (await self._session.exec(query)).all()]

    async def count_active(self) -> int:
        query = select(func.count()).select_from(Subscriber).where(col(Subscriber.active).is_(True))
        return int((await self._session.exec(query)).one())


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, subscriber_id: int, keywords: str, *, now: datetime) -> bool:
        """Add a filter ("" means every event); False when it already exists."""
        query = select(Subscription).where(
            Subscription.subscriber_id == subscriber_id, Subscription.keywords == keywords
        )
        if (await self._session.exec(query)).first() is not None:
            return False
        self._session.add(
            Subscription(subscriber_id=subscriber_id, keywords=keywords, created_at=now)
        )
        await self._session.flush()
        return True

    async def remove(self, subscriber_id: int, keywords: str | None = None) -> int:
        """Remove one filter, or every filter when ``keywords`` is None; return how many."""
        stmt = delete(Subscription).where(col(Subscription.subscriber_id) == subscriber_id)
        if keywords is not None:
            stmt = stmt.where(col(Subscription.keywords) == keywords)
        result = await self._session.exec(stmt)
        await self._session.flush()
        return int(result.rowcount)

    async def list_for(self, subscriber_id: int) -> list[str]:
        """Return the subscriber's filters, oldest first."""
        query = (
            select(Subscription.keywords)
            .where(Subscription.subscriber_id == subscriber_id)
            .order_by(col(Subscription.id))
        )
        return list((await self._session.exec(query)).all())

    async def by_subscriber(self, subscriber_ids: Collection[int]) -> dict[int, list[str]]:
        """Return the filters of many subscribers at once."""
        out: dict[int, list[str]] = {i: [] for i in subscriber_ids}
        if not subscriber_ids:
            return out
        query = (
            select(Subscription.subscriber_id, Subscription.keywords)
            .where(col(Subscription.subscriber_id).in_(list(subscriber_ids)))
            .order_by(col(Subscription.id))
        )
        for sid, keywords in (await self._session.exec(query)).all():
            out[sid].append(keywords)
        return out


class EventAlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_event(self, event_id: int) -> dict[int, AlertMark]:
        """Return what each subscriber was last told about an event, by subscriber id."""
        query = select(EventAlert).where(EventAlert.event_id == event_id)
        return {
            r.subscriber_id: AlertMark(r.subscriber_id, r.event_id, r.last_sent_at, r.signature)
            for r in (await self._session.exec(query)).all()
        }

    async def record(
        self, subscriber_id: int, event_id: int, *, signature: str, now: datetime
    ) -> None:
        """Remember that the chat was alerted about the event in this state."""
        query = select(EventAlert).where(
            EventAlert.subscriber_id == subscriber_id, EventAlert.event_id == event_id
        )
        row = (await self._session.exec(query)).first()
        if row is None:
            row = EventAlert(subscriber_id=subscriber_id, event_id=event_id)
        row.last_sent_at, row.signature = now, signature
        self._session.add(row)
        await self._session.flush()


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enqueue(
        self,
        *,
        key: str,
        chat_id: int,
        kind: str,
        text: str,
        now: datetime,
        parse_mode: str | None = "HTML",
        reply_markup: str | None = None,
        silent: bool = False,
        previews: bool = False,
    ) -> bool:
        """Queue a message unless one with the same key exists; True when it was queued."""
        values = {
            "idempotency_key": key,
            "chat_id": chat_id,
            "kind": kind,
            "text": text,
            "parse_mode": parse_mode,
            "reply_markup": reply_markup,
            "silent": silent,
            "previews": previews,
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(OutboxMessage)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
        )
        result = await self._session.exec(stmt)
        return bool(result.rowcount)

    async def claim(
        self,
        now: datetime,
        *,
        lease_until: datetime,
        limit: int,
        exclude_chats: Collection[int] = (),
    ) -> list[OutboxRecord]:
        """Mark due messages (and expired "sending" leases) as sending; return them in order."""
        query = (
            select(OutboxMessage)
            .where(
                col(OutboxMessage.state).in_([PENDING, SENDING]),
                col(OutboxMessage.next_attempt_at) <= now,
            )
            .order_by(col(OutboxMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if exclude_chats:
            query = query.where(col(OutboxMessage.chat_id).not_in(list(exclude_chats)))
        rows = list((await self._session.exec(query)).all())
        for row in rows:
            row.state, row.next_attempt_at = SENDING, lease_until
            row.attempts += 1
            self._session.add(row)
        await self._session.flush()
        return [_message(r) for r in rows]

    async def mark_sent(self, message_id: int, *, telegram_message_id: int, now: datetime) -> None:
        await self._session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(
                state=SENT, sent_at=now, telegram_message_id=telegram_message_id, last_error=None
            )
        )

    async def release(self, message_ids: Sequence[int], *, at: datetime) -> None:
        """Put claimed messages back in the queue, due at ``at`` (no attempt was made)."""
        if not message_ids:
            return
        await self._session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(list(message_ids)), col(OutboxMessage.state) == SENDING
            )
            .values(state=PENDING, next_attempt_at=at, attempts=OutboxMessage.attempts - 1)
        )

    async def retry_later(self, message_id: int, *, at: datetime, error: str) -> None:
        """Reschedule a failed message and every later one of its chat (keeps their order)."""
        row = await self._session.get(OutboxMessage, message_id)
        assert row is not None
        await self._session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.chat_id) == row.chat_id,
                col(OutboxMessage.id) >= message_id,
                col(OutboxMessage.state).in_([PENDING, SENDING]),
                # Later messages this lane claimed, or queued ones due before ``at``.
                or_(col(OutboxMessage.state) == SENDING, col(OutboxMessage.next_attempt_at) < at),
            )
            .values(state=PENDING, next_attempt_at=at)
        )
        await self._session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(last_error=error[:1000])
        )

    async def update_text(self, message_id: int, *, text: str, parse_mode: str | None) -> None:
        await self._session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(text=text, parse_mode=parse_mode)
        )

    async def mark_dead(self, message_id: int, *, error: str) -> None:
        await self._session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(state=DEAD, last_error=error[:1000])
        )

    async def drop_chat(self, chat_id: int, *, error: str) -> int:
        """Mark every undelivered message of a chat as dead; return how many."""
        result = await self._session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.chat_id) == chat_id,
                col(OutboxMessage.state).in_([PENDING, SENDING]),
            )
            .values(state=DEAD, last_error=error[:1000])
        )
        return int(result.rowcount)

    async def purge(self, *, before: datetime) -> int:
        """Delete sent and dead messages created before ``before``; return how many.

        Safe for exactly-once: nothing re-queues an old key (alerts are remembered in
        event_alerts, digests are keyed by a slot that has passed).
        """
        result = await self._session.exec(
            delete(OutboxMessage).where(
                col(OutboxMessage.state).in_([SENT, DEAD]), col(OutboxMessage.created_at) < before
            )
        )
        return int(result.rowcount)

    async def next_due(self) -> datetime | None:
        """Return when the next undelivered message is due."""
        query = select(func.min(OutboxMessage.next_attempt_at)).where(
            col(OutboxMessage.state).in_([PENDING, SENDING])
        )
        return (await self._session.exec(query)).first()

    async def counts(self) -> dict[str, int]:
        """Return how many messages are in each state."""
        query = select(OutboxMessage.state, func.count()).group_by(col(OutboxMessage.state))
        return {state: int(n) for state, n in (await self._session.exec(query)).all()}

    async def list_all(self, *, chat_id: int | None = None) -> list[OutboxRecord]:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        if chat_id is not None:
            query = query.where(OutboxMessage.chat_id == chat_id)
        return [_message(r) for r in (await self._session.exec(query)).all()]
