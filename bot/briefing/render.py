"""Render briefings as plain text for a terminal and as the stable JSON interface."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from bot.briefing.claims import distinct_values
from bot.briefing.figures import FigureLine, ReportedValue, Voice, select_figures
from bot.briefing.model import Briefing, Change, Claim, Difference, NameVariants
from bot.briefing.numbers import CATEGORIES

WIDTH = 80
# How /sources marks figures that are not the event's own total.
_SCOPE_NOTE = {"background": "earlier event", "partial": "part of the total"}


def briefing_to_text(b: Briefing, *, tz: tzinfo = UTC) -> str:
    """Render one briefing as readable plain text of about 80 columns."""
    lines = [b.headline, "=" * min(WIDTH, max(len(b.headline), 3))]
    lines.append(meta_line(b, tz=tz))
    if b.summary:
        lines.append("")
        for sentence in b.summary:
            lines += _wrap(f"{sentence.text} — {sentence.source}", "  ")
    figures = select_figures(b.differences)
    shared = [line for line in figures.lines if line.kind != "single_source"]
    singles = [line for line in figures.lines if line.kind == "single_source"]
    if shared:
        lines += ["", "Where sources differ:"]
        for line in shared:
            lines += _wrap(figure_line_text(line), "  ")
    if singles:
        lines += ["", "Only in one source:"]
        for line in singles:
            lines += _wrap(figure_line_text(line), "  ")
    if figures.left_out and figures.lines:
        lines.append(f"  ({more_figures(figures.left_out)} in the sources list)")
    if b.spellings:
        lines += ["", "Names spelled differently:"]
        for variants in b.spellings:
            lines += _wrap(spelling_line(variants), "  ")
    substantive = [c for c in b.changes if c.diff.substantive]
    cosmetic = len(b.changes) - len(substantive)
    if substantive or cosmetic:
        lines += ["", "What changed:"]
        for change in substantive:
            lines += _change_lines(change, tz)
        if cosmetic:
            lines.append(f"  ({cosmetic} cosmetic edit{'s' if cosmetic > 1 else ''} not shown)")
    return "\n".join(lines) + "\n"


def meta_line(b: Briefing, *, tz: tzinfo = UTC) -> str:
    """Return "N sources · first seen … · updated …"."""
    count = b.source_count
    parts = [f"{count} source{'' if count == 1 else 's'}"]
    if b.first_seen:
        parts.append(f"first seen {format_time(b.first_seen, tz)}")
    if b.last_updated:
        parts.append(f"updated {format_time(b.last_updated, tz)}")
    return " · ".join(parts)


def format_time(moment: datetime, tz: tzinfo = UTC) -> str:
    """Format a moment for a reader in ``tz``, e.g. "8 Jan 06:00 UTC"."""
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b %H:%M} {local.tzname() or ''}".rstrip()


def _mid_sentence(who: str) -> str:
    # "A source said" reads as "citing a source"; proper names keep their capitals.
    if who.split(" ", 1)[0] in ("A", "An", "The"):
        return who[0].lower() + who[1:]
    return who


def attribution(claim: Claim) -> str | None:
    """Return who a claim is attributed to, as it reads mid-sentence ("a source", "Iraq")."""
    return _mid_sentence(claim.attributed_to) if claim.attributed_to else None


def claim_label(claim: Claim) -> str:
    """Return "Outlet A, citing the defence ministry" or just "Outlet A"."""
    who = attribution(claim)
    return f"{claim.source}, citing {who}" if who else claim.source


def figure_phrases(claims: Sequence[Claim]) -> list[str]:
    """Return each distinct reported figure once: "15 missiles (citing state TV)", "no casualties"."""
    phrases: dict[tuple[str, str], str] = {}
    for c in claims:
        if c.about not in CATEGORIES and not any(ch.isdigit() for ch in c.value):
            continue  # "two bases", "several countries": context, not a reported figure
        figure = f"no {c.about}" if claim_value(c) == "none" else f"{c.value} {c.about}"
        who = attribution(c)
        notes = [f"citing {who}"] if who else []
        notes += [_SCOPE_NOTE[c.scope]] if c.scope in _SCOPE_NOTE else []
        note = f" ({', '.join(notes)})" if notes else ""
        phrases.setdefault((figure.lower(), c.about), figure + note)
    return list(phrases.values())


def claim_value(claim: Claim) -> str:
    """Return the figure as written, with "no"/"nobody" shown as "none"."""
    if claim.high == 0 and claim.value.lower() in ("no", "nobody", "zero", "none"):
        return "none"
    return claim.value


def value_groups(d: Difference) -> list[tuple[str, list[str]]]:
    """Return each distinct figure once, with the sources (and who they cite) behind it."""
    groups = []
    for _, claims in distinct_values(d):
        labels = list(dict.fromkeys(claim_label(c) for c in claims))
        groups.append((claim_value(claims[0]), labels))
    return groups


def more_figures(count: int) -> str:
    """Return "1 more figure" or "N more figures"."""
    return f"{count} more figure{'' if count == 1 else 's'}"


def voice_label(voice: Voice) -> str:
    """Return "reuters, citing Iraq" or "reuters": each source once, with whom it cites."""
    citing = [_mid_sentence(who) for who in voice.citing]
    if not citing:
        return voice.source
    return f"{voice.source}, citing {' and '.join(citing)}"


def reported_value(value: ReportedValue) -> str:
    """Return the figure as written, with "no"/"nobody" shown as "none"."""
    if value.is_none and value.value.lower() in ("no", "nobody", "zero", "none", "no one"):
        return "none"
    return value.value


def value_sources(value: ReportedValue) -> str:
    """Return "AFP, citing the agency; BBC; +2 more sources"."""
    labels = [voice_label(v) for v in value.voices]
    if value.more_sources:
        labels.append(f"+{value.more_sources} more source{'s' if value.more_sources > 1 else ''}")
    return "; ".join(labels)


def earlier_phrase(line: FigureLine) -> str:
    """Return ", up from 1 → 5 → 11 in earlier reports" (or "down from"), or ""."""
    if not line.earlier:
        return ""
    direction = "up" if line.rising else "down"
    return f", {direction} from {' → '.join(line.earlier)} in earlier reports"


def more_values_phrase(line: FigureLine) -> str:
    """Return " / +3 more sources" for the figures a line leaves out, or ""."""
    if not line.more_values:
        return ""
    if line.more_sources:
        return f" / +{line.more_sources} more source{'s' if line.more_sources > 1 else ''}"
    return f" / +{line.more_values} more figure{'s' if line.more_values > 1 else ''}"


def figure_line_text(line: FigureLine) -> str:
    """Return one line such as "Missiles: 15 (Outlet B, citing state TV) / 22 (Outlet C)"."""
    about = line.about[:1].upper() + line.about[1:]
    if line.kind == "agreement" and len(line.values) == 1:
        value = reported_value(line.values[0])
        total = line.sources_total or line.sources
        return f"{about}: {value} — {line.sources} of {total} sources{earlier_phrase(line)}"
    values = " / ".join(f"{reported_value(v)} ({value_sources(v)})" for v in line.values)
    return f"{about}: {values}{more_values_phrase(line)}{earlier_phrase(line)}"


def difference_line(d: Difference) -> str:
    """Return one line such as "Missiles: 15 (Outlet B, citing state TV) / 22 (Outlet C)"."""
    about = d.about[:1].upper() + d.about[1:]
    if d.kind == "agreement":
        sources = len({c.source for c in d.claims})
        total = d.sources_total or sources
        value = claim_value(d.claims[0]) if d.claims else ""
        return f"{about}: {value} — {sources} of {total} sources"
    values = " / ".join(f"{value} ({'; '.join(labels)})" for value, labels in value_groups(d))
    return f"{about}: {values}"


def spelling_line(variants: NameVariants) -> str:
    """Return one line such as "Erbil (Outlet B) / Irbil (Outlet A)"."""
    return " / ".join(f"{s.name} ({', '.join(s.sources)})" for s in variants.spellings)


def _change_lines(change: Change, tz: tzinfo) -> list[str]:
    when = f", {format_time(change.at, tz)}" if change.at else ""
    lines = [
        f"  {change.source}: version {change.from_version} → {change.to_version}{when}",
    ]
    diff = change.diff
    if diff.headline_change:
        lines += _wrap(f"headline: {diff.headline_change.old} → {diff.headline_change.new}")
    for figure in diff.figures:
        lines += _wrap(f"figure: {figure.old} → {figure.new} ({figure.sentence})")
    for sentence in diff.added:
        lines += _wrap(f"+ {sentence}")
    for sentence in diff.removed:
        lines += _wrap(f"- {sentence}")
    for reworded in diff.reworded:
        lines += _wrap(f"~ {reworded.old} → {reworded.new}")
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


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def briefing_to_dict(b: Briefing) -> dict[str, object]:
    """Return the stable JSON shape of one briefing (datetimes as ISO 8601 UTC or None)."""
    return {
        "id": b.event_id,
        "headline": b.headline,
        "first_seen": _iso(b.first_seen),
        "last_updated": _iso(b.last_updated),
        "summary": [{"text": s.text, "source": s.source} for s in b.summary],
        "sources": [
            {
                "name": entry.name,
                "articles": [
                    {"title": a.title, "location": a.location, "versions": a.versions}
                    for a in entry.articles
                ],
            }
            for entry in b.sources
        ],
        "differences": [
            {
                "about": d.about,
                "kind": d.kind,
                "claims": [_claim_to_dict(c) for c in d.claims],
                "earlier": [_claim_to_dict(c) for c in d.earlier],
            }
            for d in b.differences
        ],
        "changes": [_change_to_dict(c) for c in b.changes],
        "spellings": [
            [{"name": s.name, "sources": list(s.sources)} for s in v.spellings] for v in b.spellings
        ],
    }


def _claim_to_dict(c: Claim) -> dict[str, object]:
    return {
        "value": c.value,
        "source": c.source,
        "attributed_to": c.attributed_to,
        "sentence": c.sentence,
        "version": c.version,
        "at": _iso(c.at),
    }


def _change_to_dict(change: Change) -> dict[str, object]:
    diff = change.diff
    headline = diff.headline_change
    return {
        "source": change.source,
        "location": change.location,
        "from_version": change.from_version,
        "to_version": change.to_version,
        "headline_change": {"old": headline.old, "new": headline.new} if headline else None,
        "added": list(diff.added),
        "removed": list(diff.removed),
        "reworded": [{"old": r.old, "new": r.new} for r in diff.reworded],
        "figures": [{"old": f.old, "new": f.new, "sentence": f.sentence} for f in diff.figures],
        "substantive": diff.substantive,
    }


def briefings_to_json(bs: Sequence[Briefing]) -> str:
    """Return ``{"events": [...]}`` as indented JSON."""
    return json.dumps({"events": [briefing_to_dict(b) for b in bs]}, indent=2, ensure_ascii=False)
