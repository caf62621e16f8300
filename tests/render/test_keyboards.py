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


def test_settings_buttons_fit_telegram_and_parse_back_to_what_they_set() -> None:
    from bot.render.keyboards import SCREENS, SettingsState, settings_keyboard

    state = SettingsState("es", "07:30", "Europe/Madrid", None, False, ("strike", ""))
    for screen in SCREENS:
        for _, data in (b for row in settings_keyboard(state, screen) for b in row):
            assert len(data.encode()) <= 64  # Telegram's limit on callback data
            assert parse_callback(data) is not None, data
    zones = [label for row in settings_keyboard(state, "timezone") for label, _ in row]
    assert "✓ Europe/Madrid" in zones and "America/Argentina/Buenos_Aires" in zones
    assert parse_callback("h:timezone:Europe/Berlin") == Press(
        "set", name="timezone", value="Europe/Berlin"
    )
    assert parse_callback("h:quiet:22:00-07:00") == Press("set", name="quiet", value="22:00-07:00")
    assert parse_callback("g:filters") == Press("screen", name="filters")
    assert parse_callback("g:3") == Press("screen", name="digest")  # a screen sent before
    for bad in ("h:evil:1", "h:digest:", "g:nowhere", "h:digest:" + "9" * 60):
        assert parse_callback(bad) is None, bad
