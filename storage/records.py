"""Plain records that repositories return for things outside the briefing core's model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    headline: str
    first_seen: datetime
    last_updated: datetime
    changed_at: datetime
    article_count: int
    source_count: int
    signature: str


@dataclass(frozen=True, slots=True)
class AliasRecord:
    """An identity that stands for a stored article (a syndicated copy of it)."""

    identity: str
    article_id: int
    article_location: str
    content_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FeedRecord:
    id: int
    url: str
    name: str
    interval_seconds: int | None
    etag: str | None
    last_modified: str | None
    last_polled_at: datetime | None
    next_poll_at: datetime | None
    last_error: str | None
    error_count: int
    last_success_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    feeds: int
    failing_feeds: int
    sources: int
    articles: int
    versions: int
    events: int
    subscribers: int
    queued_messages: int
