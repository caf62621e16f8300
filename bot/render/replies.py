"""The bot's chat replies in Telegram HTML: fixed texts, help, settings, feeds, stats (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Protocol

from bot.render.sections import polled_state
from bot.render.split import split_html_sections

WELCOME = (
    "<b>Welcome to briefbot.</b>\n"
    "I group news articles into events and brief you on them: an attributed summary, "
    "where sources disagree on figures, and what changed between versions.\n"
    "You will get a short alert when an event is confirmed by several sources or changes, "
    "and one digest a day."
)
NOT_SUBSCRIBED = "You are not subscribed. Send /start first."
NO_EVENTS = "No events yet. Try again once some articles have arrived."
PICK_EVENT = "Send /events for the list, then e.g. /summary 2."
POINTER = "I only understand commands. Send /help to see them."
ADMIN_ONLY = "Sorry, only the bot's admins can do that."

# Structural types, so that presentation stays below storage and the services it describes.


class ChatSettingsView(Protocol):
    """A chat's settings as the services return them."""

    @property
    def timezone(self) -> str: ...
    @property
    def digest_time(self) -> str | None: ...
    @property
    def quiet_start(self) -> str | None: ...
    @property
    def quiet_end(self) -> str | None: ...


class FeedView(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def last_polled_at(self) -> datetime | None: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def error_count(self) -> int: ...


class CountsView(Protocol):
    @property
    def feeds(self) -> int: ...
    @property
    def failing_feeds(self) -> int: ...
    @property
    def sources(self) -> int: ...
    @property
    def articles(self) -> int: ...
    @property
    def versions(self) -> int: ...
    @property
    def events(self) -> int: ...
    @property
    def subscribers(self) -> int: ...


def help_html(user: Sequence[tuple[str, str]], admin: Sequence[tuple[str, str]] = ()) -> str:
    """Return the /help text: (command, description) pairs, the admin ones when given."""
    lines = ["<b>Commands</b>"] + [f"/{c} — {escape(d)}" for c, d in user]
    if admin:
        lines += ["", "<b>Admin</b>"] + [f"/{c} — {escape(d)}" for c, d in admin]
        lines.append("Send an article file (.txt .md .html .json) to ingest it.")
    return "\n".join(lines)


def settings_html(subscriber: ChatSettingsView, filters: Sequence[str]) -> str:
    """Describe a chat's settings."""
    if "" in filters:
        topics = "all events"
    elif filters:
        topics = "events matching " + ", ".join(f"“{escape(f)}”" for f in filters)
    else:
        topics = "nothing (send /subscribe)"
    digest = f"daily at {subscriber.digest_time}" if subscriber.digest_time else "off"
    quiet = f"{subscriber.quiet_start}–{subscriber.quiet_end}" if subscriber.quiet_start else "off"
    return (
        "<b>Your settings</b>\n"
        f"Alerts and digest: {topics}\n"
        f"Digest: {digest}\n"
        f"Time zone: {escape(subscriber.timezone)}\n"
        f"Quiet hours: {quiet}"
    )


def feed_html(feed: FeedView) -> str:
    """Return "3: Name &lt;url&gt;"."""
    return f"{feed.id}: {escape(feed.name)} &lt;{escape(feed.url)}&gt;"


def feeds_html(feeds: Sequence[FeedView]) -> list[str]:
    """List feeds with their state and errors, as many messages as it takes."""
    sections = [f"<b>Feeds</b> ({len(feeds)})"]
    for f in feeds:
        line = f"{f.id}. {escape(f.name)} — {polled_state(f.last_polled_at, stamp='%d %b %H:%M')}"
        if f.last_error:
            line += f"\n    ⚠️ {f.error_count}× {escape(f.last_error[:200])}"
        sections.append(line)
    # Many feeds take several messages; cutting the text would break a tag or an entity.
    return split_html_sections(sections)


def stats_html(counts: CountsView, outbox: dict[str, int]) -> str:
    """Show counts of what is stored and queued."""
    c = counts
    queued = ", ".join(f"{n} {state}" for state, n in sorted(outbox.items())) or "empty"
    return (
        "<b>Stats</b>\n"
        f"Feeds: {c.feeds} ({c.failing_feeds} failing)\n"
        f"Sources: {c.sources}\nArticles: {c.articles} ({c.versions} versions)\n"
        f"Events: {c.events}\nSubscribers: {c.subscribers}\nOutbox: {queued}"
    )


def ingested_html(
    filename: str, outcome: str, *, event_id: int | None, reason: str | None, rejected: bool
) -> str:
    """Say what happened to an uploaded file."""
    line = f"{escape(filename)}: {outcome}"
    if event_id is not None:
        line += f" (event {event_id})"
    if reason:
        line += f" — {escape(reason)}"
    if rejected:
        line += "\nSend .txt, .md, .html or .json article files."
    return line
