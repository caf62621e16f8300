"""Build core model objects with sensible defaults for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.briefing.changes import summarize_diff
from bot.briefing.model import (
    Article,
    Briefing,
    Change,
    Claim,
    Difference,
    FigureChange,
    HeadlineChange,
    Reworded,
    SourceArticle,
    SourceEntry,
    SummarySentence,
    Version,
    VersionDiff,
)

T0 = datetime(2024, 1, 8, 6, 0, tzinfo=UTC)


def make_article(
    id: int = 1,
    *,
    source: str = "Outlet A",
    title: str = "Untitled",
    text: str = "",
    published: datetime | None = None,
    location: str | None = None,
    versions: tuple[Version, ...] | None = None,
) -> Article:
    """Return an article with one version unless ``versions`` is given."""
    return Article(
        id=id,
        source=source,
        location=location or f"https://example.org/{id}",
        versions=versions or (Version(number=1, title=title, text=text, published=published),),
        first_seen=published,
    )


def claim(
    value: str,
    source: str,
    *,
    about: str = "missiles",
    low: float | None = None,
    high: float | None = None,
    attributed_to: str | None = None,
    sentence: str = "",
) -> Claim:
    """Return a claim; ``sentence`` defaults to one that mentions the value."""
    return Claim(
        about=about,
        value=value,
        low=low,
        high=high,
        source=source,
        attributed_to=attributed_to,
        sentence=sentence or f"{source} reported {value} {about}.",
    )


def missile_strike_briefing() -> Briefing:
    """Return the briefing for a missile strike that three outlets count differently."""
    a, b, c = "Outlet A", "Outlet B", "Outlet C"
    missiles = Difference(
        about="missiles",
        kind="conflict",
        claims=(
            claim("more than a dozen", a, low=13, high=None, attributed_to="the defence ministry"),
            claim("15", b, low=15, high=15, attributed_to="state TV"),
            claim("22", b, low=22, high=22, attributed_to="Iraq"),
        ),
        sources_total=3,
    )
    killed = Difference(
        about="killed",
        kind="agreement",
        claims=(
            claim("22", a, about="killed", low=22, high=22),
            claim("22", c, about="killed", low=22, high=22),
        ),
        sources_total=3,
    )
    injured = Difference(
        about="injured",
        kind="single_source",
        claims=(claim("40", c, about="injured", low=40, high=40, attributed_to="a hospital"),),
        sources_total=3,
    )
    headline = HeadlineChange(old="Missiles hit air base", new="Missiles hit air base, 22 killed")
    added = ("Rescue teams were still searching the rubble on Tuesday evening.",)
    reworded = (
        Reworded(old="At least 10 people were killed.", new="At least 22 people were killed."),
    )
    figures = (FigureChange(old="10", new="22", sentence="At least 22 people were killed."),)
    diff = VersionDiff(
        headline_change=headline,
        added=added,
        removed=(),
        reworded=reworded,
        figures=figures,
        substantive=True,
        summary=summarize_diff(headline, added, (), reworded, figures),
    )
    cosmetic = VersionDiff(
        headline_change=None, added=(), removed=(), reworded=(), figures=(), substantive=False
    )
    return Briefing(
        event_id=7,
        headline="Missiles hit air base in western Iraq",
        first_seen=T0,
        last_updated=T0 + timedelta(hours=5),
        summary=(
            SummarySentence("More than a dozen missiles struck the air base before dawn.", a, 1),
            SummarySentence("Rescue teams searched the rubble into the evening.", c, 3),
        ),
        sources=(
            SourceEntry(
                a,
                (SourceArticle("Missiles hit air base, 22 killed", "https://a.example/1", 2, T0),),
                missiles.claims[:1] + killed.claims[:1],
            ),
            SourceEntry(b, (SourceArticle("Strike on base", "https://b.example/x", 1, T0),), ()),
            SourceEntry(c, (SourceArticle("Base attacked", "file:///inbox/c.txt", 1),), ()),
        ),
        differences=(missiles, killed, injured),
        changes=(
            Change(a, "https://a.example/1", "Missiles hit air base", 1, 2, diff, T0),
            Change(b, "https://b.example/x", "Strike on base", 1, 2, cosmetic, T0),
        ),
    )
