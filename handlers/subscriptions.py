"""What a chat follows and how: start, stop, filters, digest time, zone, quiet hours, language,
link previews, forum topics and connected channels."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import time
from html import escape
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, TelegramError

from bot.delivery.schedule import parse_quiet
from bot.i18n import NAMES, SUPPORTED, Translator, parse_language, pick, translator
from bot.render import replies as texts
from bot.render.keyboards import settings_keyboard
from bot.services.subscribers import ChatSettings, NotSubscribed
from bot.times import UnknownZone, parse_hhmm
from handlers.context import Context, argument, remember_language, services, translation
from handlers.groups import group_admins_only, is_group, is_group_admin
from handlers.respond import chat_of, echo, reply
from handlers.respond import markup as as_markup

MAX_KEYWORDS = 100
MAX_SETTING = 64  # longer than any HH:MM, HH:MM-HH:MM or IANA zone name


async def _target(update: Update, context: Context) -> int:
    """Return the chat a settings command acts on: the channel a private chat manages, or it."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type != ChatType.PRIVATE:
        return chat.id
    return await services(context).subscribers.target(chat.id)


async def _change_settings(
    update: Update, context: Context, change: Coroutine[Any, Any, ChatSettings]
) -> None:
    """Apply a settings change and show the new settings, or say plainly why it failed."""
    t, language = await translation(update, context)
    try:
        chat = await change
    except NotSubscribed:
        await reply(update, texts.not_subscribed(t))
        return
    await reply(update, texts.settings_html(t, chat.subscriber, chat.filters, lang=language))


@group_admins_only
async def start(update: Update, context: Context) -> None:
    """Subscribe the chat (keeping its settings if it had stopped) and show its settings."""
    user = update.effective_user
    from_telegram = pick(user.language_code if user else None)
    chat = await services(context).subscribers.start(chat_of(update), language=from_telegram)
    language = pick(chat.subscriber.language)
    remember_language(context, language)
    t = translator(language)
    hello = texts.welcome_group(t) if is_group(update) else texts.welcome(t)
    settings = texts.settings_html(t, chat.subscriber, chat.filters, lang=language)
    await reply(update, hello + "\n\n" + settings + "\n\n" + t.gettext("See /help."))


@group_admins_only
async def stop(update: Update, context: Context) -> None:
    """Stop everything for this chat."""
    t, _ = await translation(update, context)
    stopped = await services(context).subscribers.stop(await _target(update, context))
    answer = t.gettext(
        "Stopped: no more alerts or digests. Your settings are kept; send /start to come back."
    )
    await reply(update, answer if stopped else t.gettext("You were not subscribed."))


def _too_long(t: Translator) -> str:
    return t.gettext("Keep keywords under {limit} characters.").format(limit=MAX_KEYWORDS)


@group_admins_only
async def subscribe(update: Update, context: Context) -> None:
    """Follow every event, or only events matching keywords."""
    t, language = await translation(update, context)
    keywords = argument(context).lower()
    if len(keywords) > MAX_KEYWORDS:
        await reply(update, _too_long(t))
        return
    try:
        added, chat = await services(context).subscribers.subscribe(
            await _target(update, context), keywords
        )
    except ValueError:
        text = t.gettext(
            "“{keywords}” has no word to match on (words like “the” or “of” are ignored); "
            "use names or topics, e.g. /subscribe strike"
        )
        await reply(update, text.format(keywords=echo(keywords)))
        return
    head = t.gettext("Subscribed.") if added else t.gettext("You already had that.")
    await reply(
        update,
        head + "\n\n" + texts.settings_html(t, chat.subscriber, chat.filters, lang=language),
    )


@group_admins_only
async def unsubscribe(update: Update, context: Context) -> None:
    """Drop one keyword filter, or (no arguments) stop everything."""
    t, language = await translation(update, context)
    keywords = argument(context).lower()
    if not keywords:
        await stop(update, context)
        return
    if len(keywords) > MAX_KEYWORDS:
        await reply(update, _too_long(t))
        return
    try:
        removed, chat = await services(context).subscribers.unsubscribe(
            await _target(update, context), keywords
        )
    except NotSubscribed:
        await reply(update, texts.not_subscribed(t))
        return
    head = (
        t.gettext("Removed.")
        if removed
        else t.gettext("You had no filter “{keywords}”.").format(keywords=echo(keywords))
    )
    await reply(
        update,
        head + "\n\n" + texts.settings_html(t, chat.subscriber, chat.filters, lang=language),
    )


@group_admins_only
async def digest(update: Update, context: Context) -> None:
    """Set the digest time, or switch it off."""
    t, _ = await translation(update, context)
    value = argument(context)
    if not value or len(value) > MAX_SETTING:
        await reply(update, t.gettext("Usage: /digest HH:MM (e.g. /digest 07:30) or /digest off"))
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
            await reply(update, text.format(value=echo(value)))
            return
    subscribers = services(context).subscribers
    await _change_settings(
        update, context, subscribers.set_digest(await _target(update, context), at)
    )


@group_admins_only
async def timezone(update: Update, context: Context) -> None:
    """Set the chat's time zone (any letter case; a typo gets suggestions)."""
    t, _ = await translation(update, context)
    value = argument(context)
    if not value or len(value) > MAX_SETTING:
        await reply(update, t.gettext("Usage: /timezone Area/City, e.g. /timezone Europe/Berlin"))
        return
    subscribers = services(context).subscribers
    try:
        await _change_settings(
            update, context, subscribers.set_timezone(await _target(update, context), value)
        )
    except UnknownZone as exc:
        text = t.gettext(
            "'{value}' is not an IANA time zone; use a name like Europe/Berlin or UTC."
        ).format(value=echo(value))
        if exc.suggestions:
            names = ", ".join(f"/timezone {escape(s)}" for s in exc.suggestions)
            text += " " + t.gettext("Did you mean {names}?").format(names=names)
        await reply(update, text)


@group_admins_only
async def quiet(update: Update, context: Context) -> None:
    """Set quiet hours (alerts arrive without sound), or switch them off."""
    t, _ = await translation(update, context)
    value = argument(context)
    if not value or len(value) > MAX_SETTING:
        usage = t.gettext("Usage: /quiet HH:MM-HH:MM (e.g. /quiet 22:00-07:00) or /quiet off")
        await reply(update, usage)
        return
    hours: tuple[time, time] | None = None
    if value.lower() != "off":
        try:
            hours = parse_quiet(value)
        except ValueError:
            text = t.gettext(
                "'{value}' is not a range of two different times; use HH:MM-HH:MM, e.g. 22:00-07:00"
            )
            await reply(update, text.format(value=echo(value)))
            return
    subscribers = services(context).subscribers
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
        await reply(
            update, head + "\n" + t.gettext("Choose one: {choices}").format(choices=choices)
        )
        return
    subscribers = services(context).subscribers
    try:
        chat = await subscribers.set_language(await _target(update, context), chosen)
    except NotSubscribed:
        await reply(update, texts.not_subscribed(t))
        return
    if chat.subscriber.chat_id == chat_of(update):
        remember_language(context, chosen)
    t = translator(chosen)
    await reply(update, texts.settings_html(t, chat.subscriber, chat.filters, lang=chosen))


@group_admins_only
async def previews(update: Update, context: Context) -> None:
    """Show or hide link previews under alerts and digests."""
    t, _ = await translation(update, context)
    value = argument(context).lower()
    if value not in ("on", "off"):
        await reply(update, t.gettext("Usage: /previews on or /previews off"))
        return
    subscribers = services(context).subscribers
    await _change_settings(
        update, context, subscribers.set_previews(await _target(update, context), value == "on")
    )


async def settings(update: Update, context: Context) -> None:
    """Show the chat's settings as a screen whose buttons change them in place."""
    t, language = await translation(update, context)
    chat = await services(context).subscribers.current(await _target(update, context))
    if chat is None:
        await reply(update, texts.not_subscribed(t))
        return
    assert update.effective_message is not None
    await update.effective_message.reply_html(
        settings_screen(t, chat, language),
        reply_markup=as_markup(settings_keyboard(t)),
        disable_web_page_preview=True,
    )


def settings_screen(t: Translator, chat: ChatSettings, language: str) -> str:
    """Return the settings text with a line on what cannot be set with a button."""
    body = texts.settings_html(t, chat.subscriber, chat.filters, lang=language)
    hint = t.gettext("Time zone, quiet hours and filters: /timezone, /quiet, /subscribe.")
    return f"{body}\n\n<i>{hint}</i>"


DIGEST_CHOICES: tuple[str | None, ...] = ("07:00", "07:30", "08:00", "12:00", "18:00", None)


async def change_setting(update: Update, context: Context, setting: str) -> None:
    """Move one setting to its next value from the settings screen, and redraw the screen."""
    query = update.callback_query
    assert query is not None
    t, language = await translation(update, context)
    if is_group(update) and not await is_group_admin(update, context):
        await query.answer(
            t.gettext("Only this group's admins can change its alerts and settings.")
        )
        return
    subscribers = services(context).subscribers
    target = await _target(update, context)
    chat = await subscribers.current(target)
    if chat is None:
        await query.answer(texts.not_subscribed(t))
        return
    sub = chat.subscriber
    if setting == "language":
        language = SUPPORTED[(SUPPORTED.index(pick(sub.language)) + 1) % len(SUPPORTED)]
        chat = await subscribers.set_language(target, language)
        if target == chat_of(update):
            remember_language(context, language)
        t = translator(language)
    elif setting == "previews":
        chat = await subscribers.set_previews(target, not sub.link_previews)
    else:
        current = sub.digest_time if sub.digest_time in DIGEST_CHOICES else DIGEST_CHOICES[-1]
        following = DIGEST_CHOICES[(DIGEST_CHOICES.index(current) + 1) % len(DIGEST_CHOICES)]
        at = None if following is None else parse_hhmm(following)
        chat = await subscribers.set_digest(target, at)
    await query.answer()
    try:
        await query.edit_message_text(
            settings_screen(t, chat, language),
            parse_mode="HTML",
            reply_markup=as_markup(settings_keyboard(t)),
            disable_web_page_preview=True,
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


@group_admins_only
async def here(update: Update, context: Context) -> None:
    """Send this chat's alerts and digest to the forum topic the command was sent in."""
    t, language = await translation(update, context)
    message = update.effective_message
    assert message is not None
    thread = message.message_thread_id if message.is_topic_message else None
    try:
        chat = await services(context).subscribers.set_thread(chat_of(update), thread)
    except NotSubscribed:
        await reply(update, texts.not_subscribed(t))
        return
    head = (
        t.gettext("Alerts and digests now go to this topic.")
        if thread is not None
        else t.gettext("Alerts and digests now go to the chat itself, not a topic.")
    )
    await reply(
        update,
        head + "\n\n" + texts.settings_html(t, chat.subscriber, chat.filters, lang=language),
    )


_CHANNEL_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def connect(update: Update, context: Context) -> None:
    """Connect a channel where the bot is an admin; this private chat then manages it."""
    t, language = await translation(update, context)
    user = update.effective_user
    name = argument(context)
    if is_group(update) or user is None:
        await reply(update, t.gettext("Send /connect @channel in a private chat with me."))
        return
    if not name or " " in name or len(name) > MAX_SETTING:
        await reply(update, t.gettext("Usage: /connect @channel"))
        return
    ref: int | str = int(name) if name.lstrip("-").isdigit() else "@" + name.lstrip("@")
    try:
        channel = await context.bot.get_chat(ref)
        me = await context.bot.get_chat_member(channel.id, context.bot.id)
        them = await context.bot.get_chat_member(channel.id, user.id)
    except TelegramError as exc:
        text = t.gettext("I cannot reach {channel}: {reason}").format(
            channel=echo(name), reason=escape(exc.message)
        )
        await reply(update, text)
        return
    if channel.type != ChatType.CHANNEL:
        await reply(update, t.gettext("{channel} is not a channel.").format(channel=echo(name)))
        return
    if me.status not in _CHANNEL_ADMINS or not getattr(me, "can_post_messages", False):
        text = t.gettext("Make me an admin of {channel} who may post messages, then try again.")
        await reply(update, text.format(channel=echo(name)))
        return
    if them.status not in _CHANNEL_ADMINS:
        text = t.gettext("Only an admin of {channel} can connect it.").format(channel=echo(name))
        await reply(update, text)
        return
    chat = await services(context).subscribers.connect(
        channel.id, manager_chat_id=chat_of(update), language=language
    )
    head = t.gettext(
        "Connected {channel}: it gets alerts and a daily digest. Settings commands here now "
        "change the channel's settings; /disconnect to manage this chat again."
    ).format(channel=escape(channel.title or name))
    await reply(
        update,
        head + "\n\n" + texts.settings_html(t, chat.subscriber, chat.filters, lang=language),
    )


async def disconnect(update: Update, context: Context) -> None:
    """Manage this private chat's own settings again (the channel keeps its alerts)."""
    t, _ = await translation(update, context)
    managed = await services(context).subscribers.disconnect(chat_of(update))
    if managed is None:
        await reply(update, t.gettext("No channel is connected to this chat."))
        return
    await reply(
        update,
        t.gettext(
            "Disconnected: settings commands change this chat again. The channel keeps its "
            "alerts; /connect it again to change them."
        ),
    )
