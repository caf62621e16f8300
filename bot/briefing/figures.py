"""Choose the few figures a briefing shows, in order, within a budget (renderers only format).

What a reader sees first: casualties, then the event's central counts (magnitude, missiles,
arrests...), then those more sources report and those in headlines. A line never lists more than
``max_values`` figures, each with at most ``max_voices`` sources, and says how many more there
are. Agreements on everyday nouns ("two trucks", "13 countries") are dropped; the full list stays
in /sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.briefing.claims import attribution_key
from bot.briefing.model import Claim, Difference, DifferenceKind
from bot.briefing.numbers import CATEGORIES

MAX_LINES = 5
MAX_VALUES = 3
MAX_VOICES = 3
MAX_EARLIER = 4
_RANK = {name: rank for rank, name in enumerate(CATEGORIES)}
_CASUALTIES = frozenset({"killed", "injured", "casualties", "missing"})


@dataclass(frozen=True, slots=True)
class Voice:
    """One source behind a figure, with whom it cites ("reuters", ("Iraq",))."""

    source: str
    citing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportedValue:
    """One figure as written, with the sources that report it (at most ``max_voices`` shown)."""

    value: str
    is_none: bool
    voices: tuple[Voice, ...]
    more_sources: int = 0


@dataclass(frozen=True, slots=True)
class FigureLine:
    """One quantity of the differences section: "Killed: 24 (AFP; BBC), up from 1 → 5"."""

    about: str
    kind: DifferenceKind
    values: tuple[ReportedValue, ...]
    more_values: int = 0
    more_sources: int = 0
    earlier: tuple[str, ...] = ()
    rising: bool = True
    sources: int = 0
    sources_total: int = 0


@dataclass(frozen=True, slots=True)
class FiguresSection:
    """The lines to show and how many quantities were left for /sources."""

    lines: tuple[FigureLine, ...]
    left_out: int = 0


def _voices(claims: Sequence[Claim]) -> list[Voice]:
    """Name each source once, with everyone it cites for this figure."""
    citing: dict[str, list[str]] = {}
    for claim in claims:
        names = citing.setdefault(claim.source, [])
        who = claim.attributed_to
        if who and attribution_key(who) not in {attribution_key(n) for n in names}:
            names.append(who)
    return [Voice(source, tuple(names)) for source, names in citing.items()]


def _value(claims: Sequence[Claim], max_voices: int) -> ReportedValue:
    first = claims[0]
    voices = _voices(claims)
    return ReportedValue(
        value=first.value,
        is_none=first.high == 0 and first.low == 0,
        voices=tuple(voices[:max_voices]),
        more_sources=max(0, len(voices) - max_voices),
    )


def _worth_showing(difference: Difference) -> bool:
    """Keep casualties and central counts; an everyday noun only when headlines carry it.

    "Truck: two — 4 of 14 sources" or "Country: 13 / 14" tell the reader nothing; "23 pirates"
    in several headlines is what the story is about.
    """
    if difference.about in _RANK or difference.about.startswith("money"):
        return True
    headlines = {c.source for c in difference.claims if c.in_headline}
    return len(headlines) >= 2


def _priority(difference: Difference) -> tuple[int, int, int, int, float]:
    about = difference.about
    category = _RANK.get(about, len(_RANK) + (0 if about.startswith("money") else 1))
    kind = {"conflict": 0, "progression": 0, "agreement": 1, "single_source": 2}[difference.kind]
    sources = len({c.source for c in difference.claims})
    headline = 0 if any(c.in_headline for c in difference.claims) else 1
    casualty = 0 if about in _CASUALTIES else 1
    return casualty, kind, category, -sources * 2 - (1 - headline), -len(difference.earlier)


def _by_number(claims: Sequence[Claim]) -> list[tuple[str, tuple[Claim, ...]]]:
    """Group claims by their number: "at least 24" and "24" are one figure, shown as "24"."""
    groups: dict[float | None, list[Claim]] = {}
    for claim in claims:
        groups.setdefault(claim.low, []).append(claim)
    result = []
    for group in groups.values():
        exact = [c for c in group if c.high == c.low]
        ordered = exact + [c for c in group if c not in exact]
        result.append((ordered[0].value, tuple(ordered)))
    return result


def _steps(earlier: Sequence[Claim], rising: bool) -> list[Claim]:
    """Keep the reports that moved the figure on: "1 → 5 → 11", not a late "at least 3"."""
    steps: list[Claim] = []
    for claim in earlier:
        low = claim.low or 0.0
        last = (steps[-1].low or 0.0) if steps else None
        if last is None or (low > last if rising else low < last):
            steps.append(claim)
    return steps


def disputed_count(differences: Sequence[Difference]) -> int:
    """Count the real conflicts a reader is warned about (everyday nouns never count)."""
    return sum(d.kind == "conflict" and _worth_showing(d) for d in differences)


def figure_line(
    difference: Difference, *, max_values: int = MAX_VALUES, max_voices: int = MAX_VOICES
) -> FigureLine:
    """Format-free view of one difference: its most reported figures first, the rest counted."""
    groups = _by_number(difference.claims)
    # The figure more sources give comes first; among equals, the latest report.
    groups.sort(
        key=lambda pair: (
            -len({c.source for c in pair[1]}),
            -max((c.at.timestamp() if c.at else 0.0) for c in pair[1]),
        )
    )
    shown = [_value(claims, max_voices) for _, claims in groups[:max_values]]
    hidden_sources = {c.source for _, claims in groups[max_values:] for c in claims}
    hidden_sources -= {v.source for value in shown for v in value.voices}
    now = max((c.low or 0.0) for c in difference.claims)
    rising = not difference.earlier or (difference.earlier[-1].low or 0.0) <= now
    earlier = tuple(dict.fromkeys(c.value for c in _steps(difference.earlier, rising)))
    earlier = earlier[-MAX_EARLIER:]
    return FigureLine(
        about=difference.about,
        kind=difference.kind,
        values=tuple(shown),
        more_values=len(groups) - len(shown),
        more_sources=len(hidden_sources),
        earlier=earlier,
        rising=rising,
        sources=len({c.source for c in difference.claims}),
        sources_total=difference.sources_total,
    )


def select_figures(
    differences: Sequence[Difference],
    *,
    max_lines: int = MAX_LINES,
    max_values: int = MAX_VALUES,
    max_voices: int = MAX_VOICES,
) -> FiguresSection:
    """Choose and order the figures of a briefing's differences section.

    Args:
        differences: Every difference of the event (from ``compare_claims``).
        max_lines: At most this many quantities.
        max_values: At most this many figures on one line.
        max_voices: At most this many sources named per figure.
    """
    worth = sorted((d for d in differences if _worth_showing(d)), key=_priority)
    chosen = worth[:max_lines]
    return FiguresSection(
        lines=tuple(figure_line(d, max_values=max_values, max_voices=max_voices) for d in chosen),
        left_out=len(differences) - len(chosen),
    )
