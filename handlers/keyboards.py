"""Inline keyboards and their callback data ("s:<event_id>[:<origin>]" and friends)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Press:
    """What a button asks for: a view of an event, going back, or a page of /events.

    ``origin`` says what the message showed before the first press, so Back can return to it:
    "a" an alert, "l<page>" a page of /events.
    """

    action: str  # "summary", "sources", "changes", "back" or "page"
    event_id: int = 0
    origin: str = "a"
    page: int = 0


_ORIGIN = re.compile(r"^(a|l\d{1,3})$")


def parse_callback(data: str | None) -> Press | None:
    """Return what a button's callback data asks for, or None when it is not ours."""
    if not data or ":" not in data:
        return None
    prefix, _, rest = data.partition(":")
    raw, _, origin = rest.partition(":")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    origin = origin or "a"
    if not _ORIGIN.match(origin):
        return None
    if prefix == "p":
        return Press("page", page=int(raw))
    if prefix == "b":
        return Press("back", event_id=int(raw), origin=origin)
    if prefix not in VIEWS:
        return None
    return Press(VIEWS[prefix], event_id=int(raw), origin=origin)


def view_keyboard(event_id: int, origin: str, t: Translator) -> InlineKeyboardMarkup:
    """Return the buttons under a view shown in place: the other views, and Back."""
    tail = f"{event_id}:{origin}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t.gettext("Summary"), callback_data=f"s:{tail}"),
                InlineKeyboardButton(t.gettext("Sources"), callback_data=f"o:{tail}"),
                InlineKeyboardButton(t.gettext("Changes"), callback_data=f"c:{tail}"),
            ],
            [InlineKeyboardButton("◀ " + t.gettext("Back"), callback_data=f"b:{tail}")],
        ]
    )


def page_keyboard(
    event_ids: list[int], *, first_number: int, page: int, more: bool, t: Translator
) -> InlineKeyboardMarkup:
    """Return one row per listed event (opening its views in place) and ◀ ▶ between pages."""
    origin = f"l{page}"
    rows = [
        [
            InlineKeyboardButton(
                t.gettext("{number}. Summary").format(number=n),
                callback_data=f"s:{event_id}:{origin}",
            ),
            InlineKeyboardButton(t.gettext("Sources"), callback_data=f"o:{event_id}:{origin}"),
            InlineKeyboardButton(t.gettext("Changes"), callback_data=f"c:{event_id}:{origin}"),
        ]
        for n, event_id in enumerate(event_ids, first_number)
    ]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=f"p:{page - 1}"))
    if more:
        nav.append(InlineKeyboardButton("▶", callback_data=f"p:{page + 1}"))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)
