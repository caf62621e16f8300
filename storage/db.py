"""Engines, sessions and migrations for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}


class DatabaseError(Exception):
    """The database cannot be used; the message names the URL (password hidden) and the cause."""


def _backend(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in _SYNC_DRIVERS:
        raise DatabaseError(
            f"unsupported database {url.render_as_string(hide_password=True)}: "
            "use sqlite:///path or postgresql+psycopg://user@host/db"
        )
    return backend


def sync_url(url: str) -> URL:
    """Return ``url`` with the synchronous driver briefbot uses (for migrations)."""
    parsed = make_url(url)
    return parsed.set(drivername=_SYNC_DRIVERS[_backend(parsed)])


def async_url(url: str) -> URL:
    """Return ``url`` with the asyncio driver briefbot uses."""
    parsed = make_url(url)
    return parsed.set(drivername=_ASYNC_DRIVERS[_backend(parsed)])


def safe_url(url: str) -> str:
    """Render a database URL with any password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable database URL>"


def _is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _prepare_sqlite_file(url: URL) -> None:
    if url.get_backend_name() == "sqlite" and not _is_memory(url) and url.database:
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while the poller writes; the busy timeout waits out short locks.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def install_sqlite_pragmas(engine: Engine) -> None:
    """Switch on WAL, foreign keys and a busy timeout for every SQLite connection."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


def create_engine_for(url: str) -> AsyncEngine:
    """Create the asyncio engine for ``url`` (SQLite files get their folder created)."""
    aurl = async_url(url)
    _prepare_sqlite_file(aurl)
    kwargs: dict[str, Any] = {}
    if _is_memory(aurl):
        # One shared connection, or every session would see its own empty database.
        kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(aurl, **kwargs)
    install_sqlite_pragmas(engine.sync_engine)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory the units of work use."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """Build the Alembic configuration for ``url`` without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(url).render_as_string(hide_password=False))
    return config


def _refuse_read_only_sqlite(url: URL, shown: str) -> None:
    # SQLite itself only says "unable to open database file" when its folder takes no writes.
    if url.get_backend_name() != "sqlite" or _is_memory(url) or not url.database:
        return
    folder = Path(url.database).expanduser().parent
    if os.statvfs(folder).f_flag & os.ST_RDONLY or not os.access(folder, os.W_OK):
        raise DatabaseError(
            f"database {shown} takes no writes: its folder {folder} is read-only"
            " (SQLite needs to write the file and its journal beside it)"
        )


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (creating a SQLite file's folder if needed)."""
    _prepare_sqlite_file(make_url(url))
    _refuse_read_only_sqlite(make_url(url), safe_url(url))
    try:
        command.upgrade(alembic_config(url), revision)
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(f"cannot use database {safe_url(url)}: {describe_error(exc)}") from exc


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to ``revision``."""
    command.downgrade(alembic_config(url), revision)


# Messages of database errors that go away by themselves (a lock, a full disk being cleared).
_TRANSIENT_MARKERS = ("database is locked", "disk is full", "disk i/o error", "connection")


def is_transient(exc: BaseException) -> bool:
    """Return True for a database error worth retrying soon: locked, unreachable, disk full."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, OperationalError | InterfaceError | OSError | TimeoutError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return any(marker in describe_error(exc).lower() for marker in _TRANSIENT_MARKERS)


def describe_error(exc: BaseException) -> str:
    """Return the most useful one-line cause of a database error."""
    cause: BaseException = exc
    while cause.__cause__ is not None:
        cause = cause.__cause__
    text = str(getattr(cause, "orig", None) or cause).strip().splitlines()
    return text[0] if text else type(cause).__name__
