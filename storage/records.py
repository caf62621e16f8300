"""Plain records that repositories return for things outside the briefing core's model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.briefing.model import Article

# Outbox states: pending -> sending -> sent, or -> dead (chat gone / undeliverable).
PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"


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
    first_reported: datetime | None = None
    last_reported: datetime | None = None
    # Set while placements since this moment are not analysed (signature, changed_at) yet.
    analysis_due: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """A stored article as the store path needs it: all its versions, its event, its latest hash."""

    article: Article
    identity: str
    source_id: int
    event_id: int | None
    latest_hash: str


@dataclass(frozen=True, slots=True)
class AliasRecord:
    """An identity that stands for a stored article (a syndicated copy of it)."""

    identity: str
    article_id: int
    article_location: str
    content_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RefetchTarget:
    """An article whose page is due to be fetched again to catch edits."""

    article_id: int
    identity: str
    location: str
    source: str
    first_seen: datetime


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
class PollOutcome:
    """How one poll of one feed ended: what to store on its row."""

    feed_id: int
    now: datetime
    next_poll_at: datetime
    error: str | None  # None: the poll succeeded (or the feed was not modified)
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class SubscriberRecord:
    id: int
    chat_id: int
    timezone: str
    digest_time: str | None
    next_digest_at: datetime | None
    last_digest_at: datetime | None
    quiet_start: str | None
    quiet_end: str | None
    active: bool
    created_at: datetime
    active_since: datetime
    language: str | None = None
    link_previews: bool = False
    listed_events: tuple[int, ...] = ()
    thread_id: int | None = None
    managed_by: int | None = None


@dataclass(frozen=True, slots=True)
class AlertMark:
    """What one chat was last told about one event."""

    subscriber_id: int
    event_id: int
    last_sent_at: datetime | None
    signature: str
    told: str = ""
    message_key: str | None = None
    follow: str = ""  # "follow", "mute" or ""


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    id: int
    idempotency_key: str
    chat_id: int
    kind: str
    text: str
    parse_mode: str | None
    reply_markup: str | None
    silent: bool
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    telegram_message_id: int | None
    previews: bool = False
    thread_id: int | None = None
    target_key: str | None = None


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


@dataclass(frozen=True, slots=True)
class ProcessRecord:
    """One running bot process as it last reported itself."""

    id: str
    host: str
    pid: int
    roles: tuple[str, ...]
    wanted: tuple[str, ...]
    lag: dict[str, float]
    started_at: datetime
    heartbeat_at: datetime
