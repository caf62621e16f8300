"""Queue short alerts when an event gains enough sources or changes in substance."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from bot.briefing.model import Briefing
from bot.briefing.text import content_stems
from bot.delivery.kinds import EDIT
from bot.delivery.schedule import in_quiet_hours
from bot.events.service import EventService
from bot.i18n import Translator, pick, translator
from bot.render.html import alert_html
from bot.render.keyboards import alert_keyboard, keyboard_json
from bot.render.news import headline_figures_changed, told_state, whats_new
from bot.times import parse_hhmm
from storage.records import AlertMark, EventRecord, SubscriberRecord
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)

# A headline figure that moved is told this soon after the last alert, not a window later.
HEADLINE_FIGURE_WINDOW = timedelta(minutes=1)


def matches(filters: Sequence[str], briefing: Briefing) -> bool:
    """Tell whether any filter matches: "" matches all, else every keyword's stem must occur."""
    if "" in filters:
        return True
    if not filters:
        return False
    haystack = " ".join([briefing.headline, *(s.text for s in briefing.summary)])
    stems = set(content_stems(haystack))
    return any(set(content_stems(f)) <= stems for f in filters if content_stems(f))


def alert_due(
    event: EventRecord,
    mark: AlertMark | None,
    subscriber: SubscriberRecord,
    *,
    now: datetime,
    window: timedelta,
) -> bool:
    """Tell whether a chat should hear about an event now.

    Never for events last changed before the chat subscribed (or came back after /stop or a
    block: it is not owed what happened while it was away); once when it first qualifies;
    again when its substance changed, but at most once per window (updates inside the window
    are folded into the next alert, which a later check sends); a followed event every time,
    a muted one never again.
    """
    if event.changed_at < subscriber.active_since:
        return False
    if mark is None:
        return True
    if mark.follow == "mute" or mark.signature == event.signature:
        return False
    if mark.follow == "follow":
        return True  # every update, no window
    return mark.last_sent_at is None or now - mark.last_sent_at >= window


def alert_reason(event: EventRecord, mark: AlertMark | None, t: Translator, news: str = "") -> str:
    """Say in a few words, in the chat's language, why this alert is sent (what is new)."""
    n = event.source_count
    if mark is not None and news:
        return t.gettext("Updated: {news}").format(news=news)
    if mark is None:
        return t.ngettext(
            "New event reported by {count} source", "New event reported by {count} sources", n
        ).format(count=n)
    return t.ngettext(
        "Updated: now {count} source, new facts or figures",
        "Updated: now {count} sources, new facts or figures",
        n,
    ).format(count=n)


def current_reason(b: Briefing, t: Translator) -> str:
    """Head the edited alert: how many sources report the event now."""
    n = b.source_count
    reason = t.ngettext("Reported by {count} source", "Reported by {count} sources", n)
    return reason.format(count=n)


def quiet_now(subscriber: SubscriberRecord, now: datetime) -> bool:
    """Tell whether the chat is inside its quiet hours."""
    if not subscriber.quiet_start or not subscriber.quiet_end:
        return False
    zone = ZoneInfo(subscriber.timezone)
    return in_quiet_hours(
        now, zone, parse_hhmm(subscriber.quiet_start), parse_hhmm(subscriber.quiet_end)
    )


class AlertService:
    """Scan recently changed events and queue the alerts that are due."""

    def __init__(
        self,
        db: Database,
        events: EventService,
        *,
        min_sources: int = 2,
        window: timedelta = timedelta(minutes=30),
        lookback: timedelta = timedelta(days=2),
        max_events: int = 200,
    ) -> None:
        self.db = db
        self.events = events
        self.min_sources = min_sources
        self.window = window
        self.lookback = lookback
        self.max_events = max_events

    async def check(self, now: datetime) -> int:
        """Queue every alert due at ``now``; return how many messages were queued.

        One unit of work per event, so an event that cannot be briefed (or a chat whose settings
        cannot be read) is logged and skipped instead of holding up every other alert.
        """
        await self._analyse(now)
        async with self.db.unit_of_work() as uow:
            candidates = await uow.events.list_recent_events(
                limit=self.max_events, since=now - self.lookback, min_sources=self.min_sources
            )
            if not candidates:
                return 0
            subscribers = await uow.subscribers.list_alerted()
            if not subscribers:
                return 0
            filters = await uow.subscriptions.list_keywords_by_subscriber(
                [s.id for s in subscribers]
            )
        queued = 0
        for event in candidates:
            try:
                async with self.db.unit_of_work() as uow:
                    queued += await self._alert(uow, event, subscribers, filters, now)
            except Exception:
                log.exception("alerts about event %s failed; the other events go on", event.id)
        if queued:
            log.info("queued %d alert(s)", queued)
        return queued

    async def _analyse(self, now: datetime) -> None:
        """Analyse the events placed into since the last check that could be alerted.

        Storing leaves the analysis (what changed in substance, and when) to the readers; one
        unit of work per event, so one that cannot be analysed holds up no other.
        """
        async with self.db.unit_of_work() as uow:
            due = await uow.events.list_due_events(
                since=now - self.lookback, min_sources=self.min_sources
            )
        for record in due:
            try:
                async with self.db.unit_of_work() as uow:
                    await self.events.analysed(uow, record.id)
            except Exception:
                log.exception("event %s could not be analysed; its alerts wait", record.id)

    async def _alert(
        self,
        uow: UnitOfWork,
        event: EventRecord,
        subscribers: Sequence[SubscriberRecord],
        filters: dict[int, list[str]],
        now: datetime,
    ) -> int:
        """Queue the alerts about one event that are due; return how many."""
        # The candidates were listed after the analysis pass, and a placement may have committed
        # in between: decide on the event as analysed now. A mark recording the unanalysed
        # signature made the next check tell a following chat the same news again.
        analysed = await self.events.analysed(uow, event.id)
        if analysed is None or analysed.analysis_due is not None:
            return 0  # gone, or placed into again meanwhile: a later check alerts it analysed
        event = analysed
        marks = await uow.alerts.get_marks_for_event(event.id)
        due = [
            s
            for s in subscribers
            if alert_due(event, marks.get(s.id), s, now=now, window=self.window)
        ]
        # Inside the window only a headline figure (deaths, injured...) that moved goes out.
        soon = [
            s
            for s in subscribers
            if s not in due
            and alert_due(event, marks.get(s.id), s, now=now, window=HEADLINE_FIGURE_WINDOW)
        ]
        if not due and not soon:
            return 0
        briefing = await self.events.briefing(uow, event.id)
        due += [s for s in soon if headline_figures_changed(marks[s.id].told, briefing)]
        told = told_state(briefing)
        queued = 0
        for sub in due:
            if not matches(filters[sub.id], briefing):
                continue
            t = translator(pick(sub.language))
            mark = marks.get(sub.id)
            news = whats_new(mark.told, briefing, t) if mark is not None else ""
            reason = alert_reason(event, mark, t, news)
            try:
                zone = ZoneInfo(sub.timezone)
                text = alert_html(briefing, reason, tz=zone, t=t)
                silent = quiet_now(sub, now)
            except Exception:  # a bad stored zone or quiet time: this chat only
                log.exception("cannot alert chat %s about event %s", sub.chat_id, event.id)
                continue
            keyboard = keyboard_json(alert_keyboard(event.id, t))
            state = f"{sub.chat_id}:{event.id}:{event.signature}"
            common: dict[str, Any] = {
                "chat_id": sub.chat_id,
                "previews": sub.link_previews,
                "thread_id": sub.thread_id,
                "now": now,
            }
            original = mark.message_key if mark is not None else None
            if original is None:
                queued += await uow.outbox.enqueue(
                    key=f"alert:{state}", kind="alert", text=text, reply_markup=keyboard,
                    silent=silent, **common,
                )  # fmt: skip
            else:
                # One message per event: a short reply says what is new, and the alert itself
                # is edited to the event's current state.
                queued += await uow.outbox.enqueue(
                    key=f"update:{state}", kind="update", text=f"🔔 <b>{escape(reason)}</b>",
                    target_key=original, silent=silent, **common,
                )  # fmt: skip
                current = alert_html(briefing, current_reason(briefing, t), tz=zone, t=t)
                await uow.outbox.enqueue(
                    key=f"edit:{state}", kind=EDIT, text=current, reply_markup=keyboard,
                    target_key=original, **common,
                )  # fmt: skip
            await uow.alerts.record(
                sub.id,
                event.id,
                signature=event.signature,
                now=now,
                told=told,
                message_key=f"alert:{state}" if original is None else None,
            )
        return queued
