"""The one command table: it registers the handlers and feeds /help and the Telegram menus."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.i18n import DEFAULT, N_, SUPPORTED, Translator, translator
from bot.render import replies
from handlers import admin, briefings, settings, subscriptions
from handlers.context import Context, services, translation
from handlers.groups import is_group
from handlers.respond import reply

log = logging.getLogger(__name__)

Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    callback: Callback
    description: str  # English, marked for the catalogs; shown translated
    admin: bool = False


def listed(t: Translator, *, admin: bool) -> list[tuple[str, str]]:
    """Return (command, translated description) for /help and the menu; admin ones if asked."""
    return [(c.name, t.gettext(c.description)) for c in COMMANDS if c.admin == admin]


async def show_help(update: Update, context: Context) -> None:
    """List the commands (admins see theirs too)."""
    t, _ = await translation(update, context)
    user = update.effective_user
    admin_user = services(context).is_admin(user.id if user else None)
    extra = listed(t, admin=True) if admin_user else []
    await reply(update, replies.help_html(t, listed(t, admin=False), extra))


async def answer_unknown(update: Update, context: Context) -> None:
    """Name a command this bot does not have (in groups only when it was addressed to us)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    command, _, addressee = message.text.split()[0].partition("@")
    ours = addressee.lower() == (context.bot.username or "").lower()
    if (addressee or is_group(update)) and not ours:
        return  # another bot's command, or one in a group not addressed to us
    t, _ = await translation(update, context)
    await reply(update, replies.unknown_command(t, command[:40]))


async def point_to_help(update: Update, context: Context) -> None:
    """Answer free text in a private chat with a pointer to /help."""
    t, _ = await translation(update, context)
    await reply(update, replies.pointer(t))


# In the order /help and the Telegram menu show them; admin commands only in the admins' menus.
COMMANDS: tuple[Command, ...] = (
    Command("start", subscriptions.start, N_("subscribe to alerts and a daily digest")),
    Command("events", briefings.events, N_("recent events, one line each")),
    Command("summary", briefings.summary, N_("briefing of an event: /summary [number | keywords]")),
    Command(
        "sources", briefings.sources, N_("who reported an event: /sources [number | keywords]")
    ),
    Command(
        "changes",
        briefings.changes,
        N_(
            "what is new since your last digest: /changes; one event's edits: "
            "/changes [number | keywords]"
        ),
    ),
    Command(
        "subscribe",
        subscriptions.subscribe,
        N_("all events, or only events matching keywords: /subscribe [keywords]"),
    ),
    Command(
        "unsubscribe",
        subscriptions.unsubscribe,
        N_("drop a keyword filter, or everything: /unsubscribe [keywords]"),
    ),
    Command("digest", settings.digest, N_("daily digest time: /digest HH:MM or /digest off")),
    Command("timezone", settings.timezone, N_("your time zone: /timezone Area/City")),
    Command(
        "quiet",
        settings.quiet,
        N_("silent alerts at night: /quiet HH:MM-HH:MM or /quiet off"),
    ),
    Command("language", settings.language, N_("language of the bot's messages: /language de")),
    Command(
        "previews",
        settings.previews,
        N_("link previews under alerts and digests: /previews on or off"),
    ),
    Command(
        "here", subscriptions.here, N_("in a forum topic: send this group's alerts and digest here")
    ),
    Command(
        "connect",
        subscriptions.connect,
        N_("manage a channel where I am an admin: /connect @channel"),
    ),
    Command(
        "disconnect",
        subscriptions.disconnect,
        N_("manage this chat again instead of the channel"),
    ),
    Command("settings", settings.settings, N_("your settings, changed in place with buttons")),
    Command("stop", subscriptions.stop, N_("stop all alerts and digests (your settings are kept)")),
    Command("help", show_help, N_("this list")),
    Command("addfeed", admin.add_feed, N_("add a feed: /addfeed URL [name]"), admin=True),
    Command(
        "removefeed", admin.remove_feed, N_("remove a feed: /removefeed ID or URL"), admin=True
    ),
    Command(
        "feeds",
        admin.list_feeds,
        N_("list feeds: name, URL, last success, errors, articles"),
        admin=True,
    ),
    Command("export", admin.export_feeds, N_("send the feeds as an OPML file"), admin=True),
    Command("stats", admin.stats, N_("counts of stored items and queued messages"), admin=True),
)


async def set_command_menus(bot: Bot, admin_ids: Collection[int]) -> None:
    """Set the command menu in every language, with the admin commands only for admins."""
    for language in SUPPORTED:
        t = translator(language)
        code = None if language == DEFAULT else language
        user = listed(t, admin=False)
        await bot.set_my_commands([BotCommand(c, d[:256]) for c, d in user], language_code=code)
        everything = [BotCommand(c, d[:256]) for c, d in user + listed(t, admin=True)]
        for admin_id in sorted(admin_ids):
            try:
                await bot.set_my_commands(
                    everything, scope=BotCommandScopeChat(admin_id), language_code=code
                )
            except TelegramError as exc:  # an admin who never opened a chat with the bot
                log.warning("cannot set the admin command menu for %s: %s", admin_id, exc)


def telegram_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Return every handler in the order PTB tries them."""
    new = filters.UpdateType.MESSAGE  # an edited message or a channel post is not for us
    return [
        *(CommandHandler(c.name, c.callback) for c in COMMANDS),
        CallbackQueryHandler(briefings.press_button),
        MessageHandler(new & filters.Document.ALL & filters.ChatType.PRIVATE, admin.document),
        # Groups: commands for another bot and chatter get no answer at all.
        MessageHandler(new & filters.COMMAND, answer_unknown),
        MessageHandler(new & filters.ChatType.PRIVATE, point_to_help),
    ]
