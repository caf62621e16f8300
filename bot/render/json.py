"""Render briefings as the stable JSON interface (``briefbot brief --json``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.briefing.model import Briefing, Change, ChangeSummary, Claim


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
