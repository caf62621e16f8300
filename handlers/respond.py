"""Send replies: HTML without link previews, keyboards turned into Telegram's markup."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.briefing.model import Briefing
from bot.render.keyboards import Keyboard, event_keyboard
from handlers.context import Context

View = Callable[..., list[str]]


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup:
    """Turn plain keyboard rows into Telegram's inline keyboard."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in keyboard
        ]
    )


def echo(value: str, limit: int = 60) -> str:
    """Quote the user's text in an HTML reply: shortened, with <, > and & escaped."""
    short = value if len(value) <= limit else value[: limit - 1] + "…"
    return escape(short, quote=False)


def chat_of(update: Update) -> int:
    """Return the id of the chat the update came from."""
    assert update.effective_chat is not None
    return update.effective_chat.id


async def reply(update: Update, *parts: str, keyboard: Keyboard | None = None) -> None:
    """Reply with each part as its own HTML message; the keyboard goes under the last one."""
    assert update.effective_message is not None
    for n, part in enumerate(parts, 1):
        await update.effective_message.reply_html(
            part,
            disable_web_page_preview=True,
            reply_markup=markup(keyboard) if keyboard and n == len(parts) else None,
        )


async def send_view(
    context: Context, chat_id: int, b: Briefing, render: View, zone: tzinfo
) -> None:
    """Send one view of an event, split into messages; buttons under the last one."""
    parts: Sequence[str] = render(b, tz=zone)
    for n, part in enumerate(parts, 1):
        buttons = markup(event_keyboard(b.event_id)) if n == len(parts) else None
        await context.bot.send_message(
            chat_id, part, parse_mode="HTML", reply_markup=buttons, disable_web_page_preview=True
        )


async def edit_in_place(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Show ``text`` in place of the message the button is on."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(
            text, parse_mode="HTML", reply_markup=markup, disable_web_page_preview=True
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():  # the same button pressed twice
            raise
