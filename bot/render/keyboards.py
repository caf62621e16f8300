"""Inline keyboards as plain rows of (label, callback data), and the callback-data format.

Callback data is "<view>:<event id>[:<origin>]": "s" summary, "o" sources, "c" changes, "b"
back to where the message started ("a" an alert, "l<page>" a page of /events),
"p:<page>" for a page of /events, "f:<id>" follow an event and "m:<id>" mute it; "g:" and "h:"
belong to the /settings screen (below).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import ENGLISH, NAMES, SUPPORTED, Translator

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

    action: str  # "summary", "sources", "changes", "back", "page", "follow", "mute",
    # or on the settings screen "screen" (open one part) and "set" (a setting's new value)
    event_id: int = 0
    origin: str = "a"
    page: int = 0
    name: str = ""
    value: str = ""


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


# The /settings screen: "g:<screen>" opens a part of it, "h:<setting>:<value>" sets a value
# (the same value the setting's command takes: "h:digest:07:30", "h:timezone:Europe/Berlin").
# A filter is removed by its place in the list ("h:drop:0"); "h:all:1" follows every event.
SCREENS = ("main", "digest", "timezone", "quiet", "filters", "language")
SETTINGS = ("digest", "timezone", "quiet", "language", "previews", "drop", "all")
_OLD_SETTING_BUTTONS = {"1": "language", "2": "main", "3": "digest"}  # screens sent before
DIGEST_CHOICES = ("06:00", "07:00", "07:30", "08:00", "12:00", "18:00", "21:00")
MAX_FILTER_BUTTONS = 20
QUIET_CHOICES = ("22:00-07:00", "23:00-07:00", "00:00-08:00", "22:00-06:00")
# Time zones offered for a chat's language; any other is one /timezone away.
ZONE_CHOICES = {
    "en": ("UTC", "Europe/London", "America/New_York", "America/Chicago",
           "America/Los_Angeles", "Asia/Kolkata", "Asia/Singapore", "Australia/Sydney"),
    "de": ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/London", "UTC"),
    "es": ("Europe/Madrid", "America/Mexico_City", "America/Bogota", "America/Lima",
           "America/Argentina/Buenos_Aires", "America/Santiago", "Atlantic/Canary", "UTC"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SettingsState:
    """What the settings buttons show as chosen."""

    language: str
    digest_time: str | None
    timezone: str
    quiet: str | None  # "22:00-07:00"
    previews: bool
    filters: Sequence[str]


def _rows(buttons: Sequence[Button], per_row: int) -> Keyboard:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def _chosen(label: str, chosen: bool) -> str:
    return f"✓ {label}" if chosen else label


def settings_keyboard(
    state: SettingsState, screen: str = "main", t: Translator = ENGLISH
) -> Keyboard:
    """Return the buttons of one part of the /settings screen (the main part: one per setting)."""
    back: list[Button] = [("◀ " + t.gettext("Back"), "g:main")]
    if screen == "digest":
        times = [(_chosen(c, c == state.digest_time), f"h:digest:{c}") for c in DIGEST_CHOICES]
        times.append((_chosen(t.gettext("Off"), state.digest_time is None), "h:digest:off"))
        return [*_rows(times, 4), back]
    if screen == "timezone":
        zones = ZONE_CHOICES.get(state.language, ZONE_CHOICES["en"])
        if state.timezone not in zones:
            zones = (state.timezone, *zones)
        buttons = [(_chosen(z, z == state.timezone), f"h:timezone:{z}") for z in zones]
        return [*_rows(buttons, 2), back]
    if screen == "quiet":
        hours = [
            (_chosen(c.replace("-", "–"), c == state.quiet), f"h:quiet:{c}") for c in QUIET_CHOICES
        ]
        hours.append((_chosen(t.gettext("Off"), state.quiet is None), "h:quiet:off"))
        return [*_rows(hours, 2), back]
    if screen == "language":
        names = [(_chosen(NAMES[c], c == state.language), f"h:language:{c}") for c in SUPPORTED]
        return [names, back]
    if screen == "filters":
        drops = [
            ("✖ " + (f[:40] if f else t.gettext("all events")), f"h:drop:{n}")
            for n, f in enumerate(state.filters[:MAX_FILTER_BUTTONS])
        ]
        rows = _rows(drops, 2)
        if "" not in state.filters:
            rows.append([(t.gettext("All events"), "h:all:1")])
        return [*rows, back]
    previews = t.gettext("on") if state.previews else t.gettext("off")
    return [
        [(t.gettext("Digest time ▸"), "g:digest"), (t.gettext("Time zone ▸"), "g:timezone")],
        [(t.gettext("Quiet hours ▸"), "g:quiet"), (t.gettext("Filters ▸"), "g:filters")],
        [
            (t.gettext("Language ▸"), "g:language"),
            (
                t.gettext("Link previews: {state}").format(state=previews),
                f"h:previews:{'off' if state.previews else 'on'}",
            ),
        ],
    ]


def _parse_settings(prefix: str, rest: str) -> Press | None:
    if prefix == "g":
        screen = _OLD_SETTING_BUTTONS.get(rest, rest)
        return Press("screen", name=screen) if screen in SCREENS else None
    name, _, value = rest.partition(":")
    if name not in SETTINGS or not value or len(value) > 48 or not value.isprintable():
        return None
    return Press("set", name=name, value=value)


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
    if prefix in ("g", "h"):
        return _parse_settings(prefix, rest)
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
    if prefix in ("f", "m"):
        return Press("follow" if prefix == "f" else "mute", event_id=int(raw))
    if prefix not in VIEWS:
        return None
    return Press(VIEWS[prefix], event_id=int(raw), origin=origin)
