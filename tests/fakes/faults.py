"""Fault injection from outside briefbot: the database refusing some writes (a trigger, as a
full disk would), a process holding SQLite's lock, a PostgreSQL outage behind a loopback proxy,
and `briefbot run` or another command as a real process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.db import sync_url
from tests.fakes.telegram import TOKEN

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


DISK_FULL = REFUSAL

_LOCKER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
    conn.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("ROLLBACK")
    """
)


@contextlib.asynccontextmanager
async def sqlite_locked(path: Path, seconds: float) -> AsyncIterator[asyncio.subprocess.Process]:
    """Have another process hold the write lock of the SQLite file ``path`` for ``seconds``.

    Returns once the lock is held; the block may end before the lock is released.
    """
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _LOCKER, str(path), str(seconds), stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    assert (await asyncio.wait_for(proc.stdout.readline(), 30)).strip() == b"locked"
    try:
        yield proc
    finally:
        if proc.returncode is None and seconds <= 0:
            proc.kill()


async def hold_sqlite_lock(path: Path, seconds: float) -> None:
    """Take SQLite's write lock from another process and return once it is held."""
    async with sqlite_locked(path, seconds):
        pass


@contextlib.contextmanager
def writes_refused(url: str, table: str, *, on: str = "UPDATE") -> Iterator[None]:
    """Have SQLite refuse every ``on`` (INSERT/UPDATE) of ``table`` as a full disk would.

    Blocking: with a bot running on this event loop use ``writes_refused_off_loop``.
    """
    # The trigger's DDL waits for SQLite's write lock; a loaded machine can hold it for long.
    engine = create_engine(sync_url(url), connect_args={"timeout": 60})
    name = f"refuse_{table}_{on.lower()}"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TRIGGER {name} BEFORE {on} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{DISK_FULL}'); END"
            )
        )
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TRIGGER {name}"))
        engine.dispose()


@contextlib.asynccontextmanager
async def writes_refused_off_loop(
    url: str, table: str, *, on: str = "UPDATE"
) -> AsyncIterator[None]:
    """As ``writes_refused``, with the trigger made and dropped in a thread.

    On the event loop the DDL would wait for a write lock that the bot on the same loop holds
    in a transaction it can only end when the loop runs: both stall until SQLite gives up, and
    the trigger is never made (or never dropped).
    """
    refusal = writes_refused(url, table, on=on)
    await asyncio.to_thread(refusal.__enter__)
    try:
        yield
    finally:
        await asyncio.to_thread(refusal.__exit__, None, None, None)


@dataclass
class TcpProxy:
    """A loopback TCP proxy to ``target``; ``outage`` cuts every connection and refuses more.

    Put it between briefbot and PostgreSQL to simulate a database restart without touching
    the real server.
    """

    target: tuple[str, int]
    refusing: bool = False
    _server: asyncio.Server | None = None
    _pipes: set[asyncio.StreamWriter] = field(default_factory=set)

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._pipes.update({writer, up_writer})

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                dst.close()
                self._pipes.discard(dst)

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    def cut(self) -> None:
        """Drop every open connection (what a server restart does to its clients)."""
        for pipe in list(self._pipes):
            pipe.transport.abort()
        self._pipes.clear()

    async def outage(self, seconds: float) -> None:
        """Cut every connection and refuse new ones for ``seconds``."""
        self.refusing = True
        self.cut()
        await asyncio.sleep(seconds)
        self.refusing = False

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


def reset_postgres(url: str) -> None:
    """Empty a PostgreSQL database: drop and recreate its public schema."""
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextlib.contextmanager
def scratch_postgres(base_url: str, name: str) -> Iterator[str]:
    """Create the PostgreSQL database ``name`` beside ``base_url``'s; drop it afterwards."""
    admin = create_engine(sync_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def via_proxy(url: str, proxy: TcpProxy) -> str:
    """Return ``url`` pointing at ``proxy`` instead of its server."""
    return (
        make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    )


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    stderr: str = ""


def process_roles(url: str) -> dict[int, set[str]]:
    """Return the roles each live briefbot process reports holding, by OS pid."""
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT pid, roles FROM processes")).all()
    finally:
        engine.dispose()
    return {int(pid): {r for r in roles.split(",") if r} for pid, roles in rows}


async def wait_until(predicate: Callable[[], bool], *, within: float, what: str) -> float:
    """Wait until ``predicate()``; return how long it took, or fail naming ``what``."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not predicate():
        if loop.time() - started > within:
            raise AssertionError(f"not within {within:.0f}s: {what}")
        await asyncio.sleep(0.1)
    return loop.time() - started


def process_env(api_url: str, url: str, folder: Path, **extra: str) -> dict[str, str]:
    """Return the environment of one ``briefbot run`` process with its own inbox and health file."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "BRIEFBOT_TELEGRAM_TOKEN": TOKEN,
        "BRIEFBOT_TELEGRAM_API_URL": api_url,
        "BRIEFBOT_DATABASE_URL": url,
        "BRIEFBOT_INBOX_DIR": str(folder / "inbox"),
        "BRIEFBOT_HEALTH_FILE": str(folder / "health.json"),
        **extra,
    }


@contextlib.asynccontextmanager
async def bot_process(cwd: Path, env: dict[str, str], *args: str) -> AsyncIterator[BotProcess]:
    """Run ``python -m bot run`` (or ``args``); stop it with SIGTERM and keep its log."""
    full_env = {**os.environ, "BRIEFBOT_LOG_LEVEL": "INFO", **env}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *(args or ("run",)),
        env=full_env,
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    running = BotProcess(proc)
    try:
        yield running
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        except TimeoutError:
            proc.kill()
            try:
                _, err = await asyncio.wait_for(proc.communicate(), timeout=10)
            except TimeoutError:
                # Its output stays open after it ended: something it started outlived it.
                raise AssertionError(
                    f"process {proc.pid} ended but a process it started still holds its output"
                ) from None
        running.stderr = err.decode(errors="replace")


async def cli(cwd: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run one ``briefbot`` command; return its exit code, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={**os.environ, **env},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()
