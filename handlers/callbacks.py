"""Inline buttons: "s:<id>" summary, "o:<id>" sources, "c:<id>" changes."""

from __future__ import annotations

from telegram import Update

from handlers.commands import send_view
from handlers.context import Context, runtime, translation
from handlers.keyboards import parse_callback
from handlers.render import briefing_html, changes_html, sources_html

_RENDER = {"summary": briefing_html, "sources": sources_html, "changes": changes_html}


async def show_event(update: Update, context: Context) -> None:
    """Answer a button press with the chosen view of the event."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    t, _ = await translation(update, context)
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer(t.gettext("This button is no longer valid."))
        return
    view, event_id = parsed
    found, zone = await runtime(context).services.lookup.get(update.effective_chat.id, event_id)
    if found is None:
        await query.answer(t.gettext("That event is gone."))
        return
    await query.answer()
    await send_view(context, update.effective_chat.id, found, _RENDER[view], zone, t)
