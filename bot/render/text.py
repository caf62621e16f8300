"""Render briefings as plain text of about 80 columns, for a terminal."""

from __future__ import annotations

import textwrap
from datetime import UTC, tzinfo

from bot.briefing.model import Briefing, Change
from bot.render.sections import (
    Changes,
    Differences,
    Heading,
    Section,
    Spellings,
    Summary,
    briefing_sections,
    change_summary_lines,
    cosmetic_note,
    figure_line_text,
    format_time,
    meta_line,
    more_figures,
    more_updates_line,
    spelling_line,
)

WIDTH = 80


def briefing_to_text(b: Briefing, *, tz: tzinfo = UTC) -> str:
    """Render one briefing as readable plain text of about 80 columns."""
    lines: list[str] = []
    for section in briefing_sections(b):
        if lines:
            lines.append("")
        lines += _section_lines(section, tz)
    return "\n".join(lines) + "\n"


def _section_lines(section: Section, tz: tzinfo) -> list[str]:
    match section:
        case Heading(briefing=b):
            return [b.headline, "=" * min(WIDTH, max(len(b.headline), 3)), meta_line(b, tz=tz)]
        case Summary(sentences=sentences):
            return [line for s in sentences for line in _wrap(f"{s.text} — {s.source}", "  ")]
        case Differences(title=title, items=items, left_out=left_out):
            lines = [
                f"{title}:",
                *(part for d in items for part in _wrap(figure_line_text(d), "  ")),
            ]
            if left_out:
                lines.append(f"  ({more_figures(left_out)} in the sources list)")
            return lines
        case Spellings(title=title, items=items):
            return [f"{title}:", *(line for v in items for line in _wrap(spelling_line(v), "  "))]
        case Changes(title=title, substantive=substantive, cosmetic=cosmetic, more_updates=more):
            lines = [f"{title}:", *(line for c in substantive for line in _change_lines(c, tz))]
            if more:
                lines.append(f"  {more_updates_line(more)}")
            if cosmetic:
                lines.append(f"  ({cosmetic_note(cosmetic)})")
            return lines


def _change_lines(change: Change, tz: tzinfo) -> list[str]:
    when = f", {format_time(change.at, tz)}" if change.at else ""
    lines = [
        f"  {change.source}: version {change.from_version} → {change.to_version}{when}",
    ]
    for line in change_summary_lines(change.diff.summary):
        lines += _wrap(line)
    return lines


def _wrap(text: str, indent: str = "    ") -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=True,
        break_on_hyphens=False,
    ) or [indent.rstrip()]
