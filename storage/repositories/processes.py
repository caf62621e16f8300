"""Processes sharing the database: heartbeats, who is alive, and the fences of single roles."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, delete, literal, table, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.records import ProcessRecord
from storage.repositories.insert import insert_if_absent
from storage.tables import ProcessRow, RoleFenceRow

# PostgreSQL's list of its server processes: a briefbot whose lock connection is not in it died.
_ACTIVITY = table("pg_stat_activity", column("pid"), column("application_name"))
# The application name of briefbot's lock connections: only those are ever ended.
LOCK_CONNECTION = "briefbot-roles"


def live_process_ids(
    session: AsyncSession, now: datetime, dead_after: timedelta
) -> Select[tuple[str]]:
    """Return a query of the ids of processes alive now: a fresh heartbeat and, on
    PostgreSQL, their lock connection still open (so a kill -9 shows at once)."""
    query = select(ProcessRow.id).where(col(ProcessRow.heartbeat_at) >= now - dead_after)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.where(col(ProcessRow.backend_pid).in_(select(_ACTIVITY.c.pid)))
    return query  # type: ignore[return-value]


def orphaned(claimed_by: Any, owner: str, live: Select[tuple[str]]) -> ColumnElement[bool]:
    """Return the condition "claimed by another process that is no longer alive".

    Never the caller's own claims: after its own reconnect it still holds them in memory.
    """
    return and_(claimed_by.is_not(None), claimed_by != owner, claimed_by.not_in(live))


class ProcessRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def beat(
        self,
        process_id: str,
        *,
        host: str,
        pid: int,
        backend_pid: int | None,
        roles: Sequence[str],
        wanted: Sequence[str],
        lag: dict[str, float],
        started_at: datetime,
        now: datetime,
    ) -> None:
        """Record that this process is alive, with the roles it holds and its lag."""
        values = {
            "host": host[:255],
            "pid": pid,
            "backend_pid": backend_pid,
            "roles": ",".join(roles),
            "wanted": ",".join(wanted),
            "lag": json.dumps(lag, sort_keys=True),
            "heartbeat_at": now,
        }
        result = await self._session.exec(
            update(ProcessRow).where(col(ProcessRow.id) == process_id).values(**values)
        )
        if not result.rowcount:
            row = ProcessRow(id=process_id, started_at=started_at, **values)  # type: ignore[arg-type]
            await insert_if_absent(self._session, row, unique=["id"])

    async def forget(self, process_id: str) -> None:
        """Remove a process that stopped cleanly."""
        await self._session.exec(delete(ProcessRow).where(col(ProcessRow.id) == process_id))

    async def forget_older(self, before: datetime) -> int:
        """Remove processes silent since ``before`` (died long ago); return how many."""
        result = await self._session.exec(
            delete(ProcessRow).where(col(ProcessRow.heartbeat_at) < before)
        )
        return int(result.rowcount)

    async def list_processes(self) -> list[ProcessRecord]:
        """Return every process that reported itself, oldest first."""
        query = select(ProcessRow).order_by(col(ProcessRow.started_at), col(ProcessRow.id))
        return [r.to_record() for r in (await self._session.exec(query)).all()]

    async def hung_backends(self, now: datetime, *, dead_after: timedelta) -> list[int]:
        """Return the lock connections of processes silent for ``dead_after`` yet connected.

        Such a process is paused or hung: it still holds its advisory locks, so its roles
        would never move. Ending its connection (pg_terminate_backend) frees them.
        """
        ours = select(_ACTIVITY.c.pid).where(_ACTIVITY.c.application_name == LOCK_CONNECTION)
        query = select(ProcessRow.backend_pid).where(
            col(ProcessRow.heartbeat_at) < now - dead_after,
            col(ProcessRow.backend_pid).in_(ours),
        )
        return [int(pid) for pid in (await self._session.exec(query)).all() if pid is not None]

    async def take_fence(self, role: str, *, holder: str, now: datetime) -> int:
        """Become the fenced holder of ``role``: return its new token (one more than before)."""
        await insert_if_absent(
            self._session,
            RoleFenceRow(name=role, holder=holder, token=0, since=now),
            unique=["name"],
        )
        await self._session.exec(
            update(RoleFenceRow)
            .where(col(RoleFenceRow.name) == role)
            .values(token=RoleFenceRow.token + literal(1), holder=holder, since=now)
        )
        token = (
            await self._session.exec(
                select(RoleFenceRow.token).where(col(RoleFenceRow.name) == role)
            )
        ).one()
        return int(token)

    async def holds_fence(self, role: str, token: int) -> bool:
        """Tell whether ``token`` still fences ``role``, keeping a takeover out until commit."""
        query = select(RoleFenceRow.token).where(
            col(RoleFenceRow.name) == role, col(RoleFenceRow.token) == token
        )
        if self._session.bind is not None and self._session.bind.dialect.name == "postgresql":
            query = query.with_for_update(read=True)
        return (await self._session.exec(query)).first() is not None

    async def fences(self) -> dict[str, str]:
        """Return the holder of each single role, by role name."""
        rows = (await self._session.exec(select(RoleFenceRow))).all()
        return {r.name: r.holder for r in rows}
