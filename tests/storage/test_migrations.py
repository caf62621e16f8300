"""Every migration walks up, down and up again, and leaves the schema the tables describe."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import storage.tables  # noqa: F401
from storage.db import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    sync_url,
    upgrade,
)
from storage.tables import include_name
from storage.unit_of_work import Database


def _tables(url: str, *, text_index: bool = False) -> set[str]:
    """Return the tables, without the text index's unless asked for."""
    engine = create_engine(sync_url(url))
    try:
        names = inspect(engine).get_table_names()
        return {n for n in names if text_index or include_name(n, "table", {})} - {
            "alembic_version"
        }
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
    assert _tables(url, text_index=True) == set()
    upgrade(url)
    assert _tables(url) == set(SQLModel.metadata.tables)


def _text_index(url: str) -> set[str]:
    """Return the text index's tables, triggers and indexes found in the database."""
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%fts%'"
                    " OR type = 'table' AND name IN ('events_fts', 'article_versions_fts')"
                )
            else:
                rows = conn.exec_driver_sql(
                    "SELECT indexname FROM pg_indexes WHERE right(indexname, 5) = '_trgm'"
                )
            return {r[0] for r in rows}
    finally:
        engine.dispose()


_SQLITE_INDEX = {
    f"{table}_fts{suffix}"
    for table in ("events", "article_versions")
    for suffix in ("", "_insert", "_delete", "_update")
}
_POSTGRES_INDEX = {"ix_events_headline_trgm", "ix_article_versions_title_trgm"}


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_the_text_index_is_built_over_rows_stored_before_it(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(f"{backend}_url")
    upgrade(url, "0008")
    now = datetime(2026, 3, 1, 8, tzinfo=UTC)
    db = Database(url)
    try:
        async with db.unit_of_work() as uow:  # stored before the index existed
            source = await uow.sources.get_or_create_id("Harbour Herald", now=now)
            article = await uow.articles.add(
                identity="a", source_id=source, location="a", fingerprint=None, now=now
            )
            await uow.articles.add_version(
                article_id=article, title="Brenner dockers strike", text="x",
                content_hash="h", published=now, updated=None, now=now,
            )  # fmt: skip
            event = await uow.events.create(headline="Kessel regatta won", now=now)
            await uow.articles.set_event(article, event)
    finally:
        await db.dispose()
    upgrade(url)
    expected = _SQLITE_INDEX if backend == "sqlite" else _POSTGRES_INDEX
    assert _text_index(url) == expected
    db = Database(url)
    try:
        async with db.unit_of_work() as uow:
            for words in (["dockers"], ["REGATTA"], ["rennER", "kessel"]):
                assert [e.id for e in await uow.events.list_matching_events(words)] == [event]
    finally:
        await db.dispose()
    downgrade(url, "0008")
    assert _text_index(url) == set()


async def test_a_store_created_without_migrations_searches_too() -> None:
    now = datetime(2026, 3, 1, 8, tzinfo=UTC)
    db = Database("sqlite:///:memory:")
    try:
        await db.create_all()
        async with db.unit_of_work() as uow:
            event = await uow.events.create(headline="Kessel regatta won", now=now)
            assert [e.id for e in await uow.events.list_matching_events(["gatta"])] == [event]
    finally:
        await db.dispose()


def test_the_head_read_from_the_files_is_alembics(sqlite_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(sqlite_url))
    assert [head_revision()] == script.get_heads()


def _migrate_in_a_fresh_process(url: str) -> str:
    """Migrate ``url`` through Database.migrate in a new interpreter; return what it imported."""
    program = (
        "import sys\n"
        "from storage.unit_of_work import Database\n"
        f"Database({url!r}).migrate()\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_current_schema_is_checked_without_alembic(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(f"{backend}_url")
    upgrade(url, "0009")
    # Behind the head: migrated, with Alembic.
    assert _migrate_in_a_fresh_process(url) != ""
    assert current_revision(url) == head_revision()
    assert _diff(url) == []
    # Current: only the version is read; Alembic is never imported.
    assert _migrate_in_a_fresh_process(url) == ""
    assert current_revision(url) == head_revision()


def test_a_missing_sqlite_file_is_created_and_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'bot.db'}"
    assert current_revision(url) is None
    Database(url).migrate()
    assert current_revision(url) == head_revision()
