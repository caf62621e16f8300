"""Show events: the recent list, one event's summary, sources or changes, and button presses."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.render import replies
from bot.render.html import briefing_html, changes_html, event_line_html, sources_html
from bot.render.keyboards import events_keyboard, parse_callback
from handlers.context import Context, argument, services
from handlers.respond import View, chat_of, echo, reply, send_view

LISTED = "listed_events"  # chat_data key: the event ids of the chat's last /events
VIEWS: dict[str, View] = {
    "summary": briefing_html,
    "sources": sources_html,
    "changes": changes_html,
}


async def list_events(update: Update, context: Context) -> None:
    """List recent events with buttons for each."""
    briefings, zone = await services(context).lookup.recent(chat_of(update), limit=10)
    if not briefings:
        await reply(update, replies.NO_EVENTS)
        return
    ids = [b.event_id for b in briefings]
    if context.chat_data is not None:
        context.chat_data[LISTED] = ids
    lines = [event_line_html(b, n, tz=zone) for n, b in enumerate(briefings, 1)]
    await reply(update, "<b>Recent events</b>\n" + "\n".join(lines), keyboard=events_keyboard(ids))


def _not_found(query: str) -> str:
    if not query:
        return replies.NO_EVENTS
    if query.isascii() and query.isdigit():
        return f"There is no event number {echo(query, 12)}. " + replies.PICK_EVENT
    return f"No event matches “{echo(query)}”. " + replies.PICK_EVENT


def _show(view: str) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    render = VIEWS[view]

    async def handler(update: Update, context: Context) -> None:
        listed = (context.chat_data or {}).get(LISTED, [])
        found, zone = await services(context).lookup.find(
            chat_of(update), argument(context), listed=listed
        )
        if found is None:
            await reply(update, _not_found(argument(context)))
            return
        await send_view(context, chat_of(update), found, render, zone)

    handler.__name__ = f"show_{view}"
    handler.__doc__ = f"Reply with the {view} of an event."
    return handler


show_summary = _show("summary")
show_sources = _show("sources")
show_changes = _show("changes")


async def press_button(update: Update, context: Context) -> None:
    """Answer a button press with the chosen view of the event."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer("This button is no longer valid.")
        return
    view, event_id = parsed
    found, zone = await services(context).lookup.get(update.effective_chat.id, event_id)
    if found is None:
        await query.answer("That event is gone.")
        return
    await query.answer()
    await send_view(context, update.effective_chat.id, found, VIEWS[view], zone)
