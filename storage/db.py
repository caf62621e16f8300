"""Engines, sessions and migrations for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, pool, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from alembic.config import Config

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


@contextlib.contextmanager
def single_process(url: str) -> Iterator[None]:
    """Hold ``<file>.lock`` of a SQLite database while the bot runs; refuse a second holder.

    SQLite serves one running bot: two would both poll, both deliver and keep two event
    indexes. The lock is the kernel's (flock), so it goes with the process, even on kill -9.
    PostgreSQL and in-memory databases need none.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or _is_memory(parsed) or not parsed.database:
        yield
        return
    _prepare_sqlite_file(parsed)
    _refuse_read_only_sqlite(parsed, safe_url(url))
    path = Path(parsed.database).expanduser()
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DatabaseError(f"cannot use database {safe_url(url)}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise DatabaseError(
                f"another `briefbot run` (pid {holder}) is already using {path}: SQLite serves "
                "one running bot. Stop that one, or use PostgreSQL to run several processes"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock; the file stays (removing it would race)


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
    elif aurl.get_backend_name() == "postgresql":
        # The connection used last is used next: FIFO spread the work over every pooled one,
        # each going cold (psycopg prepares a statement on its fifth use on a connection).
        kwargs["pool_use_lifo"] = True
    engine = create_async_engine(aurl, **kwargs)
    install_sqlite_pragmas(engine.sync_engine)
    if aurl.get_backend_name() == "postgresql":
        install_idle_ping(engine.sync_engine)
    return engine


# A pooled PostgreSQL connection idle this long is pinged before use (a restart or a cut may
# have closed it meanwhile). pool_pre_ping pinged at every checkout: one more round trip per
# unit of work, a quarter of a /summary's. A connection used moments ago that fails anyway
# fails its statement once; SQLAlchemy then replaces every connection of the pool.
PING_IDLE_SECONDS = 5.0


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def install_idle_ping(engine: Engine) -> None:
    """Ping a pooled connection before use when it sat idle for PING_IDLE_SECONDS or more."""

    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)  # outside a transaction: one round trip
        except Exception as exc:
            raise DisconnectionError(f"pooled connection lost: {exc}") from exc

    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", ping_if_idle)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory the units of work use."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """Build the Alembic configuration for ``url`` without an ini file."""
    from alembic.config import Config

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
    from alembic import command

    try:
        command.upgrade(alembic_config(url), revision)
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(f"cannot use database {safe_url(url)}: {describe_error(exc)}") from exc


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to ``revision``."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


_REVISION = re.compile(r'^(down_)?revision(?:: [^=]+)? = (?:"([^"]+)"|None)$', re.MULTILINE)


@cache
def head_revision() -> str:
    """Return the newest migration's id, read from the files (Alembic not imported).

    Alembic and its script machinery cost about 10 MiB that a running bot keeps; a bot whose
    schema is current only needs to know the head.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            if value:
                (parents if down else revisions).add(value)
    heads = revisions - parents
    if len(heads) != 1:
        raise DatabaseError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def current_revision(url: str) -> str | None:
    """Return the schema version a database records, or None (no schema, or unreadable)."""
    parsed = sync_url(url)
    if _is_memory(parsed) or (
        parsed.get_backend_name() == "sqlite"
        and not (parsed.database and Path(parsed.database).expanduser().is_file())
    ):
        return None
    engine = create_engine(parsed, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except Exception:
        return None  # upgrade() reports what is wrong, or creates the schema
    finally:
        engine.dispose()
    return found[0] if len(found) == 1 else None


def migrate(url: str) -> None:
    """Bring the schema to the head: a version check when it is current, else ``upgrade``."""
    if current_revision(url) != head_revision():
        upgrade(url)


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
