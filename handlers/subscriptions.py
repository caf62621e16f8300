"""What a chat follows and how: start, stop, keyword filters, digest time, zone, quiet hours."""

from __future__ import annotations

from collections.abc import Coroutine
from html import escape
from typing import Any

from telegram import Update

from bot.delivery.schedule import parse_quiet
from bot.render import replies
from bot.services.subscribers import ChatSettings, NotSubscribed
from bot.times import parse_hhmm
from handlers.context import Context, argument, services
from handlers.respond import chat_of, echo, reply

MAX_KEYWORDS = 100
MAX_SETTING = 64  # longer than any HH:MM, HH:MM-HH:MM or IANA zone name


def settings_html(chat: ChatSettings) -> str:
    """Describe a chat's settings."""
    return replies.settings_html(chat.subscriber, chat.filters)


async def _change_settings(update: Update, change: Coroutine[Any, Any, ChatSettings]) -> None:
    """Apply a settings change and show the new settings, or say plainly why it failed."""
    try:
        chat = await change
    except ValueError as exc:
        # The message quotes what the user typed (bounded by MAX_SETTING): escape it.
        await reply(update, escape(str(exc), quote=False))
        return
    except NotSubscribed:
        await reply(update, replies.NOT_SUBSCRIBED)
        return
    await reply(update, settings_html(chat))


async def start(update: Update, context: Context) -> None:
    """Subscribe the chat and show its settings."""
    chat = await services(context).subscribers.start(chat_of(update))
    await reply(update, replies.WELCOME + "\n\n" + settings_html(chat) + "\n\nSee /help.")


async def stop(update: Update, context: Context) -> None:
    """Stop everything for this chat."""
    stopped = await services(context).subscribers.stop(chat_of(update))
    text = "Stopped: no more alerts or digests. Send /start to come back."
    await reply(update, text if stopped else "You were not subscribed.")


async def subscribe(update: Update, context: Context) -> None:
    """Follow every event, or only events matching keywords."""
    keywords = argument(context).lower()
    if len(keywords) > MAX_KEYWORDS:
        await reply(update, f"Keep keywords under {MAX_KEYWORDS} characters.")
        return
    try:
        added, chat = await services(context).subscribers.subscribe(chat_of(update), keywords)
    except ValueError as exc:
        await reply(update, escape(str(exc), quote=False))
        return
    head = "Subscribed." if added else "You already had that."
    await reply(update, head + "\n\n" + settings_html(chat))


async def unsubscribe(update: Update, context: Context) -> None:
    """Drop one keyword filter, or (no arguments) stop everything."""
    keywords = argument(context).lower()
    if not keywords:
        await stop(update, context)
        return
    if len(keywords) > MAX_KEYWORDS:
        await reply(update, f"Keep keywords under {MAX_KEYWORDS} characters.")
        return
    try:
        removed, chat = await services(context).subscribers.unsubscribe(chat_of(update), keywords)
    except NotSubscribed:
        await reply(update, replies.NOT_SUBSCRIBED)
        return
    head = "Removed." if removed else f"You had no filter “{echo(keywords)}”."
    await reply(update, head + "\n\n" + settings_html(chat))


async def set_digest(update: Update, context: Context) -> None:
    """Set the digest time, or switch it off."""
    value = argument(context)
    if not value or len(value) > MAX_SETTING:
        await reply(update, "Usage: /digest HH:MM (e.g. /digest 07:30) or /digest off")
        return
    try:
        at = None if value.lower() == "off" else parse_hhmm(value)
    except ValueError as exc:
        await reply(update, f"{escape(str(exc), quote=False)}. Or /digest off.")
        return
    subscribers = services(context).subscribers
    await _change_settings(update, subscribers.set_digest(chat_of(update), at))


async def set_timezone(update: Update, context: Context) -> None:
    """Set the chat's time zone."""
    value = argument(context)
    if not value or " " in value or len(value) > MAX_SETTING:
        await reply(update, "Usage: /timezone Area/City, e.g. /timezone Europe/Berlin")
        return
    subscribers = services(context).subscribers
    await _change_settings(update, subscribers.set_timezone(chat_of(update), value))


async def set_quiet(update: Update, context: Context) -> None:
    """Set quiet hours (alerts arrive without sound), or switch them off."""
    value = argument(context)
    if not value or len(value) > MAX_SETTING:
        await reply(update, "Usage: /quiet HH:MM-HH:MM (e.g. /quiet 22:00-07:00) or /quiet off")
        return
    try:
        hours = None if value.lower() == "off" else parse_quiet(value)
    except ValueError as exc:
        await reply(update, escape(str(exc), quote=False))
        return
    subscribers = services(context).subscribers
    await _change_settings(update, subscribers.set_quiet(chat_of(update), hours))


async def show_settings(update: Update, context: Context) -> None:
    """Show the chat's settings."""
    chat = await services(context).subscribers.current(chat_of(update))
    await reply(update, replies.NOT_SUBSCRIBED if chat is None else settings_html(chat))
