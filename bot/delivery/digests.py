"""Queue each subscriber's daily digest when it is due (a sweep, so nothing is skipped)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.briefing.model import Briefing
from bot.config import parse_hhmm
from bot.delivery.alerts import matches
from bot.delivery.schedule import local_day, next_digest_at
from bot.events import EventService
from handlers.render import digest_html
from storage.delivery_repositories import SubscriberRecord
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)


def importance(b: Briefing) -> tuple[int, int, float]:
    """Sort key: more sources first, then more disputed figures, then the most recent."""
    conflicts = sum(d.kind == "conflict" for d in b.differences)
    updated = b.last_updated.timestamp() if b.last_updated else 0.0
    return (-b.source_count, -conflicts, -updated)


def digest_key(chat_id: int, day: str, part: int) -> str:
    """Return the outbox key of one part of one day's digest (the first part has no suffix)."""
    key = f"digest:{chat_id}:{day}"
    return key if part == 1 else f"{key}:{part}"


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
        """Queue every digest due at ``now``; return how many chats got one."""
        cache: dict[int, Briefing] = {}
        sent = 0
        while True:
            async with self.db.unit_of_work() as uow:
                due = await uow.subscribers.list_due_digests(now, limit=self.batch)
            if not due:
                break
            for sub in due:
                async with self.db.unit_of_work() as uow:
                    sent += await self._digest(uow, sub, now, cache)
        if sent:
            log.info("queued %d digest(s)", sent)
        return sent

    async def _digest(
        self, uow: UnitOfWork, sub: SubscriberRecord, now: datetime, cache: dict[int, Briefing]
    ) -> int:
        assert sub.next_digest_at is not None and sub.digest_time is not None
        zone = ZoneInfo(sub.timezone)
        slot = sub.next_digest_at
        since = sub.last_digest_at or (slot - self.first_lookback)
        filters = await uow.subscriptions.list_for(sub.id)
        records = await uow.events.list_recent(limit=self.max_events * 5, since=since)
        briefings = []
        for record in records:
            if record.id not in cache:
                cache[record.id] = await self.events.briefing(uow, record.id)
            if matches(filters, cache[record.id]):
                briefings.append(cache[record.id])
        briefings = sorted(briefings, key=importance)[: self.max_events]
        day = local_day(slot, zone)
        if briefings:
            label = f"{day:%A} {day.day} {day:%B %Y}"
            for part, text in enumerate(digest_html(briefings, day_label=label, tz=zone), 1):
                await uow.outbox.enqueue(
                    key=digest_key(sub.chat_id, day.isoformat(), part),
                    chat_id=sub.chat_id,
                    kind="digest",
                    text=text,
                    now=now,
                )
        # From the later of the slot and now: a bot that was down for days sends one digest.
        following = next_digest_at(zone, parse_hhmm(sub.digest_time), max(slot, now))
        await uow.subscribers.set_fields(sub.chat_id, last_digest_at=now, next_digest_at=following)
        return 1 if briefings else 0
