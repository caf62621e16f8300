"""Render briefings as plain text for a terminal and as the stable JSON interface."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from bot.briefing.claims import distinct_values
from bot.briefing.model import Briefing, Change, ChangeSummary, Claim, Difference, NameVariants
from bot.briefing.numbers import CATEGORIES

WIDTH = 80


def briefing_to_text(b: Briefing, *, tz: tzinfo = UTC) -> str:
    """Render one briefing as readable plain text of about 80 columns."""
    lines = [b.headline, "=" * min(WIDTH, max(len(b.headline), 3))]
    lines.append(meta_line(b, tz=tz))
    if b.summary:
        lines.append("")
        for sentence in b.summary:
            lines += _wrap(f"{sentence.text} — {sentence.source}", "  ")
    conflicts = [d for d in b.differences if d.kind != "single_source"]
    singles = [d for d in b.differences if d.kind == "single_source"]
    if conflicts:
        lines += ["", "Where sources differ:"]
        for difference in conflicts:
            lines += _wrap(difference_line(difference), "  ")
    if singles:
        lines += ["", "Only in one source:"]
        for difference in singles:
            lines += _wrap(difference_line(difference), "  ")
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


def attribution(claim: Claim) -> str | None:
    """Return who a claim is attributed to, as it reads mid-sentence ("a source", "Iraq")."""
    who = claim.attributed_to
    # "A source said" reads as "citing a source"; proper names keep their capitals.
    if who and who.split(" ", 1)[0] in ("A", "An", "The"):
        who = who[0].lower() + who[1:]
    return who


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
        phrases.setdefault((figure.lower(), c.about), figure + (f" (citing {who})" if who else ""))
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
    for line in change_summary_lines(change.diff.summary):
        lines += _wrap(line)
    return lines


def change_summary_lines(summary: ChangeSummary) -> list[str]:
    """Return one plain line per item of an update's summary, "+k more sentences" last."""
    lines = [f"correction: {c}" for c in summary.corrections]
    if summary.headline:
        lines.append(f"headline: {summary.headline.old} → {summary.headline.new}")
    for figure in summary.figures:
        who = f" ({figure.attributed_to})" if figure.attributed_to else ""
        lines.append(f"revised: {figure.old} → {figure.new}{who}")
    if summary.speakers or summary.quotes:
        lines.append(statement_line(summary))
    lines += [f"  > {q}" for q in summary.quotes]
    lines += [f"removed: {s}" for s in summary.removed]
    lines += [f"+ {s}" for s in summary.added]
    lines += [f"reworded: {r.new}" for r in summary.rewordings]
    if summary.moved:
        lines.append(f"{summary.moved} sentence{'s' if summary.moved > 1 else ''} moved")
    if summary.more_sentences:
        lines.append(more_line(summary.more_sentences))
    return lines


def statement_line(summary: ChangeSummary) -> str:
    """Return "new: statement by Hoffman (Pentagon), Esper" or "new statement"."""
    if not summary.speakers:
        return "new statement" + ("s" if len(summary.quotes) > 1 else "")
    return f"new: statement by {', '.join(summary.speakers)}"


def more_line(count: int) -> str:
    """Return "+3 more sentences"."""
    return f"+{count} more sentence{'s' if count > 1 else ''}"


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
                "claims": [
                    {
                        "value": c.value,
                        "source": c.source,
                        "attributed_to": c.attributed_to,
                        "sentence": c.sentence,
                    }
                    for c in d.claims
                ],
            }
            for d in b.differences
        ],
        "changes": [_change_to_dict(c) for c in b.changes],
        "spellings": [
            [{"name": s.name, "sources": list(s.sources)} for s in v.spellings] for v in b.spellings
        ],
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
        "summary": _summary_to_dict(diff.summary),
    }


def _summary_to_dict(summary: ChangeSummary) -> dict[str, object]:
    headline = summary.headline
    return {
        "corrections": list(summary.corrections),
        "headline": {"old": headline.old, "new": headline.new} if headline else None,
        "revised_figures": [
            {"old": f.old, "new": f.new, "attributed_to": f.attributed_to, "sentence": f.sentence}
            for f in summary.figures
        ],
        "statements_by": list(summary.speakers),
        "quotes": list(summary.quotes),
        "removed": list(summary.removed),
        "added": list(summary.added),
        "reworded": [{"old": r.old, "new": r.new} for r in summary.rewordings],
        "moved": summary.moved,
        "more_sentences": summary.more_sentences,
        "lines": summary.line_count,
    }


def briefings_to_json(bs: Sequence[Briefing]) -> str:
    """Return ``{"events": [...]}`` as indented JSON."""
    return json.dumps({"events": [briefing_to_dict(b) for b in bs]}, indent=2, ensure_ascii=False)
