"""Assemble a Briefing for one event from its articles."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.briefing.claims import compare_claims, extract_claims
from bot.briefing.diff import diff_versions
from bot.briefing.headline import choose_headline
from bot.briefing.model import (
    Article,
    Briefing,
    Change,
    Claim,
    Difference,
    SourceArticle,
    SourceEntry,
)
from bot.briefing.names import spelling_variants
from bot.briefing.summary import summarize

ClaimsOf = Callable[[Article], Sequence[Claim]]
ChangesOf = Callable[[Article], Sequence[Change]]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def reported_at(article: Article) -> datetime | None:
    """Return when an article says it was published, else when it was first seen here."""
    for version in article.versions:
        if version.published is not None:
            return version.published
    updates = [v.updated for v in article.versions if v.updated is not None]
    return min(updates, default=None) or article.first_seen or article.versions[0].fetched


def updated_at(article: Article) -> datetime | None:
    """Return when an article was last updated: its own stamps, else when a change was seen."""
    times = []
    for version in article.versions:
        own = version.updated or (version.published if version.number == 1 else None)
        times.append(own or version.fetched)
    return max((t for t in times if t is not None), default=None) or reported_at(article)


def event_times(articles: Sequence[Article]) -> tuple[datetime, datetime] | None:
    """Return when an event was first reported and last updated, by its articles' own times."""
    first = [t for a in articles if (t := reported_at(a)) is not None]
    last = [t for a in articles if (t := updated_at(a)) is not None]
    if not first or not last:
        return None
    return min(first), max(max(last), min(first))


def article_claims(article: Article) -> list[Claim]:
    """Return the claims of every version of an article, each with its version and time.

    Claims of older versions let the comparison tell a revised figure ("lowering an earlier
    toll") from a conflict; only the latest version's claims are the article's current figures.
    """
    claims: list[Claim] = []
    for version in article.versions:
        claims += extract_claims(
            version.text,
            source=article.source,
            article_id=article.id,
            title=version.title,
            version=version.number,
            at=version.updated or version.published or version.fetched or article.first_seen,
        )
    return claims


def version_changes(article: Article) -> list[Change]:
    """Return the diff of each consecutive pair of an article's versions."""
    return [
        Change(
            source=article.source,
            location=article.location,
            title=new.title,
            from_version=old.number,
            to_version=new.number,
            diff=diff_versions(old, new),
            at=new.updated or new.fetched,
        )
        for old, new in zip(article.versions, article.versions[1:], strict=False)
    ]


@dataclass(frozen=True, slots=True)
class EventAnalysis:
    """Everything about an event except its summary: cheap enough to redo on every article."""

    articles: tuple[Article, ...]
    sources: tuple[SourceEntry, ...]
    differences: tuple[Difference, ...]
    changes: tuple[Change, ...]
    headline: str = ""

    @property
    def signature(self) -> str:
        """Fingerprint what subscribers would be told: sources, conflicting figures, edits."""
        return signature(self.sources, self.differences, self.changes)


def in_order(articles: Sequence[Article]) -> list[Article]:
    """Return an event's articles in the order its analysis reads them: by their own times."""
    return sorted(articles, key=lambda a: (a.published or a.first_seen or _EPOCH, a.id))


def analyse_event(
    articles: Sequence[Article],
    *,
    claims_of: ClaimsOf = article_claims,
    changes_of: ChangesOf = version_changes,
    with_headline: bool = True,
) -> EventAnalysis:
    """Group an event's articles by source, compare their figures and diff their versions.

    Args:
        articles: the event's articles with all their versions.
        claims_of: returns an article's claims (callers may pass a memoised one).
        changes_of: returns an article's version changes (callers may pass a memoised one).
        with_headline: choose the headline too (without it, the analysis's headline is "").
    """
    ordered = in_order(articles)
    claims: list[Claim] = []
    by_source: dict[str, list[Article]] = {}
    latest = {a.id: a.latest.number for a in ordered}
    for article in ordered:
        claims.extend(claims_of(article))
        by_source.setdefault(article.source, []).append(article)
    sources = tuple(
        SourceEntry(
            name=name,
            articles=tuple(
                SourceArticle(
                    title=a.title,
                    location=a.location,
                    versions=len(a.versions),
                    first_seen=a.first_seen,
                )
                for a in group
            ),
            claims=tuple(
                c for c in claims if c.source == name and c.version == latest[c.article_id]
            ),
        )
        for name, group in by_source.items()
    )
    differences = compare_claims(claims, sources=tuple(by_source), latest_versions=latest)
    return EventAnalysis(
        articles=tuple(ordered),
        sources=sources,
        differences=tuple(differences),
        changes=tuple(change for a in ordered for change in changes_of(a)),
        headline=choose_headline(ordered) if with_headline else "",
    )


def build_briefing(
    event_id: int,
    articles: Sequence[Article],
    *,
    first_seen: datetime | None = None,
    last_updated: datetime | None = None,
    claims_of: ClaimsOf = article_claims,
    changes_of: ChangesOf = version_changes,
) -> Briefing:
    """Build the briefing of one event.

    Args:
        event_id: the event's id, carried into the briefing.
        articles: the event's articles with all their versions, in arrival order.
        first_seen: when the event was first reported (defaults to its articles' own times,
            see ``event_times``).
        last_updated: when the event was last updated (the same default).
        claims_of: returns an article's claims (callers may pass a memoised one).
        changes_of: returns an article's version changes (callers may pass a memoised one).
    """
    analysis = analyse_event(articles, claims_of=claims_of, changes_of=changes_of)
    ordered = analysis.articles
    times = event_times(ordered)
    read = summary_articles(ordered)
    return Briefing(
        event_id=event_id,
        headline=analysis.headline,
        first_seen=first_seen or (times[0] if times else None),
        last_updated=last_updated or (times[1] if times else None),
        summary=summarize(read),
        sources=analysis.sources,
        differences=analysis.differences,
        changes=analysis.changes,
        spellings=tuple(spelling_variants((a.source, a.latest.text) for a in read)),
    )


SUMMARY_ARTICLES = 60
"""Summarise (and look for name spellings in) at most this many of an event's articles.

Choosing sentences compares every sentence with every article, so a huge event (thousands of
near-identical copies) took minutes; sixty articles taken across its sources say what it says.
Figures, sources and changes still come from every article (memoised per article)."""


def summary_articles(ordered: Sequence[Article]) -> Sequence[Article]:
    """Return the articles to read text from: all, or the oldest of each source in turn.

    Args:
        ordered: the event's articles, oldest first.
    """
    if len(ordered) <= SUMMARY_ARTICLES:
        return ordered
    by_source: dict[str, list[int]] = {}
    for n, article in enumerate(ordered):
        by_source.setdefault(article.source, []).append(n)
    chosen: list[int] = []
    depth = 0
    while len(chosen) < SUMMARY_ARTICLES:
        chosen += [group[depth] for group in by_source.values() if depth < len(group)]
        depth += 1
    return [ordered[n] for n in sorted(chosen[:SUMMARY_ARTICLES])]


def signature(
    sources: Sequence[SourceEntry], differences: Sequence[Difference], changes: Sequence[Change]
) -> str:
    """Fingerprint sources, conflicting figures and substantive edits (cosmetic ones never count)."""
    parts = sorted(s.name for s in sources)
    parts += sorted(
        f"{d.about}:{d.kind}:" + "|".join(sorted({c.value for c in d.claims}))
        for d in differences
        if d.kind in ("conflict", "progression")
    )
    parts += sorted(f"{c.location}#{c.to_version}" for c in changes if c.diff.substantive)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
