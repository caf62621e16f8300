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


# At most this many ids drawn ahead at once.
ID_CHUNK = 64


class DrawnIds:
    """Ids drawn ahead from a PostgreSQL table's sequence, for the rows a batch adds together.

    ``expect`` says how many rows the batch may still add; ids are drawn in one statement, up
    to ``ID_CHUNK`` at a time and no more than expected. Ids drawn and not used are skipped:
    gaps are harmless, and other processes draw from the same sequence meanwhile.
    """

    def __init__(self, session: AsyncSession, table: str) -> None:
        self._session = session
        self._table = table
        self._ready: list[int] = []
        self._expected = 0

    def expect(self, count: int) -> None:
        """Note that the batch may add up to ``count`` more rows."""
        self._expected = max(0, count)

    async def take(self) -> int:
        """Return the next id for a new row."""
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


def drawn_ids(session: AsyncSession, table: str) -> DrawnIds | None:
    """Ids drawn ahead for ``table``'s new rows on PostgreSQL; None on SQLite (its ids follow
    on after a batch's first row: ``ids_follow_on``)."""
    return None if ids_follow_on(session) else DrawnIds(session, table)


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
