"""The outbox: messages waiting to be delivered exactly once, and those delivered."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, delete, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.records import DEAD, PENDING, SENDING, SENT, OutboxRecord
from storage.repositories.insert import insert_if_absent
from storage.repositories.processes import live_process_ids, orphaned
from storage.tables import OutboxRow

# The advisory lock key that serialises outbox claims across processes ("outbox" in ASCII).
_CLAIM_LOCK = 0x6F7574626F78


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
        thread_id: int | None = None,
        target_key: str | None = None,
    ) -> bool:
        """Queue a message unless one with the same key exists; True when it was queued."""
        message = OutboxRow(
            idempotency_key=key,
            chat_id=chat_id,
            kind=kind,
            text=text,
            parse_mode=parse_mode,
            reply_markup=reply_markup,
            silent=silent,
            previews=previews,
            thread_id=thread_id,
            target_key=target_key,
            state=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        return await insert_if_absent(self._session, message, unique=["idempotency_key"])

    async def claim(
        self,
        now: datetime,
        *,
        lease_until: datetime,
        limit: int,
        exclude_chats: Collection[int] = (),
        owner: str | None = None,
        dead_after: timedelta = timedelta(seconds=10),
    ) -> list[OutboxRecord]:
        """Mark due messages (and expired "sending" leases) as sending; return them in order.

        With ``owner`` (several processes on one database), messages a dead process was
        sending are due at once, never the caller's own; and a chat with a message another
        live process is sending is left alone, so each chat's messages keep their order.
        """
        postgres = (
            self._session.bind is not None and self._session.bind.dialect.name == "postgresql"
        )
        if postgres:
            # One claim at a time across processes: a second claimer then sees the first's
            # "sending" rows, so two processes never split one chat's messages between them.
            await self._session.exec(select(func.pg_advisory_xact_lock(_CLAIM_LOCK)))
        due = and_(
            col(OutboxRow.state).in_([PENDING, SENDING]), col(OutboxRow.next_attempt_at) <= now
        )
        query = select(OutboxRow)
        if owner is None:
            query = query.where(due)
        else:
            live = live_process_ids(self._session, now, dead_after)
            other = aliased(OutboxRow)
            taken_elsewhere = (
                select(col(other.id))
                .where(
                    col(other.chat_id) == col(OutboxRow.chat_id),
                    col(other.state) == SENDING,
                    col(other.next_attempt_at) > now,
                    or_(
                        col(other.claimed_by).is_(None),
                        col(other.claimed_by) == owner,
                        col(other.claimed_by).in_(live),
                    ),
                )
                .exists()
            )
            dead_claim = and_(
                col(OutboxRow.state) == SENDING, orphaned(col(OutboxRow.claimed_by), owner, live)
            )
            query = query.where(or_(due, dead_claim), ~taken_elsewhere | dead_claim)
        query = query.order_by(col(OutboxRow.id)).limit(limit).with_for_update(skip_locked=True)
        if exclude_chats:
            query = query.where(col(OutboxRow.chat_id).not_in(list(exclude_chats)))
        rows = list((await self._session.exec(query)).all())
        if not rows:
            return []
        claimed = [
            replace(
                r.to_record(), state=SENDING, next_attempt_at=lease_until, attempts=r.attempts + 1
            )
            for r in rows
        ]
        # One statement for the batch: the ORM's flush wrote one UPDATE per row.
        await self._session.exec(
            update(OutboxRow)
            .where(col(OutboxRow.id).in_([r.id for r in claimed]))
            .values(
                state=SENDING,
                next_attempt_at=lease_until,
                claimed_by=owner,
                attempts=OutboxRow.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return claimed

    async def still_claimed(self, message_id: int, *, owner: str) -> bool:
        """Tell whether ``owner`` still holds its claim on a message (none took it over)."""
        result = await self._session.exec(
            update(OutboxRow)
            .where(
                col(OutboxRow.id) == message_id,
                col(OutboxRow.state) == SENDING,
                col(OutboxRow.claimed_by) == owner,
            )
            .values(claimed_by=owner)
        )
        return bool(result.rowcount)

    async def mark_sent_many(self, sent: Sequence[tuple[int, int]], *, now: datetime) -> None:
        """Record messages as delivered: (message id, its Telegram id) pairs, one statement."""
        if not sent:
            return
        table = OutboxRow.__table__  # type: ignore[attr-defined]
        statement = (
            update(table)
            .where(table.c.id == bindparam("message_id"))
            .values(
                state=SENT, sent_at=now, telegram_message_id=bindparam("telegram_id"),
                last_error=None,
            )
        )  # fmt: skip
        connection = await self._session.connection()
        await connection.execute(statement, [{"message_id": m, "telegram_id": t} for m, t in sent])

    async def release(
        self, message_ids: Sequence[int], *, at: datetime, owner: str | None = None
    ) -> None:
        """Put claimed messages back in the queue, due at ``at`` (no attempt was made).

        With ``owner``, only those it still holds: another process may have taken some over.
        """
        if not message_ids:
            return
        query = update(OutboxRow).where(
            col(OutboxRow.id).in_(list(message_ids)), col(OutboxRow.state) == SENDING
        )
        if owner is not None:
            query = query.where(col(OutboxRow.claimed_by) == owner)
        await self._session.exec(
            query.values(state=PENDING, next_attempt_at=at, attempts=OutboxRow.attempts - 1)
        )

    async def retry_later(
        self, message_id: int, *, at: datetime, error: str, owner: str | None = None
    ) -> None:
        """Reschedule a failed message and every later one of its chat (keeps their order).

        With ``owner``, messages another process claimed meanwhile are left to it.
        """
        row = await self._session.get(OutboxRow, message_id)
        assert row is not None
        mine = col(OutboxRow.state) == SENDING
        if owner is not None:
            mine = and_(mine, col(OutboxRow.claimed_by) == owner)
        await self._session.exec(
            update(OutboxRow)
            .where(
                col(OutboxRow.chat_id) == row.chat_id,
                col(OutboxRow.id) >= message_id,
                col(OutboxRow.state).in_([PENDING, SENDING]),
                # Later messages this lane claimed, or queued ones due before ``at``.
                or_(
                    mine, and_(col(OutboxRow.state) == PENDING, col(OutboxRow.next_attempt_at) < at)
                ),
            )
            .values(
                state=PENDING,
                next_attempt_at=at,
                # The later ones claimed with it were not tried: their claim counts no attempt
                # (else each failure of an earlier message doubled their backoff too).
                attempts=case(
                    (and_(col(OutboxRow.id) > message_id, mine), OutboxRow.attempts - 1),
                    else_=OutboxRow.attempts,
                ),
            )
        )
        await self._session.exec(
            update(OutboxRow).where(col(OutboxRow.id) == message_id).values(last_error=error[:1000])
        )

    async def mark_dead(self, message_id: int, *, error: str) -> None:
        """Give up on a message for good (undeliverable), keeping the reason."""
        await self._session.exec(
            update(OutboxRow)
            .where(col(OutboxRow.id) == message_id)
            .values(state=DEAD, last_error=error[:1000])
        )

    async def move_chat(self, old_chat_id: int, new_chat_id: int, *, now: datetime) -> int:
        """Send a chat's undelivered messages to its new id (a group became a supergroup)."""
        result = await self._session.exec(
            update(OutboxRow)
            .where(
                col(OutboxRow.chat_id) == old_chat_id,
                col(OutboxRow.state).in_([PENDING, SENDING]),
            )
            .values(chat_id=new_chat_id, state=PENDING, next_attempt_at=now)
        )
        return int(result.rowcount)

    async def drop_chat(self, chat_id: int, *, error: str) -> int:
        """Mark every undelivered message of a chat as dead; return how many."""
        result = await self._session.exec(
            update(OutboxRow)
            .where(
                col(OutboxRow.chat_id) == chat_id,
                col(OutboxRow.state).in_([PENDING, SENDING]),
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
            delete(OutboxRow).where(
                col(OutboxRow.state).in_([SENT, DEAD]), col(OutboxRow.created_at) < before
            )
        )
        return int(result.rowcount)

    async def get_telegram_message_id(self, key: str) -> int | None:
        """Return Telegram's id of the sent message with this outbox key, or None."""
        query = select(OutboxRow.telegram_message_id).where(OutboxRow.idempotency_key == key)
        return (await self._session.exec(query)).first()

    async def get_next_due(self) -> datetime | None:
        """Return when the next undelivered message is due."""
        query = select(func.min(OutboxRow.next_attempt_at)).where(
            col(OutboxRow.state).in_([PENDING, SENDING])
        )
        return (await self._session.exec(query)).first()

    async def count_by_state(self) -> dict[str, int]:
        """Return how many messages are in each state."""
        query = select(OutboxRow.state, func.count()).group_by(col(OutboxRow.state))
        return {state: int(n) for state, n in (await self._session.exec(query)).all()}

    async def list_messages(self, *, chat_id: int | None = None) -> list[OutboxRecord]:
        """Return the queued, sent and dead messages (of one chat, if given), oldest first."""
        query = select(OutboxRow).order_by(col(OutboxRow.id))
        if chat_id is not None:
            query = query.where(OutboxRow.chat_id == chat_id)
        return [r.to_record() for r in (await self._session.exec(query)).all()]
