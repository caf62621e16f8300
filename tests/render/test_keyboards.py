"""Keyboards are plain rows; their stored JSON is what Telegram's own markup would send."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.render.keyboards import (
    Press,
    event_keyboard,
    events_keyboard,
    keyboard_json,
    parse_callback,
)


def test_stored_keyboard_json_is_the_bot_api_markup() -> None:
    expected = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Summary", callback_data="s:7"),
                InlineKeyboardButton("Sources", callback_data="o:7"),
                InlineKeyboardButton("Changes", callback_data="c:7"),
            ]
        ]
    )
    assert keyboard_json(event_keyboard(7)) == json.dumps(expected.to_dict())


def test_every_button_parses_back_to_its_view_and_event() -> None:
    buttons = [button for row in events_keyboard([3, 12]) for button in row]
    assert [label for label, _ in buttons][:4] == ["1. Summary", "Sources", "Changes", "2. Summary"]
    assert [parse_callback(data) for _, data in buttons] == [
        Press("summary", 3, "l0"), Press("sources", 3, "l0"), Press("changes", 3, "l0"),
        Press("summary", 12, "l0"), Press("sources", 12, "l0"), Press("changes", 12, "l0"),
    ]  # fmt: skip
    assert parse_callback("s:7") == Press("summary", 7, "a")
    assert parse_callback("b:7:l2") == Press("back", 7, "l2")
    assert parse_callback("p:3") == Press("page", page=3)
    assert parse_callback("x:3") is None and parse_callback("s:abc") is None
    assert parse_callback(None) is None
