"""Find events and their briefings: the latest ones, by list number, by keywords."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from bot.briefing.model import Briefing
from bot.delivery.alerts import matches
from bot.events.service import EventService
from bot.render.news import has_news
from storage.records import SubscriberRecord
from storage.repositories.subscribers import join_ids
from storage.unit_of_work import Database, UnitOfWork

# How far back "/summary N" reaches without an /events list; bigger numbers match nothing.
MAX_NUMBER = 100


@dataclass(frozen=True, slots=True)
class SinceDigest:
    """The chat's events with news since its last digest: each as it stood then and now."""

    since: datetime
    events: list[tuple[Briefing | None, Briefing]]
    more: int
    zone: tzinfo


class LookupService:
    """Read-only access to events and their briefings, one unit of work per call."""

    def __init__(self, db: Database, events: EventService, *, default_zone: tzinfo) -> None:
        self.db = db
        self.events = events
        self.default_zone = default_zone

    async def _zone(self, uow: UnitOfWork, chat_id: int) -> tzinfo:
        return self._zone_of(await uow.subscribers.get_subscriber(chat_id))

    def _zone_of(self, sub: SubscriberRecord | None) -> tzinfo:
        return ZoneInfo(sub.timezone) if sub is not None and sub.active else self.default_zone

    async def latest(self, *, limit: int) -> list[Briefing]:
        """Return the briefings of the most recently updated events."""
        async with self.db.reader() as uow:
            return await self._latest(uow, limit)

    async def _latest(self, uow: UnitOfWork, limit: int) -> list[Briefing]:
        records = await uow.events.list_recent_events(limit=limit)
        return [await self.events.briefing(uow, r.id) for r in records]

    async def recent(self, chat_id: int, *, limit: int = 10) -> tuple[list[Briefing], tzinfo]:
        """Return the briefings of the most recently updated events, and the chat's zone."""
        async with self.db.reader() as uow:
            return await self._latest(uow, limit), await self._zone(uow, chat_id)

    async def page(
        self, chat_id: int, page: int, *, per_page: int = 10
    ) -> tuple[list[Briefing], list[int], bool, tzinfo]:
        """Return one page of recent events, the ids of every event up to it, whether more follow.

        Pages reach back MAX_NUMBER events at most (numbers beyond it mean nothing).
        """
        end = min((page + 1) * per_page, MAX_NUMBER)
        async with self.db.reader() as uow:
            records = await uow.events.list_recent_events(limit=end + 1)
            shown = records[page * per_page : end]
            briefings = [await self.events.briefing(uow, r.id) for r in shown]
            ids = [r.id for r in records[:end]]
            more = len(records) > end and end < MAX_NUMBER
            return briefings, ids, more, await self._zone(uow, chat_id)

    async def get(self, chat_id: int, event_id: int) -> tuple[Briefing | None, tzinfo]:
        """Return an event's briefing (None when unknown) and the chat's zone."""
        async with self.db.reader() as uow:
            zone = await self._zone(uow, chat_id)
            try:
                return await self.events.briefing(uow, event_id), zone
            except LookupError:
                return None, zone

    async def find(
        self, chat_id: int, query: str, *, listed: Sequence[int] = ()
    ) -> tuple[Briefing | None, tzinfo]:
        """Return the event numbered ``query`` in the chat's last list, matching its words, or the latest.

        The last list is the one stored for the chat (its last /events or digest), else ``listed``.
        """
        query = query.strip()
        async with self.db.reader() as uow:
            sub = await uow.subscribers.get_subscriber(chat_id)
            zone = self._zone_of(sub)
            if sub is not None and sub.listed_events:
                listed = sub.listed_events
            event_id: int | None = None
            # isascii: "²".isdigit() is true but int() refuses it.
            if query.isascii() and query.isdigit():
                number = int(query) if len(query) <= 6 else 0
                if 1 <= number <= len(listed):
                    event_id = listed[number - 1]
                elif 1 <= number <= MAX_NUMBER:
                    return await self.events.recent_briefing(uow, number), zone
            elif words := _search_words(query):
                found = await uow.events.list_matching_ids(words, limit=1)
                event_id = found[0] if found else None
            elif not query:
                return await self.events.recent_briefing(uow, 1), zone
            if event_id is None:
                return None, zone
            try:
                return await self.events.briefing(uow, event_id), zone
            except LookupError:
                return None, zone

    async def since_digest(self, chat_id: int, *, limit: int = 10) -> SinceDigest | None:
        """Return what is new in the chat's events since its last digest (None: no digest yet).

        The events are those the digest would pick (changed here since, matching the chat's
        filters) that hold something new to a reader of it; they become the chat's numbered list.
        """
        async with self.db.unit_of_work() as uow:
            sub = await uow.subscribers.get_subscriber(chat_id)
            if sub is None or not sub.active or sub.last_digest_at is None:
                return None
            since = sub.last_digest_at
            filters = await uow.subscriptions.list_keywords(sub.id)
            # As many candidates as the digest weighs: each costs two briefings.
            await self.events.analyse_due(uow, since=since)
            records = await uow.events.list_recent_events(limit=limit * 5, since=since)
            found: list[tuple[Briefing | None, Briefing]] = []
            for record in records:
                now = await self.events.briefing(uow, record.id)
                if not matches(filters, now):
                    continue
                before = await self.events.briefing_as_of(uow, record.id, since)
                if has_news(before, now):
                    found.append((before, now))
            shown = found[:limit]
            if shown:
                ids = [now.event_id for _, now in shown]
                await uow.subscribers.set_fields(chat_id, listed_events=join_ids(ids))
            zone = await self._zone(uow, chat_id)
            return SinceDigest(since, shown, len(found) - len(shown), zone)

    async def headline(self, event_id: int) -> str | None:
        """Return an event's headline, or None when there is no such event."""
        async with self.db.reader() as uow:
            record = await uow.events.get_event(event_id)
            return None if record is None else record.headline


# A search uses this many words at most, each this long: every word is a clause of the query,
# and a message of 1,500 words would make one the database refuses.
MAX_SEARCH_WORDS = 12
MAX_WORD_CHARS = 64


def _search_words(query: str) -> list[str]:
    """Return the distinct words to search for, without NUL bytes or lone surrogates."""
    clean = query.replace("\x00", " ").encode("utf-8", "ignore").decode("utf-8")
    words = [w[:MAX_WORD_CHARS] for w in clean.split()]
    return list(dict.fromkeys(words))[:MAX_SEARCH_WORDS]
