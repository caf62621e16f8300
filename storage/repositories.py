"""Repositories: take a session, never commit, return plain dataclasses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Insert, delete, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from bot.briefing.model import Article, Document, Version
from storage.records import AliasRecord, Counts, EventRecord, FeedRecord
from storage.tables import (
    ArticleAliasRow,
    ArticleRow,
    ArticleVersionRow,
    EventRow,
    Feed,
    OutboxMessage,
    Source,
    Subscriber,
)


def _insert_ignoring(session: AsyncSession, table: type, *, unique: str) -> Insert:
    """Return an INSERT into ``table`` that does nothing when ``unique`` is already taken."""
    if session.get_bind().dialect.name == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing(index_elements=[unique])
    return pg_insert(table).on_conflict_do_nothing(index_elements=[unique])


class SourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_or_create(self, name: str, *, now: datetime) -> int:
        """Return the id of the source called ``name``, creating it if needed."""
        query = select(Source.id).where(Source.name == name)
        found = (await self._session.exec(query)).first()
        if found is not None:
            return found
        # Another process may create the same source between our select and insert. "Do
        # nothing on conflict" keeps that from failing the whole unit of work (a unique
        # violation would abort a PostgreSQL transaction; SQLite's driver mishandles the
        # savepoint that could contain it), and the select after it sees the winner's row.
        values = {"name": name, "created_at": now}
        await self._session.exec(
            _insert_ignoring(self._session, Source, unique="name").values(**values)
        )
        created = (await self._session.exec(query)).first()
        assert created is not None, f"source {name!r} neither found nor created"
        return created


@dataclass(frozen=True, slots=True)
class RefetchTarget:
    """An article whose page is due to be fetched again to catch edits."""

    article_id: int
    identity: str
    location: str
    source: str
    first_seen: datetime


def _version(row: ArticleVersionRow) -> Version:
    return Version(
        number=row.number,
        title=row.title,
        text=row.text,
        published=row.published,
        updated=row.updated,
        fetched=row.fetched,
    )


class ArticleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _assemble(self, rows: Sequence[tuple[ArticleRow, str]]) -> list[Article]:
        if not rows:
            return []
        ids = [a.id for a, _ in rows]
        versions: dict[int, list[Version]] = defaultdict(list)
        query = (
            select(ArticleVersionRow)
            .where(col(ArticleVersionRow.article_id).in_(ids))
            .order_by(col(ArticleVersionRow.article_id), col(ArticleVersionRow.number))
        )
        for vrow in (await self._session.exec(query)).all():
            versions[vrow.article_id].append(_version(vrow))
        out = []
        for arow, source in rows:
            assert arow.id is not None
            out.append(
                Article(
                    id=arow.id,
                    source=source,
                    location=arow.location,
                    versions=tuple(versions[arow.id]),
                    first_seen=arow.first_seen,
                )
            )
        return out

    def _with_source(self) -> Select[ArticleRow, str]:
        return select(ArticleRow, Source.name).join(Source, col(Source.id) == ArticleRow.source_id)

    async def get(self, article_id: int) -> Article | None:
        """Return the article with all its versions, or None."""
        rows = (
            await self._session.exec(self._with_source().where(ArticleRow.id == article_id))
        ).all()
        found = await self._assemble(rows)
        return found[0] if found else None

    async def get_by_identity(self, identity: str) -> Article | None:
        """Return the article with this identity, or None."""
        query = self._with_source().where(ArticleRow.identity == identity)
        found = await self._assemble((await self._session.exec(query)).all())
        return found[0] if found else None

    async def latest_hash(self, article_id: int) -> str | None:
        """Return the content hash of the article's latest version."""
        query = (
            select(ArticleVersionRow.content_hash)
            .where(ArticleVersionRow.article_id == article_id)
            .order_by(col(ArticleVersionRow.number).desc())
            .limit(1)
        )
        return (await self._session.exec(query)).first()

    async def add(
        self,
        *,
        identity: str,
        source_id: int,
        location: str,
        fingerprint: bytes | None,
        now: datetime,
    ) -> int:
        """Insert a new article (without versions) and return its id."""
        row = ArticleRow(
            identity=identity,
            source_id=source_id,
            location=location,
            fingerprint=fingerprint,
            first_seen=now,
        )
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        return row.id

    async def add_version(
        self,
        *,
        article_id: int,
        title: str,
        text: str,
        content_hash: str,
        published: datetime | None,
        updated: datetime | None,
        now: datetime,
        fingerprint: bytes | None = None,
    ) -> int:
        """Append a version to an article and return its number."""
        last = (
            await self._session.exec(
                select(func.max(ArticleVersionRow.number)).where(
                    ArticleVersionRow.article_id == article_id
                )
            )
        ).first()
        number = (last or 0) + 1
        self._session.add(
            ArticleVersionRow(
                article_id=article_id,
                number=number,
                title=title,
                text=text,
                content_hash=content_hash,
                published=published,
                updated=updated,
                fetched=now,
            )
        )
        if fingerprint is not None:
            arow = await self._session.get(ArticleRow, article_id)
            assert arow is not None
            arow.fingerprint = fingerprint
            self._session.add(arow)
        await self._session.flush()
        return number

    async def fingerprints(self, source_id: int, *, since: datetime) -> list[tuple[int, bytes]]:
        """Return (article id, fingerprint) of the source's articles first seen since ``since``."""
        query = select(ArticleRow.id, ArticleRow.fingerprint).where(
            ArticleRow.source_id == source_id,
            col(ArticleRow.first_seen) >= since,
            col(ArticleRow.fingerprint).is_not(None),
        )
        return [(i, f) for i, f in (await self._session.exec(query)).all() if i and f]

    async def recent_fingerprints(
        self, source_id: int, *, since: datetime, limit: int
    ) -> list[tuple[int, str, bytes]]:
        """Return (id, location, fingerprint) of the source's newest fingerprinted articles."""
        query = (
            select(ArticleRow.id, ArticleRow.location, ArticleRow.fingerprint)
            .where(
                ArticleRow.source_id == source_id,
                col(ArticleRow.first_seen) >= since,
                col(ArticleRow.fingerprint).is_not(None),
            )
            .order_by(col(ArticleRow.id).desc())
            .limit(limit)
        )
        return [(i, loc, f) for i, loc, f in (await self._session.exec(query)).all() if i and f]

    async def add_alias(
        self, *, identity: str, article_id: int, content_hash: str, now: datetime
    ) -> None:
        """Record ``identity`` as another identity of the article (kept if already recorded)."""
        # Two processes may find the same copy at once; the first alias wins, and the unit of
        # work goes on instead of failing on the unique identity.
        values = {
            "identity": identity,
            "article_id": article_id,
            "content_hash": content_hash,
            "created_at": now,
        }
        await self._session.exec(
            _insert_ignoring(self._session, ArticleAliasRow, unique="identity").values(**values)
        )

    async def get_alias(self, identity: str) -> AliasRecord | None:
        """Return the alias with this identity and where its article lives, or None."""
        query = (
            select(ArticleAliasRow, ArticleRow.location)
            .join(ArticleRow, col(ArticleRow.id) == ArticleAliasRow.article_id)
            .where(ArticleAliasRow.identity == identity)
        )
        found = (await self._session.exec(query)).first()
        if found is None:
            return None
        alias, location = found
        return AliasRecord(
            identity=alias.identity,
            article_id=alias.article_id,
            article_location=location,
            content_hash=alias.content_hash,
            created_at=alias.created_at,
        )

    async def remove_alias(self, identity: str) -> None:
        """Forget an alias (its content no longer matches its article)."""
        await self._session.exec(
            delete(ArticleAliasRow).where(col(ArticleAliasRow.identity) == identity)
        )

    async def known_identities(self, identities: Sequence[str]) -> set[str]:
        """Return which of these identities are already stored, as articles or as aliases."""
        found: set[str] = set()
        unique = sorted(set(identities))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            for table in (ArticleRow, ArticleAliasRow):
                query = select(table.identity).where(col(table.identity).in_(chunk))
                found.update((await self._session.exec(query)).all())
        return found

    async def set_refetch(self, article_id: int, at: datetime | None) -> None:
        """Schedule (or, with None, stop) re-fetching an article's page."""
        row = await self._session.get(ArticleRow, article_id)
        if row is not None:
            row.next_refetch_at = at
            self._session.add(row)
            await self._session.flush()

    async def due_refetches(self, now: datetime, *, limit: int) -> list[RefetchTarget]:
        """Return the articles whose page is due to be fetched again, most overdue first."""
        query = (
            select(ArticleRow, Source.name)
            .join(Source, col(Source.id) == ArticleRow.source_id)
            .where(col(ArticleRow.next_refetch_at).is_not(None))
            .where(col(ArticleRow.next_refetch_at) <= now)
            .order_by(col(ArticleRow.next_refetch_at), col(ArticleRow.id))
            .limit(limit)
        )
        out = []
        for row, source in (await self._session.exec(query)).all():
            assert row.id is not None
            out.append(
                RefetchTarget(
                    article_id=row.id,
                    identity=row.identity,
                    location=row.location,
                    source=source,
                    first_seen=row.first_seen,
                )
            )
        return out

    async def set_event(self, article_id: int, event_id: int) -> None:
        """Assign an article to an event."""
        row = await self._session.get(ArticleRow, article_id)
        assert row is not None
        row.event_id = event_id
        self._session.add(row)
        await self._session.flush()

    async def event_of(self, article_id: int) -> int | None:
        """Return the event an article belongs to."""
        row = await self._session.get(ArticleRow, article_id)
        return None if row is None else row.event_id

    async def list_for_event(self, event_id: int) -> list[Article]:
        """Return the event's articles with their versions, oldest first."""
        query = (
            self._with_source()
            .where(ArticleRow.event_id == event_id)
            .order_by(col(ArticleRow.first_seen), col(ArticleRow.id))
        )
        return await self._assemble((await self._session.exec(query)).all())

    async def documents_since(self, since: datetime) -> list[tuple[Document, int]]:
        """Return (latest document, event id) of every article of events updated since ``since``."""
        latest = (
            select(
                ArticleVersionRow.article_id,
                func.max(ArticleVersionRow.number).label("number"),
            )
            .group_by(col(ArticleVersionRow.article_id))
            .subquery()
        )
        query = (
            select(ArticleRow, ArticleVersionRow, Source.name)
            .join(Source, col(Source.id) == ArticleRow.source_id)
            .join(latest, latest.c.article_id == ArticleRow.id)
            .join(
                ArticleVersionRow,
                (col(ArticleVersionRow.article_id) == ArticleRow.id)
                & (col(ArticleVersionRow.number) == latest.c.number),
            )
            .where(
                # Whole events, not partial ones: the index holds every member of an event.
                col(ArticleRow.event_id).in_(
                    select(EventRow.id).where(col(EventRow.last_updated) >= since)
                )
            )
            .order_by(col(ArticleRow.id))
        )
        out = []
        for arow, vrow, source in (await self._session.exec(query)).all():
            assert arow.id is not None and arow.event_id is not None
            doc = Document(
                id=arow.id,
                title=vrow.title,
                text=vrow.text,
                published=vrow.published or vrow.updated,
                source=source,
            )
            out.append((doc, arow.event_id))
        return out


def _event(row: EventRow) -> EventRecord:
    assert row.id is not None
    return EventRecord(
        id=row.id,
        headline=row.headline,
        first_seen=row.first_seen,
        last_updated=row.last_updated,
        changed_at=row.changed_at,
        article_count=row.article_count,
        source_count=row.source_count,
        signature=row.signature,
    )


class EventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, *, headline: str, now: datetime) -> int:
        """Insert a new event and return its id."""
        row = EventRow(headline=headline, first_seen=now, last_updated=now, changed_at=now)
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        return row.id

    async def get(self, event_id: int) -> EventRecord | None:
        row = await self._session.get(EventRow, event_id)
        return None if row is None else _event(row)

    async def update(
        self,
        event_id: int,
        *,
        headline: str | None = None,
        last_updated: datetime | None = None,
        changed_at: datetime | None = None,
        signature: str | None = None,
    ) -> EventRecord:
        """Refresh an event's counts from its articles and set the given fields."""
        row = await self._session.get(EventRow, event_id)
        assert row is not None
        counts = (
            await self._session.exec(
                select(
                    func.count(col(ArticleRow.id)), func.count(func.distinct(ArticleRow.source_id))
                ).where(ArticleRow.event_id == event_id)
            )
        ).one()
        row.article_count, row.source_count = int(counts[0]), int(counts[1])
        if headline is not None:
            row.headline = headline
        if last_updated is not None:
            row.last_updated = last_updated
        if changed_at is not None:
            row.changed_at = changed_at
        if signature is not None:
            row.signature = signature
        self._session.add(row)
        await self._session.flush()
        return _event(row)

    async def list_recent(
        self, *, limit: int = 10, since: datetime | None = None, min_sources: int = 1
    ) -> list[EventRecord]:
        """Return events by most recent update first."""
        query = select(EventRow).where(EventRow.source_count >= min_sources)
        if since is not None:
            query = query.where(col(EventRow.changed_at) > since)
        query = query.order_by(col(EventRow.last_updated).desc(), col(EventRow.id).desc()).limit(
            limit
        )
        return [_event(r) for r in (await self._session.exec(query)).all()]

    async def search(self, words: Sequence[str], *, limit: int = 10) -> list[EventRecord]:
        """Return recent events whose headline contains every word (case-insensitive)."""
        query = select(EventRow)
        for word in words:
            pattern = f"%{word.lower()}%"
            query = query.where(
                or_(
                    func.lower(EventRow.headline).like(pattern),
                    col(EventRow.id).in_(
                        select(ArticleRow.event_id)
                        .join(ArticleVersionRow, col(ArticleVersionRow.article_id) == ArticleRow.id)
                        .where(func.lower(ArticleVersionRow.title).like(pattern))
                    ),
                )
            )
        query = query.order_by(col(EventRow.last_updated).desc(), col(EventRow.id).desc()).limit(
            limit
        )
        return [_event(r) for r in (await self._session.exec(query)).all()]


def _feed(row: Feed) -> FeedRecord:
    assert row.id is not None
    return FeedRecord(
        id=row.id,
        url=row.url,
        name=row.name,
        interval_seconds=row.interval_seconds,
        etag=row.etag,
        last_modified=row.last_modified,
        last_polled_at=row.last_polled_at,
        next_poll_at=row.next_poll_at,
        last_error=row.last_error,
        error_count=row.error_count,
        last_success_at=row.last_success_at,
    )


class FeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, *, url: str, name: str, now: datetime, interval_seconds: int | None = None
    ) -> FeedRecord:
        """Insert a feed, due at once; return it (the existing one if the URL is known)."""
        existing = (await self._session.exec(select(Feed).where(Feed.url == url))).first()
        if existing is not None:
            return _feed(existing)
        row = Feed(
            url=url, name=name, interval_seconds=interval_seconds, next_poll_at=now, created_at=now
        )
        self._session.add(row)
        await self._session.flush()
        return _feed(row)

    async def list_all(self) -> list[FeedRecord]:
        """Return every feed, oldest first."""
        return [
            _feed(r) for r in (await self._session.exec(select(Feed).order_by(col(Feed.id)))).all()
        ]

    async def get(self, feed_id: int) -> FeedRecord | None:
        row = await self._session.get(Feed, feed_id)
        return None if row is None else _feed(row)

    async def find(self, url_or_id: str) -> FeedRecord | None:
        """Return the feed with this id or URL."""
        if url_or_id.isdigit():
            return await self.get(int(url_or_id))
        row = (await self._session.exec(select(Feed).where(Feed.url == url_or_id))).first()
        return None if row is None else _feed(row)

    async def find_by_name(self, name: str) -> FeedRecord | None:
        """Return the feed whose source name is ``name``."""
        row = (await self._session.exec(select(Feed).where(Feed.name == name))).first()
        return None if row is None else _feed(row)

    async def article_counts(self) -> dict[str, int]:
        """Return how many articles each source name holds (a feed's articles are its source's)."""
        query = (
            select(Source.name, func.count(col(ArticleRow.id)))
            .join(ArticleRow, col(ArticleRow.source_id) == col(Source.id))
            .group_by(col(Source.name))
        )
        return {name: int(n) for name, n in (await self._session.exec(query)).all()}

    async def remove(self, feed_id: int) -> bool:
        row = await self._session.get(Feed, feed_id)
        if row is None:
            return False
        await self._session.delete(row)
        await self._session.flush()
        return True

    async def due(self, now: datetime) -> list[FeedRecord]:
        """Return the feeds whose next poll time has come."""
        query = (
            select(Feed)
            .where(or_(col(Feed.next_poll_at).is_(None), col(Feed.next_poll_at) <= now))
            .order_by(col(Feed.next_poll_at), col(Feed.id))
        )
        return [_feed(r) for r in (await self._session.exec(query)).all()]

    async def record_poll(
        self,
        feed_id: int,
        *,
        now: datetime,
        next_poll_at: datetime,
        error: str | None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Store a poll's outcome; on success keep exactly the validators given (None forgets)."""
        row = await self._session.get(Feed, feed_id)
        if row is None:
            return
        row.last_polled_at = now
        row.next_poll_at = next_poll_at
        if error is None:
            row.last_success_at = now
            row.last_error = None
            row.error_count = 0
            row.etag = etag
            row.last_modified = last_modified
        else:
            row.last_error = error
            row.error_count += 1
        self._session.add(row)
        await self._session.flush()


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _count(self, model: type, *where: object) -> int:
        query = select(func.count()).select_from(model)
        for clause in where:
            query = query.where(clause)  # type: ignore[arg-type]
        return int((await self._session.exec(query)).one())

    async def counts(self) -> Counts:
        """Return how many of each thing the database holds."""
        return Counts(
            feeds=await self._count(Feed),
            failing_feeds=await self._count(Feed, col(Feed.last_error).is_not(None)),
            sources=await self._count(Source),
            articles=await self._count(ArticleRow),
            versions=await self._count(ArticleVersionRow),
            events=await self._count(EventRow),
            subscribers=await self._count(Subscriber, col(Subscriber.active).is_(True)),
            queued_messages=await self._count(
                OutboxMessage, col(OutboxMessage.state).in_(["pending", "sending"])
            ),
        )
