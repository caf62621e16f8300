"""User commands: parse the arguments, call one service, reply."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import tzinfo
from html import escape
from typing import Any

from telegram import Update

from bot.briefing.model import Briefing
from bot.config import parse_hhmm
from bot.delivery.schedule import parse_quiet
from bot.delivery.subscribers import ChatSettings, NotSubscribed
from handlers import texts
from handlers.context import Context, argument, runtime
from handlers.keyboards import event_keyboard, events_keyboard
from handlers.render import briefing_html, changes_html, event_line_html, sources_html

MAX_KEYWORDS = 100
MAX_SETTING = 64  # longer than any HH:MM, HH:MM-HH:MM or IANA zone name
LISTED = "listed_events"  # chat_data key: the event ids of the chat's last /events


def _echo(value: str, limit: int = 60) -> str:
    """Quote the user's text in an HTML reply: shortened, with <, > and & escaped."""
    short = value if len(value) <= limit else value[: limit - 1] + "…"
    return escape(short, quote=False)


async def _reply(update: Update, parts: list[str]) -> None:
    assert update.effective_message is not None
    for part in parts:
        await update.effective_message.reply_html(part, disable_web_page_preview=True)


def _chat(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def _change_settings(update: Update, change: Coroutine[Any, Any, ChatSettings]) -> None:
    """Apply a settings change and show the new settings, or say plainly why it failed."""
    try:
        chat = await change
    except ValueError as exc:
        # The message quotes what the user typed (bounded by MAX_SETTING): escape it.
        await _reply(update, [escape(str(exc), quote=False)])
        return
    except NotSubscribed:
        await _reply(update, [texts.NOT_SUBSCRIBED])
        return
    await _reply(update, [texts.settings_html(chat)])


async def start(update: Update, context: Context) -> None:
    """Subscribe the chat and show its settings."""
    chat = await runtime(context).services.subscribers.start(_chat(update))
    await _reply(update, [texts.WELCOME + "\n\n" + texts.settings_html(chat) + "\n\nSee /help."])


async def stop(update: Update, context: Context) -> None:
    """Stop everything for this chat."""
    stopped = await runtime(context).services.subscribers.stop(_chat(update))
    reply = "Stopped: no more alerts or digests. Send /start to come back."
    await _reply(update, [reply if stopped else "You were not subscribed."])


async def subscribe(update: Update, context: Context) -> None:
    """Follow every event, or only events matching keywords."""
    keywords = argument(context).lower()
    if len(keywords) > MAX_KEYWORDS:
        await _reply(update, [f"Keep keywords under {MAX_KEYWORDS} characters."])
        return
    try:
        added, chat = await runtime(context).services.subscribers.subscribe(_chat(update), keywords)
    except ValueError as exc:
        await _reply(update, [escape(str(exc), quote=False)])
        return
    head = "Subscribed." if added else "You already had that."
    await _reply(update, [head + "\n\n" + texts.settings_html(chat)])


async def unsubscribe(update: Update, context: Context) -> None:
    """Drop one keyword filter, or (no arguments) stop everything."""
    keywords = argument(context).lower()
    if not keywords:
        await stop(update, context)
        return
    if len(keywords) > MAX_KEYWORDS:
        await _reply(update, [f"Keep keywords under {MAX_KEYWORDS} characters."])
        return
    try:
        removed, chat = await runtime(context).services.subscribers.unsubscribe(
            _chat(update), keywords
        )
    except NotSubscribed:
        await _reply(update, [texts.NOT_SUBSCRIBED])
        return
    head = "Removed." if removed else f"You had no filter “{_echo(keywords)}”."
    await _reply(update, [head + "\n\n" + texts.settings_html(chat)])


async def events(update: Update, context: Context) -> None:
    """List recent events with buttons for each."""
    briefings, zone = await runtime(context).services.lookup.recent(_chat(update), limit=10)
    if not briefings:
        await _reply(update, [texts.NO_EVENTS])
        return
    ids = [b.event_id for b in briefings]
    if context.chat_data is not None:
        context.chat_data[LISTED] = ids
    lines = [event_line_html(b, n, tz=zone) for n, b in enumerate(briefings, 1)]
    assert update.effective_message is not None
    await update.effective_message.reply_html(
        "<b>Recent events</b>\n" + "\n".join(lines),
        reply_markup=events_keyboard(ids),
        disable_web_page_preview=True,
    )


def _view(
    render: Callable[..., list[str]],
) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    async def handler(update: Update, context: Context) -> None:
        listed = (context.chat_data or {}).get(LISTED, [])
        found, zone = await runtime(context).services.lookup.find(
            _chat(update), argument(context), listed=listed
        )
        if found is None:
            await _reply(update, [_not_found(argument(context))])
            return
        await send_view(context, _chat(update), found, render, zone)

    handler.__doc__ = f"Reply with the {render.__name__.removesuffix('_html')} of an event."
    return handler


def _not_found(query: str) -> str:
    if not query:
        return texts.NO_EVENTS
    if query.isascii() and query.isdigit():
        return f"There is no event number {_echo(query, 12)}. " + texts.PICK_EVENT
    return f"No event matches “{_echo(query)}”. " + texts.PICK_EVENT


async def send_view(
    context: Context, chat_id: int, b: Briefing, render: Callable[..., list[str]], zone: tzinfo
) -> None:
    """Send one view of an event, split into messages; buttons under the last one."""
    parts = render(b, tz=zone)
    for n, part in enumerate(parts, 1):
        markup = event_keyboard(b.event_id) if n == len(parts) else None
        await context.bot.send_message(
            chat_id, part, parse_mode="HTML", reply_markup=markup, disable_web_page_preview=True
        )


summary = _view(briefing_html)
sources = _view(sources_html)
changes = _view(changes_html)


async def digest(update: Update, context: Context) -> None:
    """Set the digest time, or switch it off."""
    value = argument(context)
    if not value or len(value) > MAX_SETTING:
        await _reply(update, ["Usage: /digest HH:MM (e.g. /digest 07:30) or /digest off"])
        return
    try:
        at = None if value.lower() == "off" else parse_hhmm(value)
    except ValueError as exc:
        await _reply(update, [f"{escape(str(exc), quote=False)}. Or /digest off."])
        return
    subscribers = runtime(context).services.subscribers
    await _change_settings(update, subscribers.set_digest(_chat(update), at))


async def timezone(update: Update, context: Context) -> None:
    """Set the chat's time zone."""
    value = argument(context)
    if not value or " " in value or len(value) > MAX_SETTING:
        await _reply(update, ["Usage: /timezone Area/City, e.g. /timezone Europe/Berlin"])
        return
    subscribers = runtime(context).services.subscribers
    await _change_settings(update, subscribers.set_timezone(_chat(update), value))


async def quiet(update: Update, context: Context) -> None:
    """Set quiet hours (alerts arrive without sound), or switch them off."""
    value = argument(context)
    if not value or len(value) > MAX_SETTING:
        await _reply(update, ["Usage: /quiet HH:MM-HH:MM (e.g. /quiet 22:00-07:00) or /quiet off"])
        return
    try:
        hours = None if value.lower() == "off" else parse_quiet(value)
    except ValueError as exc:
        await _reply(update, [escape(str(exc), quote=False)])
        return
    subscribers = runtime(context).services.subscribers
    await _change_settings(update, subscribers.set_quiet(_chat(update), hours))


async def settings(update: Update, context: Context) -> None:
    """Show the chat's settings."""
    chat = await runtime(context).services.subscribers.current(_chat(update))
    await _reply(update, [texts.NOT_SUBSCRIBED if chat is None else texts.settings_html(chat)])


async def help_command(update: Update, context: Context) -> None:
    """List the commands (admins see theirs too)."""
    user = update.effective_user
    admin = runtime(context).services.admin.is_admin(user.id if user else None)
    await _reply(update, [texts.help_html(admin=admin)])


async def pointer(update: Update, context: Context) -> None:
    """Answer unknown commands and free text with a pointer to /help."""
    await _reply(update, [texts.POINTER])
