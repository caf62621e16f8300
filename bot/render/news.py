"""What is new in an event since a chat was last told, in words (pure).

A chat's last alert leaves a small record of what it said: the sources, and the range of each
headline figure (deaths, injured, missing). The next alert compares the briefing with it and
says what changed: "Killed now 23–27 (Gamma Wire, Beta Times), up from 12; new source: Beta
Times". Headline figures changing is also what lets an update skip the alert window.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.briefing.model import Briefing, Change, Claim
from bot.i18n import ENGLISH, Translator
from bot.render.sections import category_label

# The figures worth telling at once when they change.
HEADLINE_FIGURES = ("killed", "injured", "casualties", "missing")


@dataclass(frozen=True, slots=True)
class Figure:
    low: float
    high: float
    sources: tuple[str, ...]


def headline_figures(b: Briefing) -> dict[str, Figure]:
    """Return the range each headline figure spans across the sources, and who reports it."""
    claims: dict[str, list[Claim]] = {}
    for difference in b.differences:
        if difference.about in HEADLINE_FIGURES:
            claims.setdefault(difference.about, []).extend(difference.claims)
    figures = {}
    for about, found in claims.items():
        # "At least 12" has no upper bound: it counts as 12.
        ranged = [c for c in found if c.low is not None]
        if not ranged:
            continue
        low = min(c.low for c in ranged if c.low is not None)
        high = max(c.high if c.high is not None else c.low for c in ranged if c.low is not None)
        sources = tuple(dict.fromkeys(c.source for c in ranged))
        figures[about] = Figure(low, high, sources)
    return figures


def told_state(b: Briefing) -> str:
    """Return what an alert about ``b`` tells, as stored with the chat's alert mark."""
    figures = {k: [f.low, f.high] for k, f in headline_figures(b).items()}
    return json.dumps({"sources": [s.name for s in b.sources], "figures": figures})


def _told(told: str) -> tuple[list[str], dict[str, tuple[float, float]]]:
    try:
        data = json.loads(told) if told else {}
    except ValueError:
        data = {}
    figures = {k: (float(v[0]), float(v[1])) for k, v in dict(data.get("figures", {})).items()}
    return list(data.get("sources", [])), figures


def _span(low: float, high: float) -> str:
    def number(x: float) -> str:
        return f"{x:,.0f}" if x == int(x) else f"{x:,}"

    return number(low) if low == high else f"{number(low)}–{number(high)}"


def headline_figures_changed(told: str, b: Briefing) -> bool:
    """Tell whether a headline figure appeared or moved since ``told``."""
    _, before = _told(told)
    now = {k: (f.low, f.high) for k, f in headline_figures(b).items()}
    return any(before.get(k) != v for k, v in now.items())


def whats_new(told: str, b: Briefing, t: Translator = ENGLISH) -> str:
    """Say in words what changed since ``told``; "" when nothing a reader would name."""
    sources_before, before = _told(told)
    parts = []
    for about, figure in headline_figures(b).items():
        old = before.get(about)
        if old == (figure.low, figure.high):
            continue
        label = category_label(about, t)
        span = _span(figure.low, figure.high)
        who = ", ".join(figure.sources)
        if old is None:
            parts.append(
                t.gettext("{label}: {span} ({sources})").format(label=label, span=span, sources=who)
            )
        else:
            direction = t.gettext("up from") if figure.high > old[1] else t.gettext("was")
            parts.append(
                t.gettext("{label} now {span} ({sources}), {direction} {old}").format(
                    label=label, span=span, sources=who, direction=direction, old=_span(*old)
                )
            )
    new_sources = [s.name for s in b.sources if s.name not in sources_before]
    if new_sources and told:
        parts.append(
            t.ngettext("new source: {names}", "new sources: {names}", len(new_sources)).format(
                names=", ".join(new_sources)
            )
        )
    return "; ".join(parts)


def _change_key(change: Change) -> tuple[str, int]:
    return change.location, change.to_version


def new_changes(before: Briefing | None, now: Briefing) -> list[Change]:
    """Return the substantive article edits in ``now`` that ``before`` did not have yet."""
    known = {_change_key(c) for c in before.changes} if before else set()
    return [c for c in now.changes if c.diff.substantive and _change_key(c) not in known]


def has_news(before: Briefing | None, now: Briefing) -> bool:
    """Tell whether a reader who saw ``before`` would find something new in ``now``."""
    if before is None:
        return True
    return bool(whats_new(told_state(before), now) or new_changes(before, now))
