"""Queue each subscriber's daily digest when it is due (a sweep, so nothing is skipped)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bot.briefing.model import Briefing
from bot.delivery.alerts import matches
from bot.delivery.schedule import next_digest_at
from bot.events.service import EventService
from bot.i18n import format_day, pick, translator
from bot.render.html import digest_html
from bot.render.keyboards import keyboard_json, numbered_keyboard
from bot.times import parse_hhmm
from storage.db import describe_error, is_transient
from storage.records import SubscriberRecord
from storage.repositories.subscribers import join_ids
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)


def importance(b: Briefing) -> tuple[int, int, float]:
    """Sort key: more sources first, then more disputed figures, then the most recent."""
    conflicts = sum(d.kind == "conflict" for d in b.differences)
    updated = b.last_updated.timestamp() if b.last_updated else 0.0
    return (-b.source_count, -conflicts, -updated)


def digest_key(chat_id: int, slot: datetime, zone: tzinfo, part: int) -> str:
    """Return the outbox key of one part of the digest due at ``slot`` (part 1 has no suffix).

    Keyed by the slot, not the day: after /digest or /timezone moves the time, a second digest
    on the same local day is a new message, not a silently dropped duplicate.
    """
    key = f"digest:{chat_id}:{slot.astimezone(zone).isoformat(timespec='minutes')}"
    return key if part == 1 else f"{key}:{part}"


# A digest that failed (bad stored settings, an error) is tried again this much later.
RETRY_FAILED = timedelta(hours=1)
# A digest that failed on a passing database error (a lock, a restart) is tried again soon.
RETRY_TRANSIENT = timedelta(minutes=1)


class DigestService:
    """Send due digests: events new or changed since the chat's last digest, important first."""

    def __init__(
        self,
        db: Database,
        events: EventService,
        *,
        max_events: int = 10,
        first_lookback: timedelta = timedelta(days=1),
        batch: int = 200,
    ) -> None:
        self.db = db
        self.events = events
        self.max_events = max_events
        self.first_lookback = first_lookback
        self.batch = batch

    async def sweep(self, now: datetime) -> int:
        """Queue every digest due at ``now``; return how many chats got one.

        A subscriber whose digest fails is logged and retried later (in a minute after a
        passing database error, in an hour otherwise); it never holds up the rest. When even
        the retry time cannot be stored, the database is down: the sweep ends and the next one
        finds the digest still due.
        """
        cache: dict[int, Briefing | None] = {}
        sent = 0
        while True:
            async with self.db.unit_of_work() as uow:
                due = await uow.subscribers.list_due_digests(now, limit=self.batch)
            if not due:
                break
            for sub in due:
                try:
                    async with self.db.unit_of_work() as uow:
                        sent += await self._digest(uow, sub, now, cache)
                except Exception as exc:
                    transient = is_transient(exc)
                    if transient:
                        log.warning(
                            "digest for chat %s failed on a database error (%s); retrying in %s",
                            sub.chat_id,
                            describe_error(exc),
                            RETRY_TRANSIENT,
                        )
                    else:
                        log.exception("digest for chat %s failed; retrying later", sub.chat_id)
                    assert sub.next_digest_at is not None
                    later = (
                        now + RETRY_TRANSIENT
                        if transient
                        else RETRY_FAILED + max(sub.next_digest_at, now)
                    )
                    async with self.db.unit_of_work() as uow:
                        await uow.subscribers.set_fields(sub.chat_id, next_digest_at=later)
        if sent:
            log.info("queued %d digest(s)", sent)
        return sent

    async def _briefing(
        self, uow: UnitOfWork, event_id: int, cache: dict[int, Briefing | None]
    ) -> Briefing | None:
        """Return an event's briefing, or None (logged once) when it cannot be built."""
        if event_id not in cache:
            try:
                cache[event_id] = await self.events.briefing(uow, event_id)
            except Exception:
                log.exception("event %s left out of digests: its briefing failed", event_id)
                cache[event_id] = None
        return cache[event_id]

    async def _digest(
        self,
        uow: UnitOfWork,
        sub: SubscriberRecord,
        now: datetime,
        cache: dict[int, Briefing | None],
    ) -> int:
        assert sub.next_digest_at is not None and sub.digest_time is not None
        zone = ZoneInfo(sub.timezone)
        slot = sub.next_digest_at
        since = sub.last_digest_at or (slot - self.first_lookback)
        filters = await uow.subscriptions.list_keywords(sub.id)
        await self.events.analyse_due(uow, since=since)
        records = await uow.events.list_recent_events(limit=self.max_events * 5, since=since)
        briefings = []
        for record in records:
            briefing = await self._briefing(uow, record.id, cache)
            if briefing is not None and matches(filters, briefing):
                briefings.append(briefing)
        ranked = sorted(briefings, key=importance)
        briefings = ranked[: self.max_events]
        if briefings:
            language = pick(sub.language)
            t = translator(language)
            label = format_day(slot, language, zone)
            parts = digest_html(
                briefings, day_label=label, tz=zone, t=t, more=len(ranked) - len(briefings)
            )
            # Numbered like a list: "/summary 2" (and button 2) is the digest's second item.
            ids = [b.event_id for b in briefings]
            await uow.subscribers.set_fields(sub.chat_id, listed_events=join_ids(ids))
            for part, text in enumerate(parts, 1):
                last = part == len(parts)
                await uow.outbox.enqueue(
                    key=digest_key(sub.chat_id, slot, zone, part),
                    chat_id=sub.chat_id,
                    kind="digest",
                    text=text,
                    reply_markup=keyboard_json(numbered_keyboard(ids)) if last else None,
                    previews=sub.link_previews,
                    thread_id=sub.thread_id,
                    now=now,
                )
        # From the later of the slot and now: a bot that was down for days sends one digest.
        following = next_digest_at(zone, parse_hhmm(sub.digest_time), max(slot, now))
        await uow.subscribers.set_fields(sub.chat_id, last_digest_at=now, next_digest_at=following)
        return 1 if briefings else 0
