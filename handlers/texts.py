"""Fixed reply texts and the command list (shown by /help and set with setMyCommands)."""

from __future__ import annotations

from html import escape

from bot.delivery.subscribers import ChatSettings

# (command, one-line description) in the order /help shows them.
USER_COMMANDS = [
    ("start", "subscribe to alerts and a daily digest"),
    ("events", "recent events, one line each"),
    ("summary", "briefing of an event: /summary [number | keywords]"),
    ("sources", "who reported an event: /sources [number | keywords]"),
    ("changes", "what changed in an event's articles: /changes [number | keywords]"),
    ("subscribe", "all events, or only events matching keywords: /subscribe [keywords]"),
    ("unsubscribe", "drop a keyword filter, or everything: /unsubscribe [keywords]"),
    ("digest", "daily digest time: /digest HH:MM or /digest off"),
    ("timezone", "your time zone: /timezone Area/City"),
    ("quiet", "silent alerts at night: /quiet HH:MM-HH:MM or /quiet off"),
    ("settings", "show your settings"),
    ("stop", "stop all alerts and digests"),
    ("help", "this list"),
]
ADMIN_COMMANDS = [
    ("addfeed", "add a feed: /addfeed URL"),
    ("removefeed", "remove a feed: /removefeed ID or URL"),
    ("feeds", "list feeds with their errors"),
    ("stats", "counts of stored items and queued messages"),
]

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


def help_html(*, admin: bool) -> str:
    """Return the /help text."""
    lines = ["<b>Commands</b>"] + [f"/{c} — {escape(d)}" for c, d in USER_COMMANDS]
    if admin:
        lines += ["", "<b>Admin</b>"] + [f"/{c} — {escape(d)}" for c, d in ADMIN_COMMANDS]
        lines.append("Send an article file (.txt .md .html .json) to ingest it.")
    return "\n".join(lines)


def settings_html(chat: ChatSettings) -> str:
    """Describe a chat's settings."""
    sub = chat.subscriber
    if "" in chat.filters:
        topics = "all events"
    elif chat.filters:
        topics = "events matching " + ", ".join(f"“{escape(f)}”" for f in chat.filters)
    else:
        topics = "nothing (send /subscribe)"
    digest = f"daily at {sub.digest_time}" if sub.digest_time else "off"
    quiet = f"{sub.quiet_start}–{sub.quiet_end}" if sub.quiet_start else "off"
    return (
        "<b>Your settings</b>\n"
        f"Alerts and digest: {topics}\n"
        f"Digest: {digest}\n"
        f"Time zone: {escape(sub.timezone)}\n"
        f"Quiet hours: {quiet}"
    )
