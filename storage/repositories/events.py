"""Events: real-world happenings, each reported by one or more articles."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, Table, bindparam, exists, func, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.briefing.model import Article, Version
from storage.records import EventRecord
from storage.repositories.event_search import RARE, SearchSQL, rarest
from storage.repositories.insert import NewIds
from storage.tables import ArticleRow, ArticleVersionRow, EventAliasRow, EventRow, SourceRow


def _not_merged() -> ColumnElement[bool]:
    """Leave out events a revision merged away: their ids are aliases now (one key lookup each)."""
    return ~exists().where(col(EventAliasRow.event_id) == EventRow.id)


_EVENTS: Table = EventRow.metadata.tables["events"]
_ALIASES: Table = EventAliasRow.metadata.tables["event_aliases"]
_ARTICLES: Table = ArticleRow.metadata.tables["articles"]
_VERSIONS: Table = ArticleVersionRow.metadata.tables["article_versions"]
_SOURCES: Table = SourceRow.metadata.tables["sources"]
_EVENT_FIELDS = tuple(EventRecord.__dataclass_fields__)
# What read_event reads of each article and version, beside the event.
_ARTICLE_COLUMNS = (
    *(_ARTICLES.c[name] for name in ("id", "location", "first_seen")),
    _SOURCES.c.name,
    *(_VERSIONS.c[n] for n in ("number", "title", "text", "published", "updated", "fetched")),
)


@functools.cache
def _event_query(*, by_rank: bool) -> Select[Any]:
    """Return read_event's statement (built once: building it cost more than running it)."""
    wanted: ColumnElement[int]
    if by_rank:
        wanted = (
            sa_select(_EVENTS.c.id)
            .where(
                _EVENTS.c.source_count >= 1,
                ~exists().where(_ALIASES.c.event_id == _EVENTS.c.id),
            )
            .order_by(_EVENTS.c.last_reported.desc(), _EVENTS.c.id.desc())
            .limit(1)
            .offset(bindparam("offset", type_=Integer))
            .scalar_subquery()
        )
    else:
        wanted = bindparam("event_id", type_=Integer)
    ref = sa_select(wanted.label("id")).cte("ref")
    alias = sa_select(_ALIASES.c.target_id).where(_ALIASES.c.event_id == ref.c.id)
    target = sa_select(func.coalesce(alias.scalar_subquery(), ref.c.id).label("id")).cte("target")
    a, v, e = _ARTICLES.c, _VERSIONS.c, _EVENTS.c
    return (
        sa_select(*(e[name].label(f"e_{name}") for name in _EVENT_FIELDS), *_ARTICLE_COLUMNS)
        .select_from(
            target.join(_EVENTS, e.id == target.c.id)
            .outerjoin(_ARTICLES, a.event_id == e.id)
            .outerjoin(_SOURCES, _SOURCES.c.id == a.source_id)
            .outerjoin(_VERSIONS, v.article_id == a.id)
        )
        .order_by(a.first_seen, a.id, v.number)
    )


def new_event(headline: str, now: datetime, event_id: int | None = None) -> dict[str, object]:
    """Return the row of a new event, nothing placed in it yet (with ``event_id`` when given)."""
    row: dict[str, object] = {} if event_id is None else {"id": event_id}
    row.update(
        headline=headline,
        first_seen=now,
        last_updated=now,
        changed_at=now,
        first_reported=now,
        last_reported=now,
        article_count=0,
        source_count=0,
        signature="",
    )
    return row


class EventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, *, headline: str, now: datetime) -> int:
        """Insert a new event and return its id."""
        statement = insert(_EVENTS).values(new_event(headline, now)).returning(_EVENTS.c.id)
        connection = await self._session.connection()
        return int((await connection.execute(statement)).scalar_one())

    def new_ids(self) -> NewIds:
        """Ids for a batch's new events, named before they are written (``add_many``)."""
        return NewIds(self._session, _EVENTS.name)

    async def add_many(self, events: Sequence[dict[str, object]]) -> None:
        """Insert many new events with their ids in one statement (rows from ``new_event``)."""
        if events:
            connection = await self._session.connection()
            await connection.execute(insert(_EVENTS), list(events))

    async def put_many(self, events: Sequence[EventRecord]) -> None:
        """Write many events' refreshed fields in one statement (not their first-seen time)."""
        if not events:
            return
        fields = (
            "headline",
            "last_updated",
            "changed_at",
            "first_reported",
            "last_reported",
            "article_count",
            "source_count",
            "signature",
            "analysis_due",
        )
        statement = (
            update(_EVENTS)
            .where(_EVENTS.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in fields})
        )
        connection = await self._session.connection()
        await connection.execute(
            statement,
            [{"b_id": e.id, **{f"b_{name}": getattr(e, name) for name in fields}} for e in events],
        )

    async def add_alias(self, event_id: int, *, target_id: int, now: datetime) -> None:
        """Let a merged-away event's id lead to the event that absorbed it (and its own aliases)."""
        await self._session.exec(
            update(EventAliasRow)
            .where(col(EventAliasRow.target_id) == event_id)
            .values(target_id=target_id)
        )
        row = await self._session.get(EventAliasRow, event_id)
        if row is None:
            row = EventAliasRow(event_id=event_id, target_id=target_id, merged_at=now)
        row.target_id, row.merged_at = target_id, now
        self._session.add(row)
        await self._session.flush()

    async def resolve(self, event_id: int) -> int:
        """Return the id an event lives on: its own, or the survivor's when it was merged away."""
        row = await self._session.get(EventAliasRow, event_id)
        return event_id if row is None else row.target_id

    async def read_event(
        self, event_id: int | None = None, *, rank: int | None = None
    ) -> tuple[EventRecord, list[Article]] | None:
        """Return an event with its articles and their versions (oldest first), or None.

        The event is ``event_id`` (or the one it was merged into), else the ``rank``-th of
        ``list_recent_events`` (1: the latest). One statement: a /summary on PostgreSQL paid
        more for its round trips (alias, event, articles, versions) than for their SQL.
        """
        if event_id is not None:
            query, params = _event_query(by_rank=False), {"event_id": event_id}
        else:
            assert rank is not None and rank >= 1
            query, params = _event_query(by_rank=True), {"offset": rank - 1}
        connection = await self._session.connection()
        rows = (await connection.execute(query, params)).all()
        if not rows:
            return None
        first = rows[0]._mapping
        record = EventRecord(**{name: first[f"e_{name}"] for name in _EVENT_FIELDS})
        articles: list[Article] = []
        versions: list[Version] = []
        for n, row in enumerate(rows):
            if row.id is None:
                break  # an event without articles: one row, of the event alone
            if row.number is not None:
                versions.append(
                    Version(
                        number=row.number,
                        title=row.title,
                        text=row.text,
                        published=row.published,
                        updated=row.updated,
                        fetched=row.fetched,
                    )
                )
            if n + 1 == len(rows) or rows[n + 1].id != row.id:
                articles.append(
                    Article(
                        id=row.id,
                        source=row.name,
                        location=row.location,
                        versions=tuple(versions),
                        first_seen=row.first_seen,
                    )
                )
                versions = []
        return record, articles

    async def get_events(self, event_ids: Sequence[int]) -> dict[int, EventRecord]:
        """Return the events with these ids, by id (one Core statement)."""
        if not event_ids:
            return {}
        query = sa_select(_EVENTS).where(_EVENTS.c.id.in_(sorted(set(event_ids))))
        connection = await self._session.connection()
        rows = (await connection.execute(query)).all()
        return {row.id: EventRecord(**row._mapping) for row in rows}

    async def get_event(self, event_id: int) -> EventRecord | None:
        """Return the event with this id, or None."""
        row = await self._session.get(EventRow, event_id)
        return None if row is None else row.to_record()

    async def update(
        self,
        event_id: int,
        *,
        headline: str | None = None,
        last_updated: datetime | None = None,
        changed_at: datetime | None = None,
        signature: str | None = None,
        reported: tuple[datetime, datetime] | None = None,
        counts: tuple[int, int] | None = None,
        analysed: bool = False,
    ) -> EventRecord:
        """Refresh an event's counts and set the given fields.

        ``reported`` is when its articles say it was first reported and last updated;
        ``counts`` (articles, sources) saves counting them again when the caller just read them;
        ``analysed`` says the signature and change time given are up to date (no analysis due).
        """
        row = await self._session.get(EventRow, event_id)
        assert row is not None
        if counts is None:
            counted = (
                await self._session.exec(
                    select(
                        func.count(col(ArticleRow.id)),
                        func.count(func.distinct(ArticleRow.source_id)),
                    ).where(ArticleRow.event_id == event_id)
                )
            ).one()
            counts = int(counted[0]), int(counted[1])
        row.article_count, row.source_count = counts
        if headline is not None:
            row.headline = headline
        if last_updated is not None:
            row.last_updated = last_updated
        if changed_at is not None:
            row.changed_at = changed_at
        if signature is not None:
            row.signature = signature
        if reported is not None:
            row.first_reported, row.last_reported = reported
        if analysed:
            row.analysis_due = None
        self._session.add(row)
        await self._session.flush()
        return row.to_record()

    async def list_due_events(
        self, *, since: datetime | None = None, min_sources: int = 1
    ) -> list[EventRecord]:
        """Return the events whose analysis is due (last placed into after ``since``)."""
        query = select(EventRow).where(
            col(EventRow.analysis_due).is_not(None),
            EventRow.source_count >= min_sources,
            _not_merged(),
        )
        if since is not None:
            query = query.where(col(EventRow.last_updated) > since)
        query = query.order_by(col(EventRow.analysis_due), col(EventRow.id))
        return [r.to_record() for r in (await self._session.exec(query)).all()]

    async def put_analysis(
        self, seen: EventRecord, *, signature: str, changed_at: datetime
    ) -> bool:
        """Write an event's analysis unless a placement changed it since ``seen``; True if written.

        The analysis was made from the articles read after ``seen``; a placement committed in
        between moved ``last_updated`` on, and its analysis stays due.
        """
        statement = (
            update(EventRow)
            .where(
                col(EventRow.id) == seen.id,
                col(EventRow.last_updated) == seen.last_updated,
                col(EventRow.analysis_due) == seen.analysis_due,
            )
            .values(signature=signature, changed_at=changed_at, analysis_due=None)
            # Rows of this session's identity map follow the statement.
            .execution_options(synchronize_session="evaluate")
        )
        result = await self._session.exec(statement)
        return bool(result.rowcount)

    async def list_recent_events(
        self, *, limit: int = 10, since: datetime | None = None, min_sources: int = 1
    ) -> list[EventRecord]:
        """Return events, newest news first (by change here when ``since`` is given)."""
        query = select(EventRow).where(EventRow.source_count >= min_sources, _not_merged())
        if since is not None:
            query = query.where(col(EventRow.changed_at) > since)
        # Newest news first, by the articles' own times; what changed since a moment (alerts,
        # digests) by when it changed here, so an old article arriving late is not cut off.
        newest = EventRow.last_updated if since is not None else EventRow.last_reported
        query = query.order_by(col(newest).desc(), col(EventRow.id).desc()).limit(limit)
        return [r.to_record() for r in (await self._session.exec(query)).all()]

    async def list_matching_events(
        self, words: Sequence[str], *, limit: int = 10
    ) -> list[EventRecord]:
        """Return the newest events whose headline or an article title contains every word.

        Words match as case-insensitive substrings, through the text index (event_search.py);
        a search of words shorter than three characters only looks through the newest events.
        """
        ids = await self.list_matching_ids(words, limit=limit)
        found = await self.get_events(ids)
        return [found[event_id] for event_id in ids]

    async def list_matching_ids(self, words: Sequence[str], *, limit: int = 10) -> list[int]:
        """Return the ids of ``list_matching_events``, newest first (one to three statements)."""
        search = SearchSQL(self._session.get_bind().dialect.name, tuple(words))
        params = search.params()
        connection = await self._session.connection()

        async def newest() -> list[int]:
            # A reader asks after recent news; ``limit`` matches among the newest events are
            # the newest of all (every other event is older).
            statement = search.search(driver=None, limit=limit)
            return [int(i) for i in (await connection.execute(statement, params)).scalars()]

        if not search.indexed:
            return await newest()  # short words alone: the newest events only
        counts: Sequence[int]
        if search.dialect == "sqlite":
            # SQLite counts a word's FTS5 rows cheaply, so it counts first: a rare word's
            # events are searched straight away, the newest only when every word is common.
            statement = search.counts()
            counts = [int(n) for n in (await connection.execute(statement, params)).one()]
            if min(counts) > RARE and len(ids := await newest()) >= limit:
                return ids
        else:
            # PostgreSQL's trigram counts of common words cost more than the search of the
            # newest events that spares them: it searches those first, and counts the words in
            # the same statement only when they hold too few matches.
            statement = search.newest_or_counts(limit=limit)
            found, counted = (await connection.execute(statement, params)).one()
            if counted is None:
                return [int(event_id) for event_id in found]
            counts = [int(n) for n in counted]
        # Every match holds each word, so the rarest word's events hold them all.
        driver = rarest(counts)
        if driver is None or counts[driver] == 0:
            return []  # a word nobody wrote
        statement = search.search(driver=driver, limit=limit)
        return [int(i) for i in (await connection.execute(statement, params)).scalars()]
