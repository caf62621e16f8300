"""What a chat can change about its subscription: filters, digest time, zone, quiet hours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.briefing.text import content_stems
from bot.config import Settings
from bot.delivery.schedule import next_digest_at
from bot.times import Clock, parse_hhmm, parse_timezone, utcnow
from storage.records import SubscriberRecord
from storage.repositories.subscribers import join_ids
from storage.unit_of_work import Database, UnitOfWork


class NotSubscribed(Exception):
    """The chat has no active subscription (it should send /start first)."""


@dataclass(frozen=True, slots=True)
class ChatSettings:
    subscriber: SubscriberRecord
    filters: list[str]


def _next(
    sub: SubscriberRecord, now: datetime, *, zone: str | None = None, at: str | None = None
) -> datetime | None:
    digest_time = at if at is not None else sub.digest_time
    if digest_time is None:
        return None
    return next_digest_at(ZoneInfo(zone or sub.timezone), parse_hhmm(digest_time), now)


class SubscriberService:
    """Subscribe, unsubscribe and change a chat's settings, one unit of work per call."""

    def __init__(self, db: Database, settings: Settings, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    async def _settings(self, uow: UnitOfWork, sub: SubscriberRecord) -> ChatSettings:
        return ChatSettings(sub, await uow.subscriptions.list_keywords(sub.id))

    async def _active(self, uow: UnitOfWork, chat_id: int) -> SubscriberRecord:
        sub = await uow.subscribers.get_subscriber(chat_id)
        if sub is None or not sub.active:
            raise NotSubscribed(chat_id)
        return sub

    async def start(self, chat_id: int, *, language: str | None = None) -> ChatSettings:
        """Subscribe a chat to every event's alerts and the daily digest (idempotent).

        A chat that stopped and comes back keeps its filters, digest time, zone and language;
        ``language`` (from Telegram's language_code) is kept only when the chat has none yet.
        """
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            sub = await uow.subscribers.upsert(
                chat_id,
                timezone=self.settings.timezone,
                digest_time=self.settings.digest_time,
                now=now,
            )
            if sub.language is None and language is not None:
                sub = await uow.subscribers.set_fields(chat_id, language=language) or sub
            if not await uow.subscriptions.list_keywords(sub.id):
                await uow.subscriptions.add(sub.id, "", now=now)
            if sub.next_digest_at is None:
                sub = (
                    await uow.subscribers.set_fields(chat_id, next_digest_at=_next(sub, now)) or sub
                )
            return await self._settings(uow, sub)

    async def stop(self, chat_id: int) -> bool:
        """Stop alerts and digests and drop queued messages, keeping the settings; False when off."""
        async with self.db.unit_of_work() as uow:
            # A digest or alert still queued must not arrive after "Stopped".
            await uow.outbox.drop_chat(chat_id, error="stopped")
            return await uow.subscribers.deactivate(chat_id)

    async def subscribe(self, chat_id: int, keywords: str) -> tuple[bool, ChatSettings]:
        """Add a filter ("" = every event); keywords replace "every event". True when added.

        Raises ValueError for keywords made only of words too common to match on ("the", "of").
        """
        if keywords and not content_stems(keywords):
            raise ValueError(
                f"“{keywords}” has no word to match on (words like “the” or “of” are ignored); "
                "use names or topics, e.g. /subscribe strike"
            )
        current = await self.start(chat_id)
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            sub = current.subscriber
            added = await uow.subscriptions.add(sub.id, keywords, now=now)
            if keywords:
                await uow.subscriptions.remove(sub.id, "")
            else:
                for other in current.filters:
                    if other:
                        await uow.subscriptions.remove(sub.id, other)
            return added, await self._settings(uow, sub)

    async def unsubscribe(self, chat_id: int, keywords: str) -> tuple[bool, ChatSettings]:
        """Remove one keyword filter; True when it existed."""
        async with self.db.unit_of_work() as uow:
            sub = await self._active(uow, chat_id)
            removed = await uow.subscriptions.remove(sub.id, keywords) > 0
            return removed, await self._settings(uow, sub)

    async def set_digest(self, chat_id: int, at: time | None) -> ChatSettings:
        """Set the local digest time, or switch digests off with None."""
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            sub = await self._active(uow, chat_id)
            text = None if at is None else f"{at:%H:%M}"
            nxt = None if text is None else _next(sub, now, at=text)
            sub = (
                await uow.subscribers.set_fields(chat_id, digest_time=text, next_digest_at=nxt)
                or sub
            )
            return await self._settings(uow, sub)

    async def set_timezone(self, chat_id: int, zone: str) -> ChatSettings:
        """Set the chat's IANA zone, any letter case (UnknownZone when unknown); digests follow it."""
        zone = parse_timezone(zone).key
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            sub = await self._active(uow, chat_id)
            nxt = _next(sub, now, zone=zone)
            sub = (
                await uow.subscribers.set_fields(chat_id, timezone=zone, next_digest_at=nxt) or sub
            )
            return await self._settings(uow, sub)

    async def set_quiet(self, chat_id: int, quiet: tuple[time, time] | None) -> ChatSettings:
        """Set quiet hours (alerts arrive silently), or clear them with None."""
        start, end = (None, None) if quiet is None else (f"{quiet[0]:%H:%M}", f"{quiet[1]:%H:%M}")
        async with self.db.unit_of_work() as uow:
            await self._active(uow, chat_id)
            sub = await uow.subscribers.set_fields(chat_id, quiet_start=start, quiet_end=end)
            assert sub is not None
            return await self._settings(uow, sub)

    async def set_language(self, chat_id: int, language: str) -> ChatSettings:
        """Set the language of the chat's messages (a code from bot.i18n.SUPPORTED)."""
        async with self.db.unit_of_work() as uow:
            await self._active(uow, chat_id)
            sub = await uow.subscribers.set_fields(chat_id, language=language)
            assert sub is not None
            return await self._settings(uow, sub)

    async def set_previews(self, chat_id: int, enabled: bool) -> ChatSettings:
        """Show or hide link previews under the chat's alerts and digests."""
        async with self.db.unit_of_work() as uow:
            await self._active(uow, chat_id)
            sub = await uow.subscribers.set_fields(chat_id, link_previews=enabled)
            assert sub is not None
            return await self._settings(uow, sub)

    async def set_thread(self, chat_id: int, thread_id: int | None) -> ChatSettings:
        """Send the chat's alerts and digests to a forum topic, or (None) to the chat itself."""
        async with self.db.unit_of_work() as uow:
            await self._active(uow, chat_id)
            sub = await uow.subscribers.set_fields(chat_id, thread_id=thread_id)
            assert sub is not None
            return await self._settings(uow, sub)

    async def connect(
        self, channel_id: int, *, manager_chat_id: int, language: str | None
    ) -> ChatSettings:
        """Subscribe a channel and let a private chat manage its settings."""
        await self.start(channel_id, language=language)
        async with self.db.unit_of_work() as uow:
            sub = await uow.subscribers.set_fields(channel_id, managed_by=manager_chat_id)
            assert sub is not None
            return await self._settings(uow, sub)

    async def disconnect(self, manager_chat_id: int) -> SubscriberRecord | None:
        """Stop managing the connected channel from this chat (it keeps receiving); its record."""
        async with self.db.unit_of_work() as uow:
            managed = await uow.subscribers.get_managed_by(manager_chat_id)
            if managed is not None:
                await uow.subscribers.set_fields(managed.chat_id, managed_by=None)
            return managed

    async def target(self, chat_id: int) -> int:
        """Return the chat a chat's settings commands act on: a channel it manages, or itself."""
        async with self.db.unit_of_work() as uow:
            managed = await uow.subscribers.get_managed_by(chat_id)
            return chat_id if managed is None else managed.chat_id

    async def follow(self, chat_id: int, event_id: int, follow: str) -> None:
        """Follow ("follow": every update) or mute ("mute": nothing more) an event for a chat."""
        async with self.db.unit_of_work() as uow:
            sub = await self._active(uow, chat_id)
            await uow.alerts.set_follow(sub.id, event_id, follow)

    async def remember_list(self, chat_id: int, event_ids: Sequence[int]) -> None:
        """Remember the chat's last numbered list of events (nothing for a chat never started)."""
        async with self.db.unit_of_work() as uow:
            await uow.subscribers.set_fields(chat_id, listed_events=join_ids(event_ids))

    async def language(self, chat_id: int) -> str | None:
        """Return the language the chat chose (or had at /start); None when it has none."""
        async with self.db.unit_of_work() as uow:
            sub = await uow.subscribers.get_subscriber(chat_id)
            return None if sub is None else sub.language

    async def current(self, chat_id: int) -> ChatSettings | None:
        """Return the chat's settings, or None when it never subscribed or stopped."""
        async with self.db.unit_of_work() as uow:
            sub = await uow.subscribers.get_subscriber(chat_id)
            if sub is None or not sub.active:
                return None
            return await self._settings(uow, sub)
