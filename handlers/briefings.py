"""Show events: the recent list in pages, one event's summary, sources or changes, and buttons."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import tzinfo
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.briefing.model import Briefing
from bot.i18n import Translator
from bot.render import replies as texts
from bot.render.html import (
    alert_html,
    briefing_html,
    changes_html,
    event_line_html,
    since_digest_html,
    sources_html,
)
from bot.render.keyboards import (
    Press,
    alert_keyboard,
    event_keyboard,
    numbered_keyboard,
    page_keyboard,
    parse_callback,
    view_keyboard,
)
from bot.services.subscribers import NotSubscribed
from handlers.context import Context, argument, services, translation
from handlers.respond import chat_of, echo, edit_in_place, reply
from handlers.respond import markup as as_markup
from handlers.settings import press_settings

LISTED = "listed_events"  # chat_data key: the event ids of the chat's last /events


PER_PAGE = 10


async def events_page(
    update: Update, context: Context, page: int
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """Render one page of /events (None when there is nothing on it); remember the numbers."""
    t, _ = await translation(update, context)
    briefings, ids, more, zone = await services(context).lookup.page(
        chat_of(update), page, per_page=PER_PAGE
    )
    if not briefings:
        return None
    if context.chat_data is not None:
        context.chat_data[LISTED] = ids
    await services(context).subscribers.remember_list(chat_of(update), ids)
    first = page * PER_PAGE + 1
    lines = [event_line_html(b, n, tz=zone, t=t) for n, b in enumerate(briefings, first)]
    head = t.gettext("<b>Recent events</b>")
    if page > 0 or more:
        head += " · " + t.gettext("page {number}").format(number=page + 1)
    shown = [b.event_id for b in briefings]
    markup = as_markup(page_keyboard(shown, first_number=first, page=page, more=more, t=t))
    return head + "\n" + "\n".join(lines), markup


async def events(update: Update, context: Context) -> None:
    """List recent events, ten a page, with buttons that open each one in place."""
    t, _ = await translation(update, context)
    rendered = await events_page(update, context, 0)
    if rendered is None:
        await reply(update, texts.no_events(t))
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
        found, zone = await services(context).lookup.find(
            chat_of(update), argument(context), listed=listed
        )
        if found is None:
            await reply(update, _not_found(t, argument(context)))
            return
        await send_view(context, chat_of(update), found, render, zone, t)

    handler.__doc__ = f"Reply with the {render.__name__.removesuffix('_html')} of an event."
    return handler


def _not_found(t: Translator, query: str) -> str:
    if not query:
        return texts.no_events(t)
    if query.isascii() and query.isdigit():
        text = t.gettext("There is no event number {number}.").format(number=echo(query, 12))
    else:
        text = t.gettext("No event matches “{query}”.").format(query=echo(query))
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
    parts = render(b, tz=zone, t=t)
    for n, part in enumerate(parts, 1):
        markup = as_markup(event_keyboard(b.event_id, t)) if n == len(parts) else None
        await context.bot.send_message(
            chat_id, part, parse_mode="HTML", reply_markup=markup, disable_web_page_preview=True
        )


summary = _view(briefing_html)
sources = _view(sources_html)
_event_changes = _view(changes_html)
SINCE_DIGEST = ("", "digest")  # /changes, /changes digest


async def changes(update: Update, context: Context) -> None:
    """Say what is new since the chat's last digest, or show one event's version history."""
    query = argument(context)
    if query.lower() not in SINCE_DIGEST:
        await _event_changes(update, context)
        return
    t, language = await translation(update, context)
    news = await services(context).lookup.since_digest(chat_of(update))
    if news is None:
        if not query:  # no digest yet: the latest event's changes, as before there was one
            await _event_changes(update, context)
            return
        text = t.gettext(
            "No digest has been sent to this chat yet; /digest HH:MM sets its time. "
            "/changes 1 shows the changes of one event."
        )
        await reply(update, text)
        return
    label = texts.when(news.since, language, news.zone)
    parts = since_digest_html(news.events, since_label=label, tz=news.zone, t=t, more=news.more)
    ids = [now.event_id for _, now in news.events]
    for n, part in enumerate(parts, 1):
        markup = as_markup(numbered_keyboard(ids)) if n == len(parts) and ids else None
        await context.bot.send_message(
            chat_of(update),
            part,
            parse_mode="HTML",
            reply_markup=markup,
            disable_web_page_preview=True,
        )


_RENDER = {"summary": briefing_html, "sources": sources_html, "changes": changes_html}


def _alert_again(b: Briefing, t: Translator) -> str:
    n = b.source_count
    reason = t.ngettext("Reported by {count} source", "Reported by {count} sources", n)
    return reason.format(count=n)


async def press_button(update: Update, context: Context) -> None:
    """Answer a button press by editing its message: a view, Back, or another page."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    t, _ = await translation(update, context)
    press: Press | None = parse_callback(query.data)
    if press is None:
        await query.answer(t.gettext("This button is no longer valid."))
        return
    if press.action in ("screen", "set"):
        await press_settings(update, context, press)
        return
    if press.action in ("follow", "mute"):
        try:
            await services(context).subscribers.follow(
                update.effective_chat.id, press.event_id, press.action
            )
        except NotSubscribed:
            await query.answer(texts.not_subscribed(t))
            return
        followed = t.gettext("Following: you will get every update of this event.")
        muted = t.gettext("Muted: nothing more about this event.")
        await query.answer(followed if press.action == "follow" else muted)
        return
    back_to_list = press.action == "back" and press.origin.startswith("l")
    if press.action == "page" or back_to_list:
        page = press.page if press.action == "page" else int(press.origin[1:])
        rendered = await events_page(update, context, page)
        await query.answer()
        if rendered is not None:
            await edit_in_place(update, *rendered)
        return
    chat_id = update.effective_chat.id
    found, zone = await services(context).lookup.get(chat_id, press.event_id)
    if found is None:
        await query.answer(t.gettext("That event is gone."))
        return
    await query.answer()
    if press.action == "back":
        text = alert_html(found, _alert_again(found, t), tz=zone, t=t)
        await edit_in_place(update, text, as_markup(alert_keyboard(found.event_id, t)))
        return
    first, *rest = _RENDER[press.action](found, tz=zone, t=t)
    await edit_in_place(update, first, as_markup(view_keyboard(found.event_id, press.origin, t)))
    # A view longer than one message goes on below it (editing can fill only one).
    for part in rest:
        await context.bot.send_message(
            chat_id, part, parse_mode="HTML", disable_web_page_preview=True
        )
