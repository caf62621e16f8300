"""Sources: the outlets articles come from."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ARRAY, Integer, func, literal
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.repositories.insert import insert_if_absent
from storage.tables import SourceRow

# The first key of the sources' two-key advisory locks ("brbs"; the roles use "brbt").
_SOURCE_LOCKS = 0x62726273


def _lock_key(name: str) -> int:
    """Return a stable signed 32-bit key for a source name."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big", signed=True)


class SourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_or_create_id(self, name: str, *, now: datetime) -> int:
        """Return the id of the source called ``name``, creating it if needed."""
        query = select(SourceRow.id).where(SourceRow.name == name)
        found = (await self._session.exec(query)).first()
        if found is not None:
            return found
        await insert_if_absent(self._session, SourceRow(name=name, created_at=now), unique=["name"])
        created = (await self._session.exec(query)).first()
        assert created is not None, f"source {name!r} neither found nor created"
        return created

    async def lock_for_storing(self, names: Iterable[str]) -> None:
        """Hold, until the unit of work ends, the right to add articles to these sources.

        Near-duplicates are judged against a source's articles: with several processes on
        PostgreSQL, two storing the same story into one source at once would each miss the
        other's copy. A transaction advisory lock per source orders them; SQLite has one
        writer at a time already. Keys are taken in one order, so two batches never deadlock.
        """
        bind = self._session.bind
        if bind is None or bind.dialect.name != "postgresql":
            return
        keys = sorted({_lock_key(name) for name in names})
        if keys:
            ordered = (
                select(func.unnest(literal(keys, ARRAY(Integer))).label("k"))
                .order_by("k")
                .subquery()
            )
            await self._session.exec(
                select(func.count(func.pg_advisory_xact_lock(_SOURCE_LOCKS, ordered.c.k)))
            )
