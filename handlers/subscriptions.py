"""What a chat follows and where: start, stop, keyword filters, forum topics and connected
channels (its settings are in handlers/settings.py)."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.i18n import Translator, pick, translator
from bot.render import replies as texts
from bot.services.subscribers import ChatSettings, NotSubscribed
from handlers.context import Context, argument, remember_language, services, translation
from handlers.groups import group_admins_only, is_group
from handlers.respond import chat_of, echo, reply

MAX_KEYWORDS = 100
MAX_SETTING = 64  # longer than any HH:MM, HH:MM-HH:MM or IANA zone name


async def target_chat(update: Update, context: Context) -> int:
    """Return the chat a settings command acts on: the channel a private chat manages, or it."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type != ChatType.PRIVATE:
        return chat.id
    return await services(context).subscribers.target(chat.id)


def settings_text(t: Translator, chat: ChatSettings, head: str = "") -> str:
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
    await reply(update, settings_text(t, chat, hello) + "\n\n" + t.gettext("See /help."))


@group_admins_only
async def stop(update: Update, context: Context) -> None:
    """Stop everything for this chat."""
    t, _ = await translation(update, context)
    stopped = await services(context).subscribers.stop(await target_chat(update, context))
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
            await target_chat(update, context), keywords
        )
    except ValueError:
        text = t.gettext(
            "“{keywords}” has no word to match on (words like “the” or “of” are ignored); "
            "use names or topics, e.g. /subscribe strike"
        )
        await reply(update, text.format(keywords=echo(keywords)))
        return
    head = t.gettext("Subscribed.") if added else t.gettext("You already had that.")
    await reply(update, settings_text(t, chat, head))


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
            await target_chat(update, context), keywords
        )
    except NotSubscribed:
        await reply(update, texts.not_subscribed(t))
        return
    head = (
        t.gettext("Removed.")
        if removed
        else t.gettext("You had no filter “{keywords}”.").format(keywords=echo(keywords))
    )
    await reply(update, settings_text(t, chat, head))


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
    await reply(update, settings_text(t, chat, head))


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
    await reply(update, settings_text(t, chat, head))


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
