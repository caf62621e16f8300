"""The chat's settings: one command per setting, and the /settings screen whose buttons set
the same values in place (digest time, time zone, quiet hours, filters, language, previews)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import time
from html import escape, unescape
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.delivery.schedule import parse_quiet
from bot.i18n import N_, NAMES, SUPPORTED, Translator, parse_language, pick
from bot.render import replies as texts
from bot.render.keyboards import Press, SettingsState, settings_keyboard
from bot.services.subscribers import ChatSettings, NotSubscribed, SubscriberService
from bot.times import UnknownZone, parse_hhmm, parse_timezone
from handlers.context import Context, argument, remember_language, services, translation
from handlers.groups import group_admins_only, is_group, is_group_admin
from handlers.respond import chat_of, echo, edit_in_place, reply
from handlers.respond import markup as as_markup
from handlers.subscriptions import MAX_SETTING, settings_text, target_chat

Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


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
    target = await target_chat(update, context)
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
        await reply(update, settings_text(t, chat))

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
    chat = await services(context).subscribers.current(await target_chat(update, context))
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
    chat = await services(context).subscribers.current(await target_chat(update, context))
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
    await edit_in_place(update, *_screen(t, chat, screen))


def _plain(html_text: str) -> str:
    """Return a reply's text for a button's notification: no tags, at most 200 characters."""
    return unescape(re.sub(r"<[^>]+>", "", html_text))[:200]
