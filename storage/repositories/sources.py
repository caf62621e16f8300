"""Sources: the outlets articles come from."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.repositories.insert import insert_if_absent
from storage.tables import SourceRow


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
