"""What a chat follows and how: start, stop, filters, digest time, zone, quiet hours, language,
link previews, forum topics and connected channels."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import time
from html import escape, unescape
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, TelegramError

from bot.delivery.schedule import parse_quiet
from bot.i18n import N_, NAMES, SUPPORTED, Translator, parse_language, pick, translator
from bot.render import replies as texts
from bot.render.keyboards import Press, SettingsState, settings_keyboard
from bot.services.subscribers import ChatSettings, NotSubscribed, SubscriberService
from bot.times import UnknownZone, parse_hhmm, parse_timezone
from handlers.context import Context, argument, remember_language, services, translation
from handlers.groups import group_admins_only, is_group, is_group_admin
from handlers.respond import chat_of, echo, reply
from handlers.respond import markup as as_markup

MAX_KEYWORDS = 100
MAX_SETTING = 64  # longer than any HH:MM, HH:MM-HH:MM or IANA zone name

Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


async def _target(update: Update, context: Context) -> int:
    """Return the chat a settings command acts on: the channel a private chat manages, or it."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type != ChatType.PRIVATE:
        return chat.id
    return await services(context).subscribers.target(chat.id)


def _settings_text(t: Translator, chat: ChatSettings, head: str = "") -> str:
    """Return ``head`` (if any) above the chat's settings."""
    sub = chat.subscriber
    body = texts.settings_html(t, sub, chat.filters, lang=pick(sub.language))
    return f"{head}\n\n{body}" if head else body


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
    await reply(update, _settings_text(t, chat, hello) + "\n\n" + t.gettext("See /help."))


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
    t, _ = await translation(update, context)
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
    await reply(update, _settings_text(t, chat, head))


@group_admins_only
async def unsubscribe(update: Update, context: Context) -> None:
    """Drop one keyword filter, or (no arguments) stop everything."""
    t, _ = await translation(update, context)
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
    await reply(update, _settings_text(t, chat, head))


# --- one setting, by command or by button -----------------------------------------------------

Change = Callable[[SubscriberService, int], Awaitable[ChatSettings]]


class Refused(Exception):
    """A value a setting cannot take, with what to tell the user."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _digest(t: Translator, _: str, value: str) -> Change:
    at: time | None = None
    if value.lower() != "off":
        try:
            at = parse_hhmm(value)
        except ValueError:
            text = t.gettext(
                "'{value}' is not a time of day; use HH:MM on a 24-hour clock, e.g. 07:30. "
                "Or /digest off."
            )
            raise Refused(text.format(value=echo(value))) from None
    return lambda subscribers, chat_id: subscribers.set_digest(chat_id, at)


def _timezone(t: Translator, _: str, value: str) -> Change:
    try:
        zone = parse_timezone(value).key
    except UnknownZone as exc:
        text = t.gettext(
            "'{value}' is not an IANA time zone; use a name like Europe/Berlin or UTC."
        ).format(value=echo(value))
        if exc.suggestions:
            names = ", ".join(f"/timezone {escape(s)}" for s in exc.suggestions)
            text += " " + t.gettext("Did you mean {names}?").format(names=names)
        raise Refused(text) from None
    return lambda subscribers, chat_id: subscribers.set_timezone(chat_id, zone)


def _quiet(t: Translator, _: str, value: str) -> Change:
    hours: tuple[time, time] | None = None
    if value.lower() != "off":
        try:
            hours = parse_quiet(value)
        except ValueError:
            text = t.gettext(
                "'{value}' is not a range of two different times; use HH:MM-HH:MM, e.g. 22:00-07:00"
            )
            raise Refused(text.format(value=echo(value))) from None
    return lambda subscribers, chat_id: subscribers.set_quiet(chat_id, hours)


def _previews(t: Translator, _: str, value: str) -> Change:
    if value.lower() not in ("on", "off"):
        raise Refused(t.gettext("Usage: /previews on or /previews off"))
    enabled = value.lower() == "on"
    return lambda subscribers, chat_id: subscribers.set_previews(chat_id, enabled)


def _language(t: Translator, current: str, value: str) -> Change:
    chosen = parse_language(value) if value and len(value) <= MAX_SETTING else None
    if chosen is None:
        choices = ", ".join(f"/language {code} ({NAMES[code]})" for code in SUPPORTED)
        head = t.gettext("Language: {language}").format(language=NAMES[current])
        raise Refused(head + "\n" + t.gettext("Choose one: {choices}").format(choices=choices))
    return lambda subscribers, chat_id: subscribers.set_language(chat_id, chosen)


@dataclass(frozen=True, slots=True)
class Setting:
    """How a setting's value is read: its usage line (for a missing value) and its parser."""

    usage: str  # marked for the catalogs; "" when the parser explains itself
    parse: Callable[[Translator, str, str], Change]  # (t, chat's language, value); or Refused


SETTINGS = {
    "digest": Setting(N_("Usage: /digest HH:MM (e.g. /digest 07:30) or /digest off"), _digest),
    "timezone": Setting(N_("Usage: /timezone Area/City, e.g. /timezone Europe/Berlin"), _timezone),
    "quiet": Setting(
        N_("Usage: /quiet HH:MM-HH:MM (e.g. /quiet 22:00-07:00) or /quiet off"), _quiet
    ),
    "previews": Setting(N_("Usage: /previews on or /previews off"), _previews),
    "language": Setting("", _language),
}


async def _apply(
    update: Update, context: Context, change: Change
) -> tuple[ChatSettings, Translator]:
    """Change a setting of the chat this one manages; return its settings and how to answer.

    Raises NotSubscribed. A chat that changed its own language is answered in the new one.
    """
    target = await _target(update, context)
    chat = await change(services(context).subscribers, target)
    if target == chat_of(update):
        remember_language(context, pick(chat.subscriber.language))
    t, _ = await translation(update, context)
    return chat, t


def setting_command(name: str) -> Callback:
    """Return the command that sets one setting from its argument, then shows the settings."""
    setting = SETTINGS[name]

    @group_admins_only
    async def command(update: Update, context: Context) -> None:
        t, language = await translation(update, context)
        value = argument(context)
        try:
            if setting.usage and (not value or len(value) > MAX_SETTING):
                raise Refused(t.gettext(setting.usage))
            chat, t = await _apply(update, context, setting.parse(t, language, value))
        except Refused as exc:
            await reply(update, exc.text)
            return
        except NotSubscribed:
            await reply(update, texts.not_subscribed(t))
            return
        await reply(update, _settings_text(t, chat))

    command.__name__ = command.__qualname__ = name
    command.__doc__ = f"Set the chat's {name} setting from the command's argument."
    return command


digest = setting_command("digest")
timezone = setting_command("timezone")
quiet = setting_command("quiet")
language = setting_command("language")
previews = setting_command("previews")


# --- the /settings screen -----------------------------------------------------------------


def _state(chat: ChatSettings) -> SettingsState:
    sub = chat.subscriber
    quiet_hours = f"{sub.quiet_start}-{sub.quiet_end}" if sub.quiet_start else None
    return SettingsState(
        language=pick(sub.language),
        digest_time=sub.digest_time,
        timezone=sub.timezone,
        quiet=quiet_hours,
        previews=sub.link_previews,
        filters=chat.filters,
    )


def _screen(t: Translator, chat: ChatSettings, screen: str) -> tuple[str, InlineKeyboardMarkup]:
    """Return one part of the settings screen: the settings, what to do, and its buttons."""
    sub = chat.subscriber
    text = texts.settings_screen_html(t, sub, chat.filters, lang=pick(sub.language), screen=screen)
    return text, as_markup(settings_keyboard(_state(chat), screen, t))


async def settings(update: Update, context: Context) -> None:
    """Show the chat's settings as a screen whose buttons change them in place."""
    t, _ = await translation(update, context)
    chat = await services(context).subscribers.current(await _target(update, context))
    if chat is None:
        await reply(update, texts.not_subscribed(t))
        return
    text, markup = _screen(t, chat, "main")
    assert update.effective_message is not None
    await update.effective_message.reply_html(
        text, reply_markup=markup, disable_web_page_preview=True
    )


def _filter_change(t: Translator, press: Press, chat: ChatSettings) -> Change:
    """Return the change a filter button asks for: drop the n-th filter, or follow everything."""
    if press.name == "all":
        keywords = ""
    elif press.value.isascii() and press.value.isdigit() and int(press.value) < len(chat.filters):
        keywords = chat.filters[int(press.value)]
    else:
        raise Refused(t.gettext("That filter is gone."))

    async def change(subscribers: SubscriberService, chat_id: int) -> ChatSettings:
        if press.name == "all":
            return (await subscribers.subscribe(chat_id, keywords))[1]
        return (await subscribers.unsubscribe(chat_id, keywords))[1]

    return change


async def press_settings(update: Update, context: Context, press: Press) -> None:
    """Open a part of the settings screen, or set a value from it, and redraw it in place."""
    query = update.callback_query
    assert query is not None
    t, language = await translation(update, context)
    if press.action == "set" and is_group(update) and not await is_group_admin(update, context):
        await query.answer(
            t.gettext("Only this group's admins can change its alerts and settings.")
        )
        return
    chat = await services(context).subscribers.current(await _target(update, context))
    if chat is None:
        await query.answer(texts.not_subscribed(t))
        return
    screen = press.name if press.action == "screen" else "main"
    if press.action == "set":
        filters = press.name in ("drop", "all")
        screen = "filters" if filters else "main"
        try:
            change = (
                _filter_change(t, press, chat)
                if filters
                else SETTINGS[press.name].parse(t, language, press.value)
            )
            chat, t = await _apply(update, context, change)
        except Refused as exc:
            await query.answer(_plain(exc.text))
            return
        except NotSubscribed:
            await query.answer(texts.not_subscribed(t))
            return
    await query.answer()
    text, markup = _screen(t, chat, screen)
    try:
        await query.edit_message_text(
            text, parse_mode="HTML", reply_markup=markup, disable_web_page_preview=True
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():  # the same choice pressed twice
            raise


def _plain(html_text: str) -> str:
    """Return a reply's text for a button's notification: no tags, at most 200 characters."""
    return unescape(re.sub(r"<[^>]+>", "", html_text))[:200]


@group_admins_only
async def here(update: Update, context: Context) -> None:
    """Send this chat's alerts and digest to the forum topic the command was sent in."""
    t, _ = await translation(update, context)
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
    await reply(update, _settings_text(t, chat, head))


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
    await reply(update, _settings_text(t, chat, head))


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
