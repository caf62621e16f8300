"""Inline buttons: views of an event shown in place of the message they are on, Back, pages."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.briefing.model import Briefing
from bot.i18n import Translator
from handlers.commands import events_page
from handlers.context import Context, runtime, translation
from handlers.keyboards import Press, event_keyboard, parse_callback, view_keyboard
from handlers.render import alert_html, briefing_html, changes_html, sources_html

_RENDER = {"summary": briefing_html, "sources": sources_html, "changes": changes_html}


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Show ``text`` in place of the message the button is on."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(
            text, parse_mode="HTML", reply_markup=markup, disable_web_page_preview=True
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():  # pressing the same view twice
            raise


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
    back_to_list = press.action == "back" and press.origin.startswith("l")
    if press.action == "page" or back_to_list:
        page = press.page if press.action == "page" else int(press.origin[1:])
        rendered = await events_page(update, context, page)
        await query.answer()
        if rendered is not None:
            await _edit(update, *rendered)
        return
    chat_id = update.effective_chat.id
    found, zone = await runtime(context).services.lookup.get(chat_id, press.event_id)
    if found is None:
        await query.answer(t.gettext("That event is gone."))
        return
    await query.answer()
    if press.action == "back":
        text = alert_html(found, _alert_again(found, t), tz=zone)
        await _edit(update, text, event_keyboard(found.event_id, t))
        return
    first, *rest = _RENDER[press.action](found, tz=zone)
    await _edit(update, first, view_keyboard(found.event_id, press.origin, t))
    # A view longer than one message goes on below it (editing can fill only one).
    for part in rest:
        await context.bot.send_message(
            chat_id, part, parse_mode="HTML", disable_web_page_preview=True
        )
