"""Inline keyboards and their callback data ("s:<event_id>" and friends)."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

# Callback data prefix -> what the button shows.
VIEWS = {"s": "summary", "o": "sources", "c": "changes"}


def event_keyboard(event_id: int) -> InlineKeyboardMarkup:
    """Return the Summary / Sources / Changes buttons of one event."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Summary", callback_data=f"s:{event_id}"),
                InlineKeyboardButton("Sources", callback_data=f"o:{event_id}"),
                InlineKeyboardButton("Changes", callback_data=f"c:{event_id}"),
            ]
        ]
    )


def events_keyboard(event_ids: list[int]) -> InlineKeyboardMarkup:
    """Return one row of buttons per listed event, numbered like the list."""
    rows = [
        [
            InlineKeyboardButton(f"{n}. Summary", callback_data=f"s:{event_id}"),
            InlineKeyboardButton("Sources", callback_data=f"o:{event_id}"),
            InlineKeyboardButton("Changes", callback_data=f"c:{event_id}"),
        ]
        for n, event_id in enumerate(event_ids, 1)
    ]
    return InlineKeyboardMarkup(rows)


def event_keyboard_json(event_id: int) -> str:
    """Return the event keyboard as stored in the outbox."""
    return json.dumps(event_keyboard(event_id).to_dict())


def parse_callback(data: str | None) -> tuple[str, int] | None:
    """Return (view, event id) from callback data, or None when it is not ours."""
    if not data or ":" not in data:
        return None
    prefix, _, raw = data.partition(":")
    # isascii and a length cap: "²".isdigit() is true, and ids fit in 18 digits.
    if prefix not in VIEWS or not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        return None
    return VIEWS[prefix], int(raw)
