"""The one command table: it registers the handlers and feeds /help and the Telegram menu."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.render import replies
from handlers import admin, briefings, subscriptions
from handlers.context import Context, services
from handlers.respond import reply

Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    callback: Callback
    description: str
    admin: bool = False


async def show_help(update: Update, context: Context) -> None:
    """List the commands (admins see theirs too)."""
    user = update.effective_user
    admin_user = services(context).is_admin(user.id if user else None)
    listed = [(c.name, c.description) for c in COMMANDS if not c.admin]
    extra = [(c.name, c.description) for c in COMMANDS if c.admin] if admin_user else []
    await reply(update, replies.help_html(listed, extra))


async def point_to_help(update: Update, context: Context) -> None:
    """Answer unknown commands and free text with a pointer to /help."""
    await reply(update, replies.POINTER)


# In the order /help and the Telegram menu show them; admin commands are in neither menu.
COMMANDS: tuple[Command, ...] = (
    Command("start", subscriptions.start, "subscribe to alerts and a daily digest"),
    Command("events", briefings.list_events, "recent events, one line each"),
    Command(
        "summary", briefings.show_summary, "briefing of an event: /summary [number | keywords]"
    ),
    Command(
        "sources", briefings.show_sources, "who reported an event: /sources [number | keywords]"
    ),
    Command(
        "changes",
        briefings.show_changes,
        "what changed in an event's articles: /changes [number | keywords]",
    ),
    Command(
        "subscribe",
        subscriptions.subscribe,
        "all events, or only events matching keywords: /subscribe [keywords]",
    ),
    Command(
        "unsubscribe",
        subscriptions.unsubscribe,
        "drop a keyword filter, or everything: /unsubscribe [keywords]",
    ),
    Command("digest", subscriptions.set_digest, "daily digest time: /digest HH:MM or /digest off"),
    Command("timezone", subscriptions.set_timezone, "your time zone: /timezone Area/City"),
    Command(
        "quiet", subscriptions.set_quiet, "silent alerts at night: /quiet HH:MM-HH:MM or /quiet off"
    ),
    Command("settings", subscriptions.show_settings, "show your settings"),
    Command("stop", subscriptions.stop, "stop all alerts and digests"),
    Command("help", show_help, "this list"),
    Command("addfeed", admin.add_feed, "add a feed: /addfeed URL", admin=True),
    Command("removefeed", admin.remove_feed, "remove a feed: /removefeed ID or URL", admin=True),
    Command("feeds", admin.list_feeds, "list feeds with their errors", admin=True),
    Command("stats", admin.show_stats, "counts of stored items and queued messages", admin=True),
)


def telegram_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Return every handler in the order PTB tries them."""
    return [
        *(CommandHandler(c.name, c.callback) for c in COMMANDS),
        CallbackQueryHandler(briefings.press_button),
        # New messages only: an edited message or a channel post is not someone talking to us.
        MessageHandler(filters.UpdateType.MESSAGE & filters.Document.ALL, admin.ingest_document),
        MessageHandler(filters.UpdateType.MESSAGE, point_to_help),
    ]
