"""User commands: parse the arguments, call one service, reply in the chat's language."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import time, tzinfo
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.briefing.model import Briefing
from bot.config import UnknownZone, parse_hhmm
from bot.delivery.schedule import parse_quiet
from bot.delivery.subscribers import ChatSettings, NotSubscribed
from bot.i18n import NAMES, SUPPORTED, Translator, parse_language, pick, translator
from handlers import texts
from handlers.context import Context, argument, remember_language, runtime, translation
from handlers.groups import group_admins_only, is_group
from handlers.keyboards import event_keyboard, page_keyboard
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


async def _target(update: Update, context: Context) -> int:
    """Return the chat a settings command acts on: the channel a private chat manages, or it."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type != ChatType.PRIVATE:
        return chat.id
    return await runtime(context).services.subscribers.target(chat.id)


async def _change_settings(
    update: Update, context: Context, change: Coroutine[Any, Any, ChatSettings]
) -> None:
    """Apply a settings change and show the new settings, or say plainly why it failed."""
    t, language = await translation(update, context)
    try:
        chat = await change
    except NotSubscribed:
        await _reply(update, [texts.not_subscribed(t)])
        return
    await _reply(update, [texts.settings_html(t, chat, lang=language)])


@group_admins_only
async def start(update: Update, context: Context) -> None:
    """Subscribe the chat (keeping its settings if it had stopped) and show its settings."""
    user = update.effective_user
    from_telegram = pick(user.language_code if user else None)
    chat = await runtime(context).services.subscribers.start(_chat(update), language=from_telegram)
    language = pick(chat.subscriber.language)
    remember_language(context, language)
    t = translator(language)
    hello = texts.welcome_group(t) if is_group(update) else texts.welcome(t)
    settings = texts.settings_html(t, chat, lang=language)
    await _reply(update, [hello + "\n\n" + settings + "\n\n" + t.gettext("See /help.")])


@group_admins_only
async def stop(update: Update, context: Context) -> None:
    """Stop everything for this chat."""
    t, _ = await translation(update, context)
    stopped = await runtime(context).services.subscribers.stop(await _target(update, context))
    reply = t.gettext(
        "Stopped: no more alerts or digests. Your settings are kept; send /start to come back."
    )
    await _reply(update, [reply if stopped else t.gettext("You were not subscribed.")])


def _too_long(t: Translator) -> str:
    return t.gettext("Keep keywords under {limit} characters.").format(limit=MAX_KEYWORDS)


@group_admins_only
async def subscribe(update: Update, context: Context) -> None:
    """Follow every event, or only events matching keywords."""
    t, language = await translation(update, context)
    keywords = argument(context).lower()
    if len(keywords) > MAX_KEYWORDS:
        await _reply(update, [_too_long(t)])
        return
    try:
        added, chat = await runtime(context).services.subscribers.subscribe(
            await _target(update, context), keywords
        )
    except ValueError:
        text = t.gettext(
            "“{keywords}” has no word to match on (words like “the” or “of” are ignored); "
            "use names or topics, e.g. /subscribe strike"
        )
        await _reply(update, [text.format(keywords=_echo(keywords))])
        return
    head = t.gettext("Subscribed.") if added else t.gettext("You already had that.")
    await _reply(update, [head + "\n\n" + texts.settings_html(t, chat, lang=language)])


@group_admins_only
async def unsubscribe(update: Update, context: Context) -> None:
    """Drop one keyword filter, or (no arguments) stop everything."""
    t, language = await translation(update, context)
    keywords = argument(context).lower()
    if not keywords:
        await stop(update, context)
        return
    if len(keywords) > MAX_KEYWORDS:
        await _reply(update, [_too_long(t)])
        return
    try:
        removed, chat = await runtime(context).services.subscribers.unsubscribe(
            await _target(update, context), keywords
        )
    except NotSubscribed:
        await _reply(update, [texts.not_subscribed(t)])
        return
    head = (
        t.gettext("Removed.")
        if removed
        else t.gettext("You had no filter “{keywords}”.").format(keywords=_echo(keywords))
    )
    await _reply(update, [head + "\n\n" + texts.settings_html(t, chat, lang=language)])


PER_PAGE = 10


async def events_page(
    update: Update, context: Context, page: int
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """Render one page of /events (None when there is nothing on it); remember the numbers."""
    t, _ = await translation(update, context)
    briefings, ids, more, zone = await runtime(context).services.lookup.page(
        _chat(update), page, per_page=PER_PAGE
    )
    if not briefings:
        return None
    if context.chat_data is not None:
        context.chat_data[LISTED] = ids
    await runtime(context).services.subscribers.remember_list(_chat(update), ids)
    first = page * PER_PAGE + 1
    lines = [event_line_html(b, n, tz=zone) for n, b in enumerate(briefings, first)]
    head = t.gettext("<b>Recent events</b>")
    if page > 0 or more:
        head += " · " + t.gettext("page {number}").format(number=page + 1)
    shown = [b.event_id for b in briefings]
    markup = page_keyboard(shown, first_number=first, page=page, more=more, t=t)
    return head + "\n" + "\n".join(lines), markup


async def events(update: Update, context: Context) -> None:
    """List recent events, ten a page, with buttons that open each one in place."""
    t, _ = await translation(update, context)
    rendered = await events_page(update, context, 0)
    if rendered is None:
        await _reply(update, [texts.no_events(t)])
        return
    text, markup = rendered
    assert update.effective_message is not None
    await update.effective_message.reply_html(
        text, reply_markup=markup, disable_web_page_preview=True
    )


def _view(
    render: Callable[..., list[str]],
) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    async def handler(update: Update, context: Context) -> None:
        t, _ = await translation(update, context)
        listed = (context.chat_data or {}).get(LISTED, [])
        found, zone = await runtime(context).services.lookup.find(
            _chat(update), argument(context), listed=listed
        )
        if found is None:
            await _reply(update, [_not_found(t, argument(context))])
            return
        await send_view(context, _chat(update), found, render, zone, t)

    handler.__doc__ = f"Reply with the {render.__name__.removesuffix('_html')} of an event."
    return handler


def _not_found(t: Translator, query: str) -> str:
    if not query:
        return texts.no_events(t)
    if query.isascii() and query.isdigit():
        text = t.gettext("There is no event number {number}.").format(number=_echo(query, 12))
    else:
        text = t.gettext("No event matches “{query}”.").format(query=_echo(query))
    return text + " " + texts.pick_event(t)


async def send_view(
    context: Context,
    chat_id: int,
    b: Briefing,
    render: Callable[..., list[str]],
    zone: tzinfo,
    t: Translator,
) -> None:
    """Send one view of an event, split into messages; buttons under the last one."""
    parts = render(b, tz=zone)
    for n, part in enumerate(parts, 1):
        markup = event_keyboard(b.event_id, t) if n == len(parts) else None
        await context.bot.send_message(
            chat_id, part, parse_mode="HTML", reply_markup=markup, disable_web_page_preview=True
        )


summary = _view(briefing_html)
sources = _view(sources_html)
changes = _view(changes_html)


@group_admins_only
async def digest(update: Update, context: Context) -> None:
    """Set the digest time, or switch it off."""
    t, _ = await translation(update, context)
    value = argument(context)
    if not value or len(value) > MAX_SETTING:
        await _reply(
            update, [t.gettext("Usage: /digest HH:MM (e.g. /digest 07:30) or /digest off")]
        )
        return
    at: time | None = None
    if value.lower() != "off":
        try:
            at = parse_hhmm(value)
        except ValueError:
            text = t.gettext(
                "'{value}' is not a time of day; use HH:MM on a 24-hour clock, e.g. 07:30. "
                "Or /digest off."
            )
            await _reply(update, [text.format(value=_echo(value))])
            return
    subscribers = runtime(context).services.subscribers
    await _change_settings(
        update, context, subscribers.set_digest(await _target(update, context), at)
    )


@group_admins_only
async def timezone(update: Update, context: Context) -> None:
    """Set the chat's time zone (any letter case; a typo gets suggestions)."""
    t, _ = await translation(update, context)
    value = argument(context)
    if not value or len(value) > MAX_SETTING:
        await _reply(
            update, [t.gettext("Usage: /timezone Area/City, e.g. /timezone Europe/Berlin")]
        )
        return
    subscribers = runtime(context).services.subscribers
    try:
        await _change_settings(
            update, context, subscribers.set_timezone(await _target(update, context), value)
        )
    except UnknownZone as exc:
        text = t.gettext(
            "'{value}' is not an IANA time zone; use a name like Europe/Berlin or UTC."
        ).format(value=_echo(value))
        if exc.suggestions:
            names = ", ".join(f"/timezone {escape(s)}" for s in exc.suggestions)
            text += " " + t.gettext("Did you mean {names}?").format(names=names)
        await _reply(update, [text])


@group_admins_only
async def quiet(update: Update, context: Context) -> None:
    """Set quiet hours (alerts arrive without sound), or switch them off."""
    t, _ = await translation(update, context)
    value = argument(context)
    if not value or len(value) > MAX_SETTING:
        usage = t.gettext("Usage: /quiet HH:MM-HH:MM (e.g. /quiet 22:00-07:00) or /quiet off")
        await _reply(update, [usage])
        return
    hours: tuple[time, time] | None = None
    if value.lower() != "off":
        try:
            hours = parse_quiet(value)
        except ValueError:
            text = t.gettext(
                "'{value}' is not a range of two different times; use HH:MM-HH:MM, e.g. 22:00-07:00"
            )
            await _reply(update, [text.format(value=_echo(value))])
            return
    subscribers = runtime(context).services.subscribers
    await _change_settings(
        update, context, subscribers.set_quiet(await _target(update, context), hours)
    )


@group_admins_only
async def language(update: Update, context: Context) -> None:
    """Set the language of the chat's messages."""
    t, current = await translation(update, context)
    value = argument(context)
    chosen = parse_language(value) if value and len(value) <= MAX_SETTING else None
    if chosen is None:
        choices = ", ".join(f"/language {code} ({NAMES[code]})" for code in SUPPORTED)
        head = t.gettext("Language: {language}").format(language=NAMES[current])
        await _reply(
            update, [head + "\n" + t.gettext("Choose one: {choices}").format(choices=choices)]
        )
        return
    subscribers = runtime(context).services.subscribers
    try:
        chat = await subscribers.set_language(await _target(update, context), chosen)
    except NotSubscribed:
        await _reply(update, [texts.not_subscribed(t)])
        return
    if chat.subscriber.chat_id == _chat(update):
        remember_language(context, chosen)
    t = translator(chosen)
    await _reply(update, [texts.settings_html(t, chat, lang=chosen)])


@group_admins_only
async def previews(update: Update, context: Context) -> None:
    """Show or hide link previews under alerts and digests."""
    t, _ = await translation(update, context)
    value = argument(context).lower()
    if value not in ("on", "off"):
        await _reply(update, [t.gettext("Usage: /previews on or /previews off")])
        return
    subscribers = runtime(context).services.subscribers
    await _change_settings(
        update, context, subscribers.set_previews(await _target(update, context), value == "on")
    )


async def settings(update: Update, context: Context) -> None:
    """Show the chat's settings."""
    t, language = await translation(update, context)
    chat = await runtime(context).services.subscribers.current(await _target(update, context))
    reply = texts.not_subscribed(t) if chat is None else texts.settings_html(t, chat, lang=language)
    await _reply(update, [reply])


async def help_command(update: Update, context: Context) -> None:
    """List the commands (admins see theirs too)."""
    t, _ = await translation(update, context)
    user = update.effective_user
    admin = runtime(context).services.admin.is_admin(user.id if user else None)
    await _reply(update, [texts.help_html(t, admin=admin)])


async def unknown(update: Update, context: Context) -> None:
    """Answer a command this bot does not have (in groups only when it was addressed to us)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    word = message.text.split()[0]
    command, _, addressee = word.partition("@")
    ours = addressee.lower() == (context.bot.username or "").lower()
    if (addressee or is_group(update)) and not ours:
        return  # another bot's command, or one in a group not addressed to us
    t, _ = await translation(update, context)
    await _reply(update, [texts.unknown_command(t, command[:40])])


async def pointer(update: Update, context: Context) -> None:
    """Answer free text in a private chat with a pointer to /help."""
    t, _ = await translation(update, context)
    await _reply(update, [texts.pointer(t)])


@group_admins_only
async def here(update: Update, context: Context) -> None:
    """Send this chat's alerts and digest to the forum topic the command was sent in."""
    t, language = await translation(update, context)
    message = update.effective_message
    assert message is not None
    thread = message.message_thread_id if message.is_topic_message else None
    try:
        chat = await runtime(context).services.subscribers.set_thread(_chat(update), thread)
    except NotSubscribed:
        await _reply(update, [texts.not_subscribed(t)])
        return
    head = (
        t.gettext("Alerts and digests now go to this topic.")
        if thread is not None
        else t.gettext("Alerts and digests now go to the chat itself, not a topic.")
    )
    await _reply(update, [head + "\n\n" + texts.settings_html(t, chat, lang=language)])


_CHANNEL_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def connect(update: Update, context: Context) -> None:
    """Connect a channel where the bot is an admin; this private chat then manages it."""
    t, language = await translation(update, context)
    user = update.effective_user
    name = argument(context)
    if is_group(update) or user is None:
        await _reply(update, [t.gettext("Send /connect @channel in a private chat with me.")])
        return
    if not name or " " in name or len(name) > MAX_SETTING:
        await _reply(update, [t.gettext("Usage: /connect @channel")])
        return
    ref: int | str = int(name) if name.lstrip("-").isdigit() else "@" + name.lstrip("@")
    try:
        channel = await context.bot.get_chat(ref)
        me = await context.bot.get_chat_member(channel.id, context.bot.id)
        them = await context.bot.get_chat_member(channel.id, user.id)
    except TelegramError as exc:
        text = t.gettext("I cannot reach {channel}: {reason}").format(
            channel=_echo(name), reason=escape(exc.message)
        )
        await _reply(update, [text])
        return
    if channel.type != ChatType.CHANNEL:
        await _reply(update, [t.gettext("{channel} is not a channel.").format(channel=_echo(name))])
        return
    if me.status not in _CHANNEL_ADMINS or not getattr(me, "can_post_messages", False):
        text = t.gettext("Make me an admin of {channel} who may post messages, then try again.")
        await _reply(update, [text.format(channel=_echo(name))])
        return
    if them.status not in _CHANNEL_ADMINS:
        text = t.gettext("Only an admin of {channel} can connect it.").format(channel=_echo(name))
        await _reply(update, [text])
        return
    chat = await runtime(context).services.subscribers.connect(
        channel.id, manager_chat_id=_chat(update), language=language
    )
    head = t.gettext(
        "Connected {channel}: it gets alerts and a daily digest. Settings commands here now "
        "change the channel's settings; /disconnect to manage this chat again."
    ).format(channel=escape(channel.title or name))
    await _reply(update, [head + "\n\n" + texts.settings_html(t, chat, lang=language)])


async def disconnect(update: Update, context: Context) -> None:
    """Manage this private chat's own settings again (the channel keeps its alerts)."""
    t, _ = await translation(update, context)
    managed = await runtime(context).services.subscribers.disconnect(_chat(update))
    if managed is None:
        await _reply(update, [t.gettext("No channel is connected to this chat.")])
        return
    await _reply(
        update,
        [
            t.gettext(
                "Disconnected: settings commands change this chat again. The channel keeps its "
                "alerts; /connect it again to change them."
            )
        ],
    )
