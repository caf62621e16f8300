"""The one way repositories insert a row that may already exist."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import inspect, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def ids_follow_on(session: AsyncSession) -> bool:
    """Tell whether, after a unit of work inserts a row, the next ids are the following.

    True on SQLite: one writer holds the database from its first write to its commit, and a
    new row's id is the highest one plus one; so a batch can name the ids of the rows it adds
    after its first and write them together. Not on PostgreSQL, where other processes draw ids
    from the same sequence meanwhile.
    """
    bind = session.bind
    return bind is not None and bind.dialect.name == "sqlite"


# At most this many ids drawn ahead at once (PostgreSQL).
ID_CHUNK = 64


class NewIds:
    """Ids for a batch's new rows, named before the rows are written so they go in together.

    SQLite: none until the batch's first row is inserted alone (``inserted``); the ids after
    it follow on (``ids_follow_on``). PostgreSQL: drawn ahead from the table's sequence in one
    statement, up to ``ID_CHUNK`` at a time and no more than ``expect`` said the batch may
    add; ids drawn and not used are skipped (gaps are harmless, and other processes draw from
    the same sequence meanwhile).
    """

    def __init__(self, session: AsyncSession, table: str) -> None:
        self._session = session
        self._table = table
        self._follow_on = ids_follow_on(session)
        self._next: int | None = None
        self._ready: list[int] = []
        self._expected = 0

    def expect(self, count: int) -> None:
        """Note that the batch may add up to ``count`` more rows."""
        self._expected = max(0, count)

    async def take(self) -> int | None:
        """Return the next new row's id; None when that row must be inserted alone first."""
        if self._follow_on:
            taken = self._next
            if taken is not None:
                self._next = taken + 1
            return taken
        if not self._ready:
            count = max(1, min(ID_CHUNK, self._expected))
            statement = text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            )
            connection = await self._session.connection()
            drawn = await connection.execute(statement, {"table": self._table, "n": count})
            self._ready = sorted((int(i) for (i,) in drawn), reverse=True)
        self._expected = max(0, self._expected - 1)
        return self._ready.pop()

    def inserted(self, row_id: int) -> None:
        """Note the id of a row inserted alone: on SQLite the next ids follow on from it."""
        if self._follow_on:
            self._next = row_id + 1

    def stop(self) -> None:
        """Stop following on: rows inserted after this (by others) take their own ids."""
        self._next = None


async def insert_if_absent(session: AsyncSession, row: SQLModel, *, unique: Sequence[str]) -> bool:
    """Insert ``row`` unless its ``unique`` columns are taken; True when it was inserted."""
    # Another process may insert the same key between a select and an insert. "Do nothing on
    # conflict" keeps that from failing the whole unit of work (a unique violation would abort
    # a PostgreSQL transaction; SQLite's driver mishandles the savepoint that could contain
    # it); a select after it sees the winner's row.
    table = type(row)
    keys = inspect(table).primary_key
    # Every other value goes in as given: a None stays NULL rather than taking a column default.
    values = {
        name: value
        for name, value in row.model_dump().items()
        if not (name in {key.key for key in keys} and value is None)
    }
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(unique))
        # The row count of an ORM insert is unknown (-1) on PostgreSQL; a returned key is not.
        .returning(*keys)
    )
    return (await session.exec(statement)).first() is not None
