"""Articles: their versions, the aliases of syndicated copies, and page re-fetching."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, bindparam, delete, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from bot.briefing.model import Article, Document, Version
from storage.records import AliasRecord, RefetchTarget, StoredArticle
from storage.repositories.insert import NewIds, insert_if_absent
from storage.tables import (
    ArticleAliasRow,
    ArticleRow,
    ArticleVersionRow,
    EventRow,
    PlacementRow,
    SourceRow,
)

_ARTICLES: Table = ArticleRow.metadata.tables["articles"]
_VERSIONS: Table = ArticleVersionRow.metadata.tables["article_versions"]


class ArticleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list_stored(self, identities: Sequence[str]) -> dict[str, StoredArticle]:
        """Return the stored articles with these identities, with all their versions, by identity."""
        unique = sorted(set(identities))
        if not unique:
            return {}
        query = self._with_source().where(col(ArticleRow.identity).in_(unique))
        rows = (await self._session.exec(query)).all()
        if not rows:
            return {}
        versions: dict[int, list[ArticleVersionRow]] = defaultdict(list)
        vquery = (
            select(ArticleVersionRow)
            .where(col(ArticleVersionRow.article_id).in_([a.id for a, _ in rows]))
            .order_by(col(ArticleVersionRow.article_id), col(ArticleVersionRow.number))
        )
        for vrow in (await self._session.exec(vquery)).all():
            versions[vrow.article_id].append(vrow)
        out = {}
        for arow, source in rows:
            assert arow.id is not None
            vrows = versions[arow.id]
            article = arow.to_record(source=source, versions=tuple(v.to_record() for v in vrows))
            out[arow.identity] = StoredArticle(
                article=article,
                identity=arow.identity,
                source_id=arow.source_id,
                event_id=arow.event_id,
                latest_hash=vrows[-1].content_hash if vrows else "",
            )
        return out

    async def list_aliases(self, identities: Sequence[str]) -> dict[str, AliasRecord]:
        """Return the aliases with these identities and where their articles live, by identity."""
        unique = sorted(set(identities))
        if not unique:
            return {}
        query = (
            select(ArticleAliasRow, ArticleRow.location)
            .join(ArticleRow, col(ArticleRow.id) == ArticleAliasRow.article_id)
            .where(col(ArticleAliasRow.identity).in_(unique))
        )
        return {
            alias.identity: alias.to_record(article_location=location)
            for alias, location in (await self._session.exec(query)).all()
        }

    async def add(
        self,
        *,
        identity: str,
        source_id: int,
        location: str,
        fingerprint: bytes | None,
        now: datetime,
        event_id: int | None = None,
        refetch_at: datetime | None = None,
    ) -> int:
        """Insert a new article (without versions, placed when ``event_id`` is given); its id."""
        statement = (
            insert(_ARTICLES)
            .values(
                identity=identity,
                source_id=source_id,
                location=location,
                fingerprint=fingerprint,
                first_seen=now,
                event_id=event_id,
                next_refetch_at=refetch_at,
            )
            .returning(_ARTICLES.c.id)
        )
        connection = await self._session.connection()
        return int((await connection.execute(statement)).scalar_one())

    def new_ids(self) -> NewIds:
        """Ids for a batch's new articles, named before they are written (``add_many``)."""
        return NewIds(self._session, _ARTICLES.name)

    async def add_many(self, articles: Sequence[dict[str, object]]) -> None:
        """Insert many new articles with their ids in one statement (keys: the table's columns)."""
        if articles:
            connection = await self._session.connection()
            await connection.execute(insert(_ARTICLES), list(articles))

    async def insert_versions(self, versions: Sequence[dict[str, object]]) -> None:
        """Insert many versions in one statement (keys are the version table's columns)."""
        if versions:
            connection = await self._session.connection()
            await connection.execute(insert(_VERSIONS), list(versions))

    async def set_fingerprints(self, prints: Sequence[tuple[int, bytes]]) -> None:
        """Set many articles' near-duplicate fingerprints in one statement."""
        if prints:
            statement = (
                update(_ARTICLES)
                .where(_ARTICLES.c.id == bindparam("b_id"))
                .values(fingerprint=bindparam("b_print"))
            )
            connection = await self._session.connection()
            await connection.execute(
                statement,
                [{"b_id": article_id, "b_print": print_} for article_id, print_ in prints],
            )

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
            versions[vrow.article_id].append(vrow.to_record())
        out = []
        for arow, source in rows:
            assert arow.id is not None
            out.append(arow.to_record(source=source, versions=tuple(versions[arow.id])))
        return out

    def _with_source(self) -> Select[ArticleRow, str]:
        return select(ArticleRow, SourceRow.name).join(
            SourceRow, col(SourceRow.id) == ArticleRow.source_id
        )

    async def get_article(self, article_id: int) -> Article | None:
        """Return the article with all its versions, or None."""
        rows = (
            await self._session.exec(self._with_source().where(ArticleRow.id == article_id))
        ).all()
        found = await self._assemble(rows)
        return found[0] if found else None

    async def get_article_by_identity(self, identity: str) -> Article | None:
        """Return the article with this identity, or None."""
        query = self._with_source().where(ArticleRow.identity == identity)
        found = await self._assemble((await self._session.exec(query)).all())
        return found[0] if found else None

    async def get_latest_hash(self, article_id: int) -> str | None:
        """Return the content hash of the article's latest version."""
        query = (
            select(ArticleVersionRow.content_hash)
            .where(ArticleVersionRow.article_id == article_id)
            .order_by(col(ArticleVersionRow.number).desc())
            .limit(1)
        )
        return (await self._session.exec(query)).first()

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
        number: int | None = None,
    ) -> int:
        """Append a version to an article and return its number (given for a new article)."""
        if number is None:
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

    async def list_recent_fingerprints(
        self, source_id: int, *, since: datetime, limit: int, after_id: int = 0
    ) -> list[tuple[int, str, datetime, bytes]]:
        """Return (id, location, first seen, fingerprint) of the source's newest fingerprinted
        articles (those after ``after_id`` only), newest first."""
        query = (
            select(
                ArticleRow.id, ArticleRow.location, ArticleRow.first_seen, ArticleRow.fingerprint
            )
            .where(
                ArticleRow.source_id == source_id,
                col(ArticleRow.id) > after_id,
                col(ArticleRow.first_seen) >= since,
                col(ArticleRow.fingerprint).is_not(None),
            )
            .order_by(col(ArticleRow.id).desc())
            .limit(limit)
        )
        return [
            (i, loc, seen, f)
            for i, loc, seen, f in (await self._session.exec(query)).all()
            if i and f
        ]

    async def add_alias(
        self, *, identity: str, article_id: int, content_hash: str, now: datetime
    ) -> None:
        """Record ``identity`` as another identity of the article (kept if already recorded)."""
        # Two processes may find the same copy at once: the first alias wins.
        alias = ArticleAliasRow(
            identity=identity, article_id=article_id, content_hash=content_hash, created_at=now
        )
        await insert_if_absent(self._session, alias, unique=["identity"])

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
        return alias.to_record(article_location=location)

    async def remove_alias(self, identity: str) -> None:
        """Forget an alias (its content no longer matches its article)."""
        await self._session.exec(
            delete(ArticleAliasRow).where(col(ArticleAliasRow.identity) == identity)
        )

    async def list_known_identities(self, identities: Sequence[str]) -> set[str]:
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

    async def list_due_refetches(
        self, now: datetime, *, limit: int, lease_until: datetime | None = None
    ) -> list[RefetchTarget]:
        """Return the articles whose page is due to be fetched again, most overdue first.

        With ``lease_until`` they are claimed: not due again until then (another process
        polling at the same moment skips them), unless the re-fetch reschedules them.
        """
        query = (
            self._with_source()
            .where(col(ArticleRow.next_refetch_at).is_not(None))
            .where(col(ArticleRow.next_refetch_at) <= now)
            .order_by(col(ArticleRow.next_refetch_at), col(ArticleRow.id))
            .limit(limit)
        )
        if lease_until is not None:
            query = query.with_for_update(skip_locked=True, of=ArticleRow)
        found = list((await self._session.exec(query)).all())
        if lease_until is not None and found:
            await self._session.exec(
                update(ArticleRow)
                .where(col(ArticleRow.id).in_([row.id for row, _ in found]))
                .values(next_refetch_at=lease_until)
            )
        return [row.to_refetch_target(source=source) for row, source in found]

    async def queue_placement(self, article_id: int, *, now: datetime) -> None:
        """Leave a stored article (or its new version) for the event index's owner to place."""
        self._session.add(PlacementRow(article_id=article_id, queued_at=now))
        await self._session.flush()

    async def list_placements(self, *, limit: int) -> list[tuple[int, int, datetime]]:
        """Return (queue id, article id, queued at) of articles waiting to be placed, in order."""
        query = select(PlacementRow).order_by(col(PlacementRow.id)).limit(limit)
        rows = (await self._session.exec(query)).all()
        return [(r.id, r.article_id, r.queued_at) for r in rows if r.id is not None]

    async def count_placements(self) -> int:
        """Return how many stored articles wait to be placed into events."""
        query = select(func.count()).select_from(PlacementRow)
        return int((await self._session.exec(query)).one())

    async def drop_placements(self, ids: list[int]) -> None:
        """Forget placements done."""
        await self._session.exec(delete(PlacementRow).where(col(PlacementRow.id).in_(ids)))

    async def set_event(self, article_id: int, event_id: int) -> None:
        """Assign an article to an event."""
        row = await self._session.get(ArticleRow, article_id)
        assert row is not None
        row.event_id = event_id
        self._session.add(row)
        await self._session.flush()

    async def get_event_id(self, article_id: int) -> int | None:
        """Return the id of the event an article belongs to."""
        row = await self._session.get(ArticleRow, article_id)
        return None if row is None else row.event_id

    async def list_event_articles(self, event_id: int) -> list[Article]:
        """Return the event's articles with their versions, oldest first."""
        query = (
            self._with_source()
            .where(ArticleRow.event_id == event_id)
            .order_by(col(ArticleRow.first_seen), col(ArticleRow.id))
        )
        return await self._assemble((await self._session.exec(query)).all())

    async def list_events_articles(self, event_ids: Sequence[int]) -> dict[int, list[Article]]:
        """Return the articles of many events with their versions, oldest first, by event.

        Core statements (two, however many events): a batch's placements read them at once.
        """
        unique = sorted(set(event_ids))
        out: dict[int, list[Article]] = {event_id: [] for event_id in unique}
        if not unique:
            return out
        sources: Table = SourceRow.metadata.tables["sources"]
        query = (
            sa_select(
                _ARTICLES.c.id,
                _ARTICLES.c.event_id,
                _ARTICLES.c.location,
                _ARTICLES.c.first_seen,
                sources.c.name,
            )
            .join(sources, sources.c.id == _ARTICLES.c.source_id)
            .where(_ARTICLES.c.event_id.in_(unique))
            .order_by(_ARTICLES.c.first_seen, _ARTICLES.c.id)
        )
        connection = await self._session.connection()
        rows = (await connection.execute(query)).all()
        versions: dict[int, list[Version]] = defaultdict(list)
        v = _VERSIONS.c
        version_query = (
            sa_select(v.article_id, v.number, v.title, v.text, v.published, v.updated, v.fetched)
            .where(v.article_id.in_([row.id for row in rows]))
            .order_by(v.article_id, v.number)
        )
        # Rows unpacked as tuples: a named column read costs a lookup, thousands a batch.
        for article_id, *fields in (await connection.execute(version_query)).all():
            versions[article_id].append(Version(*fields))
        for article_id, event_id, location, first_seen, source in rows:
            out[event_id].append(
                Article(
                    id=article_id,
                    source=source,
                    location=location,
                    versions=tuple(versions[article_id]),
                    first_seen=first_seen,
                )
            )
        return out

    async def list_documents_since(self, since: datetime) -> list[tuple[Document, int]]:
        """Return (latest document, event id) of every article of events updated since ``since``."""
        return [(doc, event_id) for doc, event_id, _ in await self.list_held_documents(since)]

    async def list_held_documents(
        self,
        since: datetime,
        *,
        after: int = 0,
        limit: int | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[tuple[Document, int, datetime]]:
        """Return (latest document, event id, first seen) of the articles of events updated
        since ``since``, by id: those after ``after``, at most ``limit``, or only ``ids``."""
        # Per article (its versions' index), not one grouping of the whole table per page.
        latest = (
            select(func.max(ArticleVersionRow.number))
            .where(col(ArticleVersionRow.article_id) == ArticleRow.id)
            .correlate(ArticleRow)
            .scalar_subquery()
        )
        query = (
            select(ArticleRow, ArticleVersionRow, SourceRow.name)
            .join(SourceRow, col(SourceRow.id) == ArticleRow.source_id)
            .join(
                ArticleVersionRow,
                (col(ArticleVersionRow.article_id) == ArticleRow.id)
                & (col(ArticleVersionRow.number) == latest),
            )
            .where(
                # Whole events, not partial ones: the index holds every member of an event.
                col(ArticleRow.event_id).in_(
                    select(EventRow.id).where(col(EventRow.last_updated) >= since)
                ),
                col(ArticleRow.id) > after,
            )
            .order_by(col(ArticleRow.id))
        )
        if ids is not None:
            query = query.where(col(ArticleRow.id).in_(ids))
        if limit is not None:
            query = query.limit(limit)
        out = []
        for arow, vrow, source in (await self._session.exec(query)).all():
            assert arow.event_id is not None
            out.append((vrow.to_document(source=source), arow.event_id, arow.first_seen))
        return out

    async def list_held_versions(self, since: datetime) -> list[tuple[int, int, int]]:
        """Return (article id, event id, latest version number) of the articles of events
        updated since ``since``, by id: what a revision pass needs to find memoised vectors."""
        query = (
            select(
                ArticleRow.id,
                ArticleRow.event_id,
                func.max(ArticleVersionRow.number),
            )
            .join(ArticleVersionRow, col(ArticleVersionRow.article_id) == ArticleRow.id)
            .where(
                col(ArticleRow.event_id).in_(
                    select(EventRow.id).where(col(EventRow.last_updated) >= since)
                )
            )
            .group_by(col(ArticleRow.id), col(ArticleRow.event_id))
            .order_by(col(ArticleRow.id))
        )
        rows = (await self._session.exec(query)).all()
        return [(a, e, int(n)) for a, e, n in rows if a is not None and e is not None]
