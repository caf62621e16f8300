"""The one way repositories insert a row that may already exist."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import inspect
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
