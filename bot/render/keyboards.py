"""Inline keyboards as plain rows of (label, callback data), and the callback-data format.

Callback data is "<view>:<event id>": "s" summary, "o" sources, "c" changes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

Button = tuple[str, str]  # (label, callback data)
Keyboard = list[list[Button]]

# Callback data prefix -> what the button shows.
VIEWS = {"s": "summary", "o": "sources", "c": "changes"}


def event_keyboard(event_id: int) -> Keyboard:
    """Return the Summary / Sources / Changes buttons of one event."""
    return [
        [("Summary", f"s:{event_id}"), ("Sources", f"o:{event_id}"), ("Changes", f"c:{event_id}")]
    ]


def events_keyboard(event_ids: Sequence[int]) -> Keyboard:
    """Return one row of buttons per listed event, numbered like the list."""
    return [
        [
            (f"{n}. Summary", f"s:{event_id}"),
            ("Sources", f"o:{event_id}"),
            ("Changes", f"c:{event_id}"),
        ]
        for n, event_id in enumerate(event_ids, 1)
    ]


def keyboard_json(keyboard: Keyboard) -> str:
    """Return a keyboard as the Bot API's reply_markup JSON (as stored in the outbox)."""
    rows = [[{"callback_data": data, "text": label} for label, data in row] for row in keyboard]
    return json.dumps({"inline_keyboard": rows})


def parse_callback(data: str | None) -> tuple[str, int] | None:
    """Return (view, event id) from callback data, or None when it is not ours."""
    if not data or ":" not in data:
        return None
    prefix, _, raw = data.partition(":")
    # isascii and a length cap: "²".isdigit() is true, and ids fit in 18 digits.
    if prefix not in VIEWS or not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        return None
    return VIEWS[prefix], int(raw)
