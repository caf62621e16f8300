"""Every migration walks up, down and up again, and leaves the schema the tables describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import storage.tables  # noqa: F401
from storage.db import alembic_config, downgrade, sync_url, upgrade
from storage.tables import include_name


def _tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        names = inspect(engine).get_table_names()
        return {n for n in names if include_name(n, "table", {})} - {"alembic_version"}
    finally:
        engine.dispose()


def _diff(url: str) -> list[object]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": include_name})
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_every_migration_walks_up_down_and_up(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(f"{backend}_url")
    script = ScriptDirectory.from_config(alembic_config(url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert revisions, "no migrations found"
    for revision in revisions:
        upgrade(url, revision)
    assert _tables(url) == set(SQLModel.metadata.tables)
    assert _diff(url) == [], "the migrations do not produce the schema the tables describe"
    for revision in reversed(revisions):
        downgrade(url, f"{revision}-1" if revision != revisions[0] else "base")
    assert _tables(url) == set()
    upgrade(url)
    assert _tables(url) == set(SQLModel.metadata.tables)
