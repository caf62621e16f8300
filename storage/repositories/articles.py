"""Articles: their versions, the aliases of syndicated copies, and page re-fetching."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from bot.briefing.model import Article, Document, Version
from storage.records import AliasRecord, RefetchTarget
from storage.repositories.insert import insert_if_absent
from storage.tables import ArticleAliasRow, ArticleRow, ArticleVersionRow, EventRow, SourceRow


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

    async def list_due_refetches(self, now: datetime, *, limit: int) -> list[RefetchTarget]:
        """Return the articles whose page is due to be fetched again, most overdue first."""
        query = (
            self._with_source()
            .where(col(ArticleRow.next_refetch_at).is_not(None))
            .where(col(ArticleRow.next_refetch_at) <= now)
            .order_by(col(ArticleRow.next_refetch_at), col(ArticleRow.id))
            .limit(limit)
        )
        return [
            row.to_refetch_target(source=source)
            for row, source in (await self._session.exec(query)).all()
        ]

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
