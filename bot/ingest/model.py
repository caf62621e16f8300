"""What every ingestion path produces and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.briefing.model import TextAnalysis


@dataclass(frozen=True, slots=True)
class ArticleAnalysis:
    """What storing and placing one article read of its title and text (analysis.py)."""

    fingerprint: bytes | None
    text: TextAnalysis


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    """One article read from a feed entry, a page, a file or an uploaded document."""

    title: str
    text: str
    source: str
    location: str  # the URL, or the file path as given
    identity: str  # canonical URL, or "file:<source>/<path below the source folder>"
    published: datetime | None = None
    updated: datetime | None = None
    # The text came from the article's web page: fetch it again later to catch edits.
    refetch: bool = False
    # The file the article was read from, when it came from one (``location`` may be its URL).
    path: str | None = None
    # The analysis of exactly this title and text, when a parsing worker worked it out
    # (bot/ingest/analysis.py); whatever changes either must drop it.
    analysis: ArticleAnalysis | None = field(default=None, compare=False, repr=False)


class Outcome(StrEnum):
    NEW = "new article"
    VERSION = "new version"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What happened to one item; ``reason`` says why it was rejected or a duplicate.

    ``retry`` marks a rejection for a passing reason (the database failed, not the input): the
    item was not stored and must be offered again, so its feed or file is not marked as read.
    """

    location: str
    outcome: Outcome
    reason: str = ""
    article_id: int | None = None
    event_id: int | None = None
    title: str = ""
    retry: bool = False
    path: str | None = None
