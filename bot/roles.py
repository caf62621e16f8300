"""Which process does what when several `briefbot run` share one PostgreSQL database.

Shared work needs no owner: every process polls feeds, claiming each due feed in PostgreSQL
(``FOR UPDATE SKIP LOCKED`` with a lease). What must be single has one owner at a time, held
through a PostgreSQL session advisory lock on a connection of its own:

- ``telegram``: long polling (Telegram allows one ``getUpdates`` consumer per token; with a
  webhook every process serves updates and this role is not needed),
- ``events``: the event index, placing stored articles into events in arrival order, and the
  alert checks that follow from it,
- ``digests``: the digest sweep (and the outbox retention purge),
- ``delivery``: the outbox worker, and with it Telegram's global ~30 messages/s budget.

The server releases a session's advisory locks when its connection ends, so the roles of a
process killed outright move at the next tick of another (about a second). A process that is
paused or hung keeps its connection: once its heartbeat (the ``processes`` table) is older than
``dead_after``, another process ends that connection (``pg_terminate_backend``) and takes over.
Each takeover also bumps the role's fencing token; the events owner checks it in every unit of
work that places articles, so one that wakes up after losing the role cannot place any more.

With SQLite there is one process (the file lock refuses a second), and it holds every role.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.config import ROLE_NAMES
from bot.times import Clock, utcnow
from storage.db import describe_error
from storage.repositories.processes import LOCK_CONNECTION
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)

TELEGRAM, EVENTS, DIGESTS, DELIVERY, FEEDS = ROLE_NAMES
# Single-owner roles, each with its advisory lock key; feeds is shared work.
EXCLUSIVE: tuple[str, ...] = (TELEGRAM, EVENTS, DIGESTS, DELIVERY)
ALL_ROLES = ROLE_NAMES
# The first key of the two-key advisory locks ("brbt"): the second is the role's index.
LOCK_SPACE = 0x62726274

Lag = Callable[[UnitOfWork], Awaitable[dict[str, float]]]


@dataclass
class Roles:
    """The roles this process holds, and the events that tell when one is gained or lost.

    This base class is the single-process case: every wanted role is held from the start.
    """

    wanted: frozenset[str] = frozenset(ALL_ROLES)
    process_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    held: set[str] = field(default_factory=set)
    tokens: dict[str, int] = field(default_factory=dict)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    on_gain: list[Callable[[str], None]] = field(default_factory=list)

    #: Several processes may run: claims carry the owner, webhook/polling follow the role.
    shared = False

    def __post_init__(self) -> None:
        if not self.shared:
            self.held = set(self.wanted)

    def holds(self, role: str) -> bool:
        return role in self.held

    async def run(self, stop: asyncio.Event) -> None:
        """Keep the roles until ``stop`` (nothing to do for a single process)."""
        await stop.wait()

    async def fence(self, role: str, uow: UnitOfWork) -> bool:
        """Tell, inside ``uow``, whether this process still holds ``role``."""
        return self.holds(role)

    def alive(self) -> bool:
        """Tell whether no other process can think this one dead (always, alone)."""
        return True

    def _gain(self, role: str, token: int | None = None) -> None:
        self.held.add(role)
        if token is not None:
            self.tokens[role] = token
        for hook in self.on_gain:
            hook(role)
        self._changed.set()

    def _lose(self, roles: Iterable[str]) -> None:
        lost = [r for r in roles if r in self.held]
        for role in lost:
            self.held.discard(role)
            self.tokens.pop(role, None)
            log.warning("lost role %s", role)
        if lost:
            self._changed.set()

    async def wait_until(self, predicate: Callable[[], bool], stop: asyncio.Event) -> bool:
        """Wait until ``predicate()`` holds (True) or ``stop`` is set (False)."""
        while not stop.is_set():
            if predicate():
                return True
            self._changed.clear()
            changed = asyncio.ensure_future(self._changed.wait())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({changed, stopped}, return_when="FIRST_COMPLETED")
            changed.cancel()
            stopped.cancel()
        return False

    async def _end_on_loss(self, role: str, stop: asyncio.Event, ended: asyncio.Event) -> None:
        await self.wait_until(lambda: not self.holds(role), stop)
        ended.set()

    async def while_held(
        self, role: str, stop: asyncio.Event, work: Callable[[asyncio.Event], Awaitable[None]]
    ) -> None:
        """Run ``work(ended)`` each time this process gains ``role``; ``ended`` is set when
        the role is lost or ``stop`` is set, and ``work`` should then return."""
        while await self.wait_until(lambda: self.holds(role), stop):
            ended = asyncio.Event()
            watcher = asyncio.create_task(self._end_on_loss(role, stop, ended))
            try:
                await work(ended)
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher


@dataclass
class SharedRoles(Roles):
    """Roles of one of several processes on PostgreSQL, held through advisory locks."""

    db: Database | None = None
    clock: Clock = utcnow
    tick: float = 1.0
    dead_after: timedelta = timedelta(seconds=10)
    lag: Lag | None = None
    shared = True
    started_at: object = None
    backend_pid: int | None = None
    _engine: AsyncEngine | None = None
    _beat_at: float | None = None

    def alive(self) -> bool:
        """Tell whether this process's last heartbeat is recent enough that no other process
        can think it dead: after a pause (SIGSTOP, a stalled machine) it is not, until the
        next heartbeat is stored. The monotonic clock counts the time it was stopped."""
        if self._beat_at is None:
            return False
        age = asyncio.get_running_loop().time() - self._beat_at
        return age < self.dead_after.total_seconds() / 2

    async def run(self, stop: asyncio.Event) -> None:
        """Heartbeat and compete for the wanted roles until ``stop``; then let them go."""
        assert self.db is not None
        self.started_at = self.clock()
        # Its own engine without a pool: the lock connection is never shared or recycled.
        self._engine = create_async_engine(
            self.db.engine.url,
            poolclass=NullPool,
            connect_args={"application_name": LOCK_CONNECTION},
        )
        failures = 0
        try:
            while not stop.is_set():
                try:
                    async with self._engine.connect() as conn:
                        await conn.execution_options(isolation_level="AUTOCOMMIT")
                        self.backend_pid = int(
                            (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                        )
                        failures = 0
                        while not stop.is_set():
                            await self._tick(conn)
                            with contextlib.suppress(TimeoutError):
                                await asyncio.wait_for(stop.wait(), self.tick)
                except Exception as exc:
                    failures += 1
                    self._beat_at = None
                    self._lose(list(self.held))
                    wait = min(10.0, 0.5 * 2 ** min(failures - 1, 5))
                    log.warning(
                        "role connection failed (%s); again in %.1fs", describe_error(exc), wait
                    )
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), wait)
        finally:
            self._lose(list(self.held))
            await self._engine.dispose()  # closing the connection frees every advisory lock
            with contextlib.suppress(Exception):
                async with self.db.unit_of_work() as uow:
                    await uow.processes.forget(self.process_id)

    async def _tick(self, conn: AsyncConnection) -> None:
        """Beat, check the locks held are still ours, take free roles, free hung ones."""
        assert self.db is not None
        now = self.clock()
        # The connection answering at all proves the locks on it are still held.
        await conn.execute(text("SELECT 1"))
        async with self.db.unit_of_work() as uow:
            lag = await self.lag(uow) if self.lag is not None else {}
        async with self.db.unit_of_work() as uow:
            await uow.processes.beat(
                self.process_id,
                host=socket.gethostname(),
                pid=os.getpid(),
                backend_pid=self.backend_pid,
                roles=sorted(self.held),
                wanted=sorted(self.wanted),
                lag=lag,
                started_at=self.started_at or now,  # type: ignore[arg-type]
                now=now,
            )
        self._beat_at = asyncio.get_running_loop().time()
        missing = [r for r in EXCLUSIVE if r in self.wanted and r not in self.held]
        for role in missing:
            query = text("SELECT pg_try_advisory_lock(:space, :key)")
            got = (
                await conn.execute(query, {"space": LOCK_SPACE, "key": EXCLUSIVE.index(role)})
            ).scalar_one()
            if got:
                async with self.db.unit_of_work() as uow:
                    token = await uow.processes.take_fence(role, holder=self.process_id, now=now)
                log.info("took role %s (fence %d)", role, token)
                self._gain(role, token)
        if any(r not in self.held for r in missing):
            async with self.db.unit_of_work() as uow:
                hung = await uow.processes.hung_backends(now, dead_after=self.dead_after)
                await uow.processes.forget_older(now - timedelta(hours=1))
            for pid in hung:
                if pid != self.backend_pid:
                    log.warning(
                        "a process is silent for %s: ending its connection", self.dead_after
                    )
                    await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    async def fence(self, role: str, uow: UnitOfWork) -> bool:
        """Tell, inside ``uow``, whether this process's fencing token for ``role`` is current.

        The token row stays share-locked until ``uow`` commits, so a takeover waits for it.
        """
        token = self.tokens.get(role)
        return token is not None and await uow.processes.holds_fence(role, token)


def build_roles(
    db: Database,
    wanted: frozenset[str],
    *,
    clock: Clock = utcnow,
    tick: float = 1.0,
    dead_after: timedelta = timedelta(seconds=10),
    lag: Lag | None = None,
) -> Roles:
    """Return the roles of this process: shared ones on PostgreSQL, all of them on SQLite."""
    if db.engine.dialect.name == "postgresql":
        return SharedRoles(
            wanted=wanted, db=db, clock=clock, tick=tick, dead_after=dead_after, lag=lag
        )
    return Roles(wanted=wanted)
