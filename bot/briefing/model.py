"""Plain data shared by the briefing core, storage and the renderers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version of an article (version 1 is the first seen)."""

    number: int
    title: str
    text: str
    published: datetime | None = None
    updated: datetime | None = None
    fetched: datetime | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """An article with all its versions, oldest first."""

    id: int
    source: str
    location: str
    versions: tuple[Version, ...]
    first_seen: datetime | None = None

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    @property
    def title(self) -> str:
        return self.latest.title

    @property
    def published(self) -> datetime | None:
        return self.versions[0].published or self.latest.published


@dataclass(frozen=True, slots=True)
class Features:
    """Unit-length sparse vectors (before IDF) of one document's words, names and numbers."""

    terms: dict[str, float]
    names: dict[str, float]
    numbers: dict[str, float]


# What choosing a headline reads of a version: its display title, and the unit word vector of
# that title and its lead (bot/briefing/headline.py).
Profile = tuple[str | None, dict[str, float]]


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """One version's clustering features, revision weights and headline profile (analysis.py)."""

    features: Features
    revision: dict[str, float]
    """``features.revision_weights`` with ``revision_config`` (name, pair and title weights)."""
    revision_config: tuple[float, float, float]
    headline: Profile


@dataclass(frozen=True, slots=True)
class Document:
    """What the clusterer sees of one article (its latest version)."""

    id: int
    title: str
    text: str
    published: datetime | None = None
    source: str = ""
    # Its title's and text's analysis when worked out already (it equals analyse_text's).
    analysis: TextAnalysis | None = field(default=None, compare=False, repr=False)


# --- what changed between versions -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeadlineChange:
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Reworded:
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class FigureChange:
    """A figure that changed, e.g. "30 killed" became "80 killed"."""

    old: str
    new: str
    sentence: str


@dataclass(frozen=True, slots=True)
class RevisedFigure:
    """A figure an update revised, with who the new one is attributed to."""

    old: str
    new: str
    attributed_to: str | None
    sentence: str


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """What a reader is told about one update: a few verbatim lines and how many were left out.

    Every text is copied from the article; ``speakers`` are names as written in the new
    statements ("Hoffman (Pentagon)"), ``quotes`` the one or two statements that matter most.
    """

    headline: HeadlineChange | None = None
    figures: tuple[RevisedFigure, ...] = ()
    speakers: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    rewordings: tuple[Reworded, ...] = ()
    corrections: tuple[str, ...] = ()
    moved: int = 0
    more_sentences: int = 0

    @property
    def line_count(self) -> int:
        """Return how many lines the summary takes, its "+k more sentences" line included."""
        return (
            len(self.corrections)
            + (self.headline is not None)
            + len(self.figures)
            + bool(self.speakers or self.quotes)
            + len(self.quotes)
            + len(self.removed)
            + len(self.added)
            + len(self.rewordings)
            + bool(self.moved)
            + bool(self.more_sentences)
        )


@dataclass(frozen=True, slots=True)
class VersionDiff:
    headline_change: HeadlineChange | None
    added: tuple[str, ...]
    removed: tuple[str, ...]
    reworded: tuple[Reworded, ...]
    figures: tuple[FigureChange, ...]
    substantive: bool
    summary: ChangeSummary = ChangeSummary()


# --- where sources differ -------------------------------------------------------------------


Scope = Literal["event", "background", "partial"]


@dataclass(frozen=True, slots=True)
class Claim:
    """A quantity an article reports, with who it is attributed to and where it came from.

    ``value`` is the figure exactly as written ("more than a dozen", "15", "no"); ``low`` and
    ``high`` are its normalised numeric range (both 0 for "no casualties"). ``scope`` says whether
    it is this event's figure, an earlier event's ("the 2004 tsunami that killed 230,000") or a
    part of the total ("in one village"); ``version`` and ``at`` say which version of the article
    said it and when (its updated, published or fetched time); ``on`` is the day the figure's own
    clause dates it to ("on Saturday, ... killed 12"), when it names one.
    """

    about: str
    value: str
    low: float | None
    high: float | None
    source: str
    attributed_to: str | None
    sentence: str
    article_id: int = 0
    scope: Scope = "event"
    version: int = 1
    at: datetime | None = None
    in_headline: bool = False
    on: date | None = None


# conflict: different figures at about the same time from different voices; progression: a
# figure that grew (or was revised) over time; agreement: one figure from several sources.
DifferenceKind = Literal["conflict", "progression", "agreement", "single_source"]


@dataclass(frozen=True, slots=True)
class Difference:
    """Claims about one quantity across an event's sources.

    ``claims`` are the current figures (each source's latest); ``earlier`` the figures they
    replaced, oldest first, for a progression or a revision.
    """

    about: str
    kind: DifferenceKind
    claims: tuple[Claim, ...]
    sources_total: int = 0
    earlier: tuple[Claim, ...] = ()


@dataclass(frozen=True, slots=True)
class Spelling:
    """One way a name is written, and the sources that write it so."""

    name: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NameVariants:
    """Spellings of one name that differ between sources ("Erbil" and "Irbil")."""

    spellings: tuple[Spelling, ...]


# --- summary and briefing ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SummarySentence:
    text: str
    source: str
    article_id: int = 0


@dataclass(frozen=True, slots=True)
class SourceArticle:
    title: str
    location: str
    versions: int
    first_seen: datetime | None = None


@dataclass(frozen=True, slots=True)
class SourceEntry:
    name: str
    articles: tuple[SourceArticle, ...]
    claims: tuple[Claim, ...] = ()


@dataclass(frozen=True, slots=True)
class Change:
    """The diff between two consecutive versions of one article."""

    source: str
    location: str
    title: str
    from_version: int
    to_version: int
    diff: VersionDiff
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Briefing:
    event_id: int
    headline: str
    first_seen: datetime | None
    last_updated: datetime | None
    summary: tuple[SummarySentence, ...]
    sources: tuple[SourceEntry, ...]
    differences: tuple[Difference, ...] = ()
    changes: tuple[Change, ...] = ()
    spellings: tuple[NameVariants, ...] = ()

    @property
    def source_count(self) -> int:
        return len(self.sources)
