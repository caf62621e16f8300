"""Inline keyboards as plain rows of (label, callback data), and the callback-data format.

Callback data is "<view>:<event id>[:<origin>]": "s" summary, "o" sources, "c" changes, "b"
back to where the message started ("a" an alert, "l<page>" a page of /events),
"p:<page>" for a page of /events, "f:<id>" follow an event and "m:<id>" mute it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import ENGLISH, Translator

Button = tuple[str, str]  # (label, callback data)
Keyboard = list[list[Button]]

# Callback data prefix -> what the button shows.
VIEWS = {"s": "summary", "o": "sources", "c": "changes"}
_ORIGIN = re.compile(r"^(a|l\d{1,3})$")


@dataclass(frozen=True, slots=True)
class Press:
    """What a button asks for: a view of an event, going back, or a page of /events.

    ``origin`` says what the message showed before the first press, so Back can return to it.
    """

    action: str  # "summary", "sources", "changes", "back", "page", "follow" or "mute"
    event_id: int = 0
    origin: str = "a"
    page: int = 0


def _views(event_id: int, t: Translator, *, tail: str = "", first: str = "") -> list[Button]:
    suffix = f":{tail}" if tail else ""
    return [
        (first or t.gettext("Summary"), f"s:{event_id}{suffix}"),
        (t.gettext("Sources"), f"o:{event_id}{suffix}"),
        (t.gettext("Changes"), f"c:{event_id}{suffix}"),
    ]


def event_keyboard(event_id: int, t: Translator = ENGLISH) -> Keyboard:
    """Return the Summary / Sources / Changes buttons of one event."""
    return [_views(event_id, t)]


def alert_keyboard(event_id: int, t: Translator = ENGLISH) -> Keyboard:
    """Return an alert's buttons: the event's views, then Follow (every update) and Mute."""
    return [
        _views(event_id, t),
        [(t.gettext("Follow"), f"f:{event_id}"), (t.gettext("Mute"), f"m:{event_id}")],
    ]


def events_keyboard(event_ids: Sequence[int], t: Translator = ENGLISH) -> Keyboard:
    """Return one row of buttons per listed event, numbered like the list."""
    return page_keyboard(event_ids, first_number=1, page=0, more=False, t=t)


def page_keyboard(
    event_ids: Sequence[int], *, first_number: int, page: int, more: bool, t: Translator = ENGLISH
) -> Keyboard:
    """Return one row per listed event (opening its views in place) and ◀ ▶ between pages."""
    rows = [
        _views(
            event_id,
            t,
            tail=f"l{page}",
            first=t.gettext("{number}. Summary").format(number=n),
        )
        for n, event_id in enumerate(event_ids, first_number)
    ]
    nav: list[Button] = []
    if page > 0:
        nav.append(("◀", f"p:{page - 1}"))
    if more:
        nav.append(("▶", f"p:{page + 1}"))
    return [*rows, nav] if nav else rows


def view_keyboard(event_id: int, origin: str, t: Translator = ENGLISH) -> Keyboard:
    """Return the buttons under a view shown in place: the other views, and Back."""
    tail = f"{event_id}:{origin}"
    return [_views(event_id, t, tail=origin), [("◀ " + t.gettext("Back"), f"b:{tail}")]]


# The settings screen's buttons ("g:<n>"): each press moves one setting to its next value.
SETTING_BUTTONS = {1: "language", 2: "previews", 3: "digest"}


def settings_keyboard(t: Translator = ENGLISH) -> Keyboard:
    """Return the buttons of the /settings screen: language, link previews, digest time."""
    return [
        [(t.gettext("Language ▸"), "g:1"), (t.gettext("Link previews ▸"), "g:2")],
        [(t.gettext("Digest time ▸"), "g:3")],
    ]


def numbered_keyboard(event_ids: Sequence[int], per_row: int = 5) -> Keyboard:
    """Return one Summary button per numbered item of a digest ("1", "2"...)."""
    buttons = [(str(n), f"s:{event_id}") for n, event_id in enumerate(event_ids, 1)]
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def keyboard_json(keyboard: Keyboard) -> str:
    """Return a keyboard as the Bot API's reply_markup JSON (as stored in the outbox)."""
    rows = [[{"callback_data": data, "text": label} for label, data in row] for row in keyboard]
    return json.dumps({"inline_keyboard": rows})


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
    if prefix == "g":
        return Press("setting", page=int(raw)) if int(raw) in SETTING_BUTTONS else None
    if prefix in ("f", "m"):
        return Press("follow" if prefix == "f" else "mute", event_id=int(raw))
    if prefix not in VIEWS:
        return None
    return Press(VIEWS[prefix], event_id=int(raw), origin=origin)
