"""Make the database itself refuse some inserts, to test what a failing store does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from storage.db import sync_url

REFUSAL = "database or disk is full"


@contextmanager
def articles_refused(url: str, identity_like: str) -> Iterator[None]:
    """Have the database refuse articles whose identity matches ``identity_like`` (SQL LIKE).

    A trigger does it, so the failure comes from the database as a real one would, through
    every layer of briefbot unchanged.
    """
    pattern = identity_like.replace("'", "''")
    engine = create_engine(sync_url(url))
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_article() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_articles BEFORE INSERT ON articles FOR EACH ROW "
                    f"WHEN (NEW.identity LIKE '{pattern}') EXECUTE FUNCTION refuse_article()"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_articles BEFORE INSERT ON articles "
                    f"WHEN NEW.identity LIKE '{pattern}' "
                    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
                )
            )
    try:
        yield
    finally:
        with engine.begin() as conn:
            if postgres:
                conn.execute(text("DROP TRIGGER refuse_articles ON articles"))
                conn.execute(text("DROP FUNCTION refuse_article()"))
            else:
                conn.execute(text("DROP TRIGGER refuse_articles"))
        engine.dispose()
