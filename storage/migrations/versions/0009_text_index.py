"""text index for the keyword search: FTS5 trigram tables on SQLite, pg_trgm GIN indexes on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:30:00

Both index event headlines and article version titles for a case-insensitive substring match
(see storage/repositories/event_search.py) and are filled from the rows already stored.
SQLite: external-content FTS5 tables (the text stays in its table) kept in step by triggers.
PostgreSQL: pg_trgm is a trusted extension (a database owner may create it); where it cannot be
created the migration goes on without the indexes: searches give the same results, slower.
The statements are written out here, not imported, so that this revision never changes.
"""

import logging
from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (("events", "headline"), ("article_versions", "title"))


def _fts(table: str, column: str) -> list[str]:
    fts = f"{table}_fts"
    delete = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    insert = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='id',"
        " tokenize='trigram')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table}"
        f" WHEN old.{column} IS NOT new.{column} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table, column in _COLUMNS:
            for statement in _fts(table, column):
                op.execute(statement)
        return
    op.execute("SAVEPOINT text_index")
    try:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # noqa: BLE001  (any refusal: go on without the index)
        op.execute("ROLLBACK TO SAVEPOINT text_index")
        logging.getLogger("alembic").warning(
            "pg_trgm is not available (%s): keyword searches run without their text index", exc
        )
        return
    op.execute("RELEASE SAVEPOINT text_index")
    for table, column in _COLUMNS:
        op.execute(
            f"CREATE INDEX ix_{table}_{column}_trgm ON {table}"
            f" USING gin (lower({column}) gin_trgm_ops)"
        )
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, _ in _COLUMNS:
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
        return
    for table, column in _COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_trgm")
