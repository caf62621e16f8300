"""SQLModel tables, each with the mapping to the plain record the rest of the code sees."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from bot.briefing.model import Article, Document, Version
from storage.records import (
    AlertMark,
    AliasRecord,
    EventRecord,
    FeedRecord,
    OutboxRecord,
    ProcessRecord,
    RefetchTarget,
    SubscriberRecord,
)
from storage.types import UTCDateTime


def _dt(nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class SourceRow(SQLModel, table=True):
    """A news outlet (or an inbox folder standing for one)."""

    __tablename__ = "sources"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = Field(sa_column=_dt(nullable=False))


class FeedRow(SQLModel, table=True):
    """An RSS/Atom/RDF/JSON feed polled on a schedule, with its HTTP cache and error state."""

    __tablename__ = "feeds"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000, unique=True)
    name: str = Field(max_length=200)
    interval_seconds: int | None = None
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=200)
    last_polled_at: datetime | None = Field(default=None, sa_column=_dt())
    next_poll_at: datetime | None = Field(default=None, sa_column=_dt(index=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error_count: int = 0
    created_at: datetime = Field(sa_column=_dt(nullable=False))
    # The last poll that answered with a usable feed (or "not modified").
    last_success_at: datetime | None = Field(default=None, sa_column=_dt())
    # The process polling it now (its next_poll_at is then the end of that claim's lease).
    claimed_by: str | None = Field(default=None, max_length=40)

    def to_record(self) -> FeedRecord:
        assert self.id is not None
        return FeedRecord(
            id=self.id,
            url=self.url,
            name=self.name,
            interval_seconds=self.interval_seconds,
            etag=self.etag,
            last_modified=self.last_modified,
            last_polled_at=self.last_polled_at,
            next_poll_at=self.next_poll_at,
            last_error=self.last_error,
            error_count=self.error_count,
            last_success_at=self.last_success_at,
        )


class ArticleRow(SQLModel, table=True):
    """An article: one stable identity (canonical URL, or source plus path)."""

    __tablename__ = "articles"

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(max_length=2000, unique=True)
    source_id: int = Field(foreign_key="sources.id", index=True)
    location: str = Field(max_length=2000)
    event_id: int | None = Field(default=None, foreign_key="events.id", index=True)
    fingerprint: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    first_seen: datetime = Field(sa_column=_dt(nullable=False, index=True))
    next_refetch_at: datetime | None = Field(default=None, sa_column=_dt(index=True))

    def to_record(self, *, source: str, versions: tuple[Version, ...]) -> Article:
        assert self.id is not None
        return Article(
            id=self.id,
            source=source,
            location=self.location,
            versions=versions,
            first_seen=self.first_seen,
        )

    def to_refetch_target(self, *, source: str) -> RefetchTarget:
        assert self.id is not None
        return RefetchTarget(
            article_id=self.id,
            identity=self.identity,
            location=self.location,
            source=source,
            first_seen=self.first_seen,
        )


class ArticleVersionRow(SQLModel, table=True):
    """One version of an article's headline and text; old versions are kept."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id", index=True)
    number: int
    title: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str = Field(max_length=64, index=True)
    published: datetime | None = Field(default=None, sa_column=_dt())
    updated: datetime | None = Field(default=None, sa_column=_dt())
    fetched: datetime = Field(sa_column=_dt(nullable=False))

    def to_record(self) -> Version:
        return Version(
            number=self.number,
            title=self.title,
            text=self.text,
            published=self.published,
            updated=self.updated,
            fetched=self.fetched,
        )

    def to_document(self, *, source: str) -> Document:
        """Return this version as the document the event index clusters."""
        return Document(
            id=self.article_id,
            title=self.title,
            text=self.text,
            published=self.published or self.updated,
            source=source,
        )


class ArticleAliasRow(SQLModel, table=True):
    """Another identity of a stored article: a syndicated copy found to be a duplicate of it."""

    __tablename__ = "article_aliases"

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(max_length=2000, unique=True)
    article_id: int = Field(foreign_key="articles.id", index=True, ondelete="CASCADE")
    # The copy's content when it was recognised: the same content again is a duplicate at once.
    content_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_dt(nullable=False))

    def to_record(self, *, article_location: str) -> AliasRecord:
        return AliasRecord(
            identity=self.identity,
            article_id=self.article_id,
            article_location=article_location,
            content_hash=self.content_hash,
            created_at=self.created_at,
        )


class EventRow(SQLModel, table=True):
    """One real-world happening, reported by one or more articles."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    headline: str = Field(sa_column=Column(Text, nullable=False))
    first_seen: datetime = Field(sa_column=_dt(nullable=False))
    last_updated: datetime = Field(sa_column=_dt(nullable=False, index=True))
    # When the event last changed in substance (new source, substantive version, new figure).
    changed_at: datetime = Field(sa_column=_dt(nullable=False, index=True))
    # When its articles say it was first reported and last updated (see ingest/dates.py);
    # nullable only for the migration's sake (0005).
    first_reported: datetime | None = Field(default=None, sa_column=_dt())
    last_reported: datetime | None = Field(default=None, sa_column=_dt(index=True))
    article_count: int = 0
    source_count: int = 0
    # A digest of what subscribers were last told, to tell substance from noise.
    signature: str = Field(default="", max_length=64)
    # The first placement whose analysis (signature, changed_at) is still to do, or None: an
    # event is analysed when it is read or alerted, not at every store (0010).
    analysis_due: datetime | None = Field(default=None, sa_column=_dt(index=True))

    def to_record(self) -> EventRecord:
        assert self.id is not None
        return EventRecord(
            id=self.id,
            headline=self.headline,
            first_seen=self.first_seen,
            last_updated=self.last_updated,
            changed_at=self.changed_at,
            article_count=self.article_count,
            source_count=self.source_count,
            signature=self.signature,
            first_reported=self.first_reported,
            last_reported=self.last_reported,
            analysis_due=self.analysis_due,
        )


class SubscriberRow(SQLModel, table=True):
    """A Telegram chat that receives alerts and a daily digest."""

    __tablename__ = "subscribers"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    timezone: str = Field(default="UTC", max_length=64)
    digest_time: str | None = Field(default="07:30", max_length=5)
    next_digest_at: datetime | None = Field(default=None, sa_column=_dt(index=True))
    last_digest_at: datetime | None = Field(default=None, sa_column=_dt())
    quiet_start: str | None = Field(default=None, max_length=5)
    quiet_end: str | None = Field(default=None, max_length=5)
    active: bool = True
    created_at: datetime = Field(sa_column=_dt(nullable=False))
    # When the chat last came on (/start after /stop or a block): no alerts about older changes.
    # Nullable only for the migration's sake (see 0002); NULL reads as created_at.
    active_since: datetime | None = Field(default=None, sa_column=_dt())
    # The chat's language (a catalog code such as "de"); NULL follows Telegram's language_code.
    language: str | None = Field(default=None, max_length=16)
    link_previews: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    # The event ids of the chat's last numbered list (/events or a digest), as "12,7,3":
    # "/summary 2" means the second of them.
    listed_events: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # A forum topic (/here) the chat's alerts and digests go to; NULL: the chat itself.
    thread_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The private chat that manages this channel (/connect): its settings commands act here.
    managed_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))

    def to_record(self) -> SubscriberRecord:
        assert self.id is not None
        return SubscriberRecord(
            id=self.id,
            chat_id=self.chat_id,
            timezone=self.timezone,
            digest_time=self.digest_time,
            next_digest_at=self.next_digest_at,
            last_digest_at=self.last_digest_at,
            quiet_start=self.quiet_start,
            quiet_end=self.quiet_end,
            active=self.active,
            created_at=self.created_at,
            active_since=self.active_since or self.created_at,
            language=self.language,
            link_previews=self.link_previews,
            listed_events=tuple(
                int(i) for i in (self.listed_events or "").split(",") if i.isdigit()
            ),
            thread_id=self.thread_id,
            managed_by=self.managed_by,
        )


class SubscriptionRow(SQLModel, table=True):
    """What a subscriber wants: every event (empty keywords) or events matching keywords."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("subscriber_id", "keywords"),)

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscribers.id", index=True, ondelete="CASCADE")
    keywords: str = Field(default="", max_length=500)
    created_at: datetime = Field(sa_column=_dt(nullable=False))


class EventAliasRow(SQLModel, table=True):
    """An event merged into another by a revision: its old id still leads to the survivor."""

    __tablename__ = "event_aliases"

    event_id: int = Field(primary_key=True, foreign_key="events.id", ondelete="CASCADE")
    target_id: int = Field(foreign_key="events.id", index=True, ondelete="CASCADE")
    merged_at: datetime = Field(sa_column=_dt(nullable=False))


class EventAlertRow(SQLModel, table=True):
    """What one chat was last told about one event (for the alert window)."""

    __tablename__ = "event_alerts"
    __table_args__ = (UniqueConstraint("subscriber_id", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscribers.id", index=True, ondelete="CASCADE")
    event_id: int = Field(foreign_key="events.id", index=True, ondelete="CASCADE")
    last_sent_at: datetime | None = Field(default=None, sa_column=_dt())
    signature: str = Field(default="", max_length=64)
    # What the last alert told (sources, headline figures), to say next time what is new.
    told: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The outbox key of the chat's alert about the event: later updates reply to it and edit it.
    message_key: str | None = Field(default=None, max_length=200)
    # "follow" (every update, no window) or "mute" (nothing more about the event); NULL: neither.
    follow: str | None = Field(default=None, max_length=10)

    def to_record(self) -> AlertMark:
        return AlertMark(
            self.subscriber_id,
            self.event_id,
            self.last_sent_at,
            self.signature,
            self.told or "",
            self.message_key,
            self.follow or "",
        )


class OutboxRow(SQLModel, table=True):
    """A message waiting to be delivered (or delivered), keyed for exactly-once sending."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    kind: str = Field(max_length=20)
    text: str = Field(sa_column=Column(Text, nullable=False))
    parse_mode: str | None = Field(default="HTML", max_length=20)
    reply_markup: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    silent: bool = False
    previews: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    thread_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The message this one replies to ("update") or replaces ("edit"), by its outbox key.
    target_key: str | None = Field(default=None, max_length=200)
    state: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=_dt(nullable=False))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=_dt(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=_dt())
    telegram_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    # The process that claimed it ("sending"); another takes it over only once that one is dead.
    claimed_by: str | None = Field(default=None, max_length=40)

    def to_record(self) -> OutboxRecord:
        assert self.id is not None
        return OutboxRecord(
            id=self.id,
            idempotency_key=self.idempotency_key,
            chat_id=self.chat_id,
            kind=self.kind,
            text=self.text,
            parse_mode=self.parse_mode,
            reply_markup=self.reply_markup,
            silent=self.silent,
            state=self.state,
            attempts=self.attempts,
            next_attempt_at=self.next_attempt_at,
            last_error=self.last_error,
            sent_at=self.sent_at,
            telegram_message_id=self.telegram_message_id,
            previews=self.previews,
            thread_id=self.thread_id,
            target_key=self.target_key,
        )


class ProcessRow(SQLModel, table=True):
    """A running `briefbot run` sharing the database: its roles, heartbeat and lag."""

    __tablename__ = "processes"

    id: str = Field(primary_key=True, max_length=40)
    host: str = Field(max_length=255)
    pid: int
    # The server process of its lock connection: gone at once when the process dies.
    backend_pid: int | None = None
    roles: str = Field(max_length=200)
    wanted: str = Field(max_length=200)
    lag: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    started_at: datetime = Field(sa_column=_dt(nullable=False))
    heartbeat_at: datetime = Field(sa_column=_dt(nullable=False))

    def to_record(self) -> ProcessRecord:
        return ProcessRecord(
            id=self.id,
            host=self.host,
            pid=self.pid,
            roles=tuple(r for r in self.roles.split(",") if r),
            wanted=tuple(r for r in self.wanted.split(",") if r),
            lag=json.loads(self.lag) if self.lag else {},
            started_at=self.started_at,
            heartbeat_at=self.heartbeat_at,
        )


class RoleFenceRow(SQLModel, table=True):
    """Who holds a single-owner role, with a token that grows at every takeover (a fence)."""

    __tablename__ = "role_fences"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=40)
    token: int = Field(sa_column=Column(BigInteger, nullable=False))
    since: datetime = Field(sa_column=_dt(nullable=False))


class PlacementRow(SQLModel, table=True):
    """An article stored (or given a new version) by a process that does not own the event
    index: the owner places these into events in arrival order."""

    __tablename__ = "placements"

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id", ondelete="CASCADE")
    queued_at: datetime = Field(sa_column=_dt(nullable=False))


# The keyword search's text index (see EventRepository.list_matching_events): a case-insensitive
# substring match over event headlines and every version's title, which a B-tree cannot serve.
# SQLite: FTS5 tables of trigrams over the two columns (external content: the rows stay in their
# tables), kept in step by triggers, so every writer (bulk loads included) keeps them current.
# PostgreSQL: trigram GIN indexes (pg_trgm) on the lowered columns, which serve LIKE '%word%'.
# Neither is described by the tables above; migration 0009 creates them, create_all() too.
TEXT_INDEX_TABLES = ("events_fts", "article_versions_fts")


def _fts(table: str, column: str) -> list[str]:
    fts = f"{table}_fts"
    delete = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    insert = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='id',"
        " tokenize='trigram')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        # Only a changed value touches the index: every refresh writes the headline back.
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table}"
        f" WHEN old.{column} IS NOT new.{column} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def text_index_ddl(dialect: str) -> list[str]:
    """Return the statements that create (and fill) the text index on this database."""
    if dialect == "sqlite":
        return [*_fts("events", "headline"), *_fts("article_versions", "title")]
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",  # 0009 goes on without it where refused
        "CREATE INDEX ix_events_headline_trgm ON events USING gin (lower(headline) gin_trgm_ops)",
        "CREATE INDEX ix_article_versions_title_trgm ON article_versions"
        " USING gin (lower(title) gin_trgm_ops)",
    ]


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Tell Alembic's schema comparison to skip the text index (the tables do not describe it)."""
    return name is None or not (name.endswith("_trgm") or name.startswith(TEXT_INDEX_TABLES))
