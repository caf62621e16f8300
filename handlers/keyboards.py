"""Inline keyboards and their callback data ("s:<event_id>" and friends)."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator

# Callback data prefix -> what the button shows.
VIEWS = {"s": "summary", "o": "sources", "c": "changes"}


def event_keyboard(event_id: int, t: Translator) -> InlineKeyboardMarkup:
    """Return the Summary / Sources / Changes buttons of one event."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t.gettext("Summary"), callback_data=f"s:{event_id}"),
                InlineKeyboardButton(t.gettext("Sources"), callback_data=f"o:{event_id}"),
                InlineKeyboardButton(t.gettext("Changes"), callback_data=f"c:{event_id}"),
            ]
        ]
    )


def events_keyboard(event_ids: list[int], t: Translator) -> InlineKeyboardMarkup:
    """Return one row of buttons per listed event, numbered like the list."""
    rows = [
        [
            InlineKeyboardButton(
                t.gettext("{number}. Summary").format(number=n), callback_data=f"s:{event_id}"
            ),
            InlineKeyboardButton(t.gettext("Sources"), callback_data=f"o:{event_id}"),
            InlineKeyboardButton(t.gettext("Changes"), callback_data=f"c:{event_id}"),
        ]
        for n, event_id in enumerate(event_ids, 1)
    ]
    return InlineKeyboardMarkup(rows)


def event_keyboard_json(event_id: int, t: Translator) -> str:
    """Return the event keyboard as stored in the outbox."""
    return json.dumps(event_keyboard(event_id, t).to_dict())


def numbered_keyboard_json(event_ids: list[int], t: Translator, per_row: int = 5) -> str:
    """Return one Summary button per numbered item ("1", "2"...), as stored in the outbox."""
    buttons = [
        InlineKeyboardButton(str(n), callback_data=f"s:{event_id}")
        for n, event_id in enumerate(event_ids, 1)
    ]
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return json.dumps(InlineKeyboardMarkup(rows).to_dict())


def parse_callback(data: str | None) -> tuple[str, int] | None:
    """Return (view, event id) from callback data, or None when it is not ours."""
    if not data or ":" not in data:
        return None
    prefix, _, raw = data.partition(":")
    if prefix not in VIEWS or not raw.isdigit():
        return None
    return VIEWS[prefix], int(raw)
