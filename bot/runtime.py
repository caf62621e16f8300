"""What runs beside the handlers: the delivery worker, the inbox watcher and repeating jobs.

The runtime starts and stops what bot.app built; it builds nothing itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.delivery.outbox import OutboxWorker
from bot.health import Health
from bot.ingest.inbox import InboxWatcher
from bot.ingest.model import IngestResult
from bot.ingest.poller import FeedPoller
from bot.roles import DELIVERY, DIGESTS, EVENTS, FEEDS, TELEGRAM, Roles
from bot.services.container import Services
from storage.db import describe_error, is_transient

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
AnyContext = CallbackContext[Any, Any, Any, Any]


@dataclass(frozen=True)
class Timings:
    """How often things happen; tests shorten them."""

    alert_check: float = 30.0
    digest_sweep: float = 30.0
    feed_poll: float | None = None  # default: min(settings.poll_interval, 60)
    first_run: float = 1.0
    per_second: float = 29.8  # just under Telegram's ~30 messages/s to all chats
    chat_interval: float = 1.0  # Telegram's ~1 message/s to one chat
    group_interval: float = 3.0  # and ~20 messages a minute to one group or channel
    lease: timedelta = timedelta(minutes=2)
    idle_poll: float = 1.0
    backoff_base: float = 2.0
    inbox: bool = True
    feeds: bool = True
    # Sent and dead outbox rows are kept this long (for /stats and debugging), then purged.
    outbox_retention: timedelta = timedelta(days=7)
    outbox_purge: float = 3600.0
    # Group the held window again after this many new articles, or this often when any arrived.
    revise_after: int = 200
    revise_every: float = 600.0
    # After a pass taking t seconds, wait at least this many times t: about a tenth of one core.
    revise_rest: float = 9.0
    revise: bool = True
    # Generous: a sweep that runs late must still run (APScheduler's default is 1 s).
    misfire_grace: int = 300
    # A worker that crashed is started again after this, doubling up to restart_cap.
    restart_base: float = 1.0
    restart_cap: float = 60.0
    # A worker that ran this long before crashing starts again from restart_base.
    restart_reset: float = 300.0
    heartbeat: float = 5.0
    # Several processes on PostgreSQL: how often each beats and competes for roles, and how
    # long a silent one counts as alive (its roles and claims move after that).
    role_tick: float = 1.0
    dead_after: timedelta = timedelta(seconds=6)
    placement_poll: float = 0.5


@dataclass
class Runtime:
    """The running process: services plus the background work tied to the Application.

    ``poller`` and ``inbox`` are None when the timings switch them off.
    """

    services: Services
    worker: OutboxWorker
    timings: Timings
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    poller: FeedPoller | None = None
    inbox: InboxWatcher | None = None
    health: Health = field(default_factory=lambda: Health(None))
    roles: Roles = field(default_factory=Roles)
    _alerts_wanted: asyncio.Event = field(default_factory=asyncio.Event)
    # One alert check at a time: the job and an ingest-triggered check may overlap.
    _alert_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _revise_wanted: asyncio.Event = field(default_factory=asyncio.Event)
    _revise_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Work started at once when a role is gained, by name (one of each at a time).
    _kicked: dict[str, asyncio.Task[object]] = field(default_factory=dict)
    _sweep_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        # Every ingestion path stores through the pipeline: one subscription covers them all.
        self.services.pipeline.after_store(self.after_store)
        # Several processes: the owner of the event index places what every process stores.
        self.services.pipeline.defer_placement = self.roles.shared
        self._placements_wanted = asyncio.Event()
        self.roles.on_gain.append(self._gained)

    def _gained(self, role: str) -> None:
        if role == EVENTS:
            self.services.events.invalidate()  # rebuilt from the database, where the last owner left it
            self._placements_wanted.set()
        elif role == DELIVERY:
            self.worker.wake()
        # Maybe taken over from a process that died or hung: go on with what it left at once,
        # not at the next tick of the job (up to a minute later). Its digest sweep stopped
        # half-way, and the feeds it had claimed are free for any process now. (At start-up
        # this is the jobs' first run, a second early.)
        if role == DIGESTS:
            self._kick("digests", self.sweep_digests)
        self._kick("feeds", self.poll_feeds)

    def _kick(self, name: str, work: Callable[[], Awaitable[object]]) -> None:
        """Run ``work`` now in the background (unless it is running already), logging failures."""
        running = self._kicked.get(name)
        if running is not None and not running.done():
            return

        async def once() -> object:
            try:
                return await work()
            except Exception as exc:
                log.warning("%s after a takeover failed: %s", name, describe_error(exc))
                return None

        self._kicked[name] = asyncio.get_running_loop().create_task(once(), name=f"kick-{name}")

    async def _place_loop(self, ended: asyncio.Event) -> None:
        """While this process owns the event index: place queued articles, then check alerts."""
        roles = self.roles
        while not ended.is_set():
            try:
                placed = await self.services.pipeline.place_queued(
                    fence=lambda uow: roles.fence(EVENTS, uow)
                )
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("placing articles failed: %s", describe_error(exc))
                self.health.failing("placement", describe_error(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ended.wait(), 1.0)
                continue
            if placed:
                self._alerts_wanted.set()
                if self.services.events.pending >= self.timings.revise_after:
                    self._revise_wanted.set()
                continue
            self._placements_wanted.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._placements_wanted.wait(), self.timings.placement_poll)

    async def _poll_updates(self, app: AnyApp, ended: asyncio.Event) -> None:
        """While this process holds the telegram role: long-poll Telegram for updates."""
        assert app.updater is not None
        await app.updater.start_polling(timeout=10, drop_pending_updates=False)
        try:
            await ended.wait()
        finally:
            if app.updater.running:  # a stop of the whole bot may have stopped it already
                await app.updater.stop()

    def after_store(self, _result: IngestResult) -> None:
        """Check for alerts soon (a new article may have made an event alert-worthy)."""
        if self.roles.shared:
            self._placements_wanted.set()  # placed first, then the alert check follows
            return
        self._alerts_wanted.set()
        if self.services.events.pending >= self.timings.revise_after:
            self._revise_wanted.set()

    async def revise_events(self) -> int:
        """Group the changed part of the held window again; return how many articles moved.

        Never news: merges and splits are not alerted, and chats' alert marks follow them.
        """
        async with self._revise_lock:
            self._revise_wanted.clear()
            revision = await self.services.pipeline.revise(
                fence=lambda uow: self.roles.fence(EVENTS, uow)
            )
        return len(revision.moves)

    async def _revise_loop(self) -> None:
        """Revise after enough new articles or time, resting so a pass costs ~10% of a core."""
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._revise_wanted.wait(), self.timings.revise_every)
            if self.stop.is_set():
                return
            if not self.services.events.pending:
                self._revise_wanted.clear()
                continue
            started = time.perf_counter()
            try:
                await self.revise_events()
            except Exception:
                log.exception("revision pass failed")
            await asyncio.sleep(self.timings.revise_rest * (time.perf_counter() - started))

    async def check_alerts(self) -> int:
        """Queue due alerts and wake the worker."""
        if not self.roles.holds(EVENTS):
            return 0
        async with self._alert_lock:
            self._alerts_wanted.clear()
            queued = await self.services.alerts.check(self.services.clock())
        if queued:
            self.worker.wake()
        return queued

    async def sweep_digests(self) -> int:
        """Queue due digests and wake the worker."""
        if not self.roles.holds(DIGESTS) or self._sweep_lock.locked():
            return 0  # a sweep under way (the job's, or one after a takeover) does it
        async with self._sweep_lock:
            queued = await self.services.digests.sweep(self.services.clock())
        if queued:
            self.worker.wake()
        return queued

    async def purge_outbox(self) -> int:
        """Delete sent and dead messages older than the retention period."""
        if not self.roles.holds(DIGESTS):
            return 0
        before = self.services.clock() - self.timings.outbox_retention
        async with self.services.db.unit_of_work() as uow:
            purged = await uow.outbox.purge(before=before)
        if purged:
            log.info("purged %d old outbox message(s)", purged)
        return purged

    async def poll_feeds(self) -> None:
        """Start polling due feeds (each on its own) and re-fetch recent articles."""
        if self.poller is None or FEEDS not in self.roles.wanted:
            return
        now = self.services.clock()
        await self.poller.start_due(now)
        await self.poller.refetch_due(now)

    async def _alert_loop(self) -> None:
        """Run an alert check as soon as ingestion asks for one."""
        while not self.stop.is_set():
            await self._alerts_wanted.wait()
            try:
                await self.check_alerts()
            except Exception as exc:
                if is_transient(exc):
                    log.warning("alert check failed: %s", describe_error(exc))
                else:
                    log.exception("alert check failed")
                self.health.failing("alerts", describe_error(exc))
            else:
                self.health.running("alerts")

    async def _heartbeat(self) -> None:
        """Write the health file every few seconds, for `briefbot status` in another process."""
        while not self.stop.is_set():
            self.health.changed.clear()
            await asyncio.to_thread(self.health.write)
            stop, changed = (
                asyncio.ensure_future(e.wait()) for e in (self.stop, self.health.changed)
            )
            await asyncio.wait(
                {stop, changed}, timeout=self.timings.heartbeat, return_when="FIRST_COMPLETED"
            )
            stop.cancel()
            changed.cancel()

    async def _supervise(self, name: str, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` until stop; when it raises, log it and start it again with backoff."""
        loop = asyncio.get_running_loop()
        failures = 0
        while not self.stop.is_set():
            started = loop.time()
            self.health.running(name)
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if loop.time() - started > self.timings.restart_reset:
                    failures = 0
                failures += 1
                wait = min(
                    self.timings.restart_cap, self.timings.restart_base * 2 ** (failures - 1)
                )
                log.exception("%s stopped on an error; restarting it in %.1fs", name, wait)
                self.health.restarting(name, f"{type(exc).__name__}: {describe_error(exc)}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), wait)
                continue
            if not self.stop.is_set():
                log.error("%s returned while the bot runs; starting it again", name)
        self.health.stopped(name)

    def _start_worker(self, name: str, work: Callable[[], Awaitable[None]]) -> None:
        self.tasks.append(asyncio.create_task(self._supervise(name, work), name=name))

    async def start(self, app: AnyApp) -> None:
        """Start the worker, the inbox watcher and the repeating jobs."""
        settings, t = self.services.settings, self.timings
        self.stop.clear()
        roles = self.roles
        if roles.shared:
            self._start_worker("roles", lambda: roles.run(self.stop))
            self._start_worker(
                "placement", lambda: roles.while_held(EVENTS, self.stop, self._place_loop)
            )
            if not settings.webhook_url and TELEGRAM in roles.wanted:
                self._start_worker(
                    "telegram",
                    lambda: roles.while_held(
                        TELEGRAM, self.stop, lambda ended: self._poll_updates(app, ended)
                    ),
                )
        self._start_worker("outbox", lambda: self.worker.run(self.stop))
        self._start_worker("alert-loop", self._alert_loop)
        if t.revise:
            self._start_worker("revise-loop", self._revise_loop)
        self.tasks.append(asyncio.create_task(self._heartbeat(), name="heartbeat"))
        if self.inbox is not None:
            inbox = self.inbox
            self._start_worker("inbox", lambda: inbox.watch(self.stop))
        job_queue = app.job_queue
        assert job_queue is not None, "install python-telegram-bot[job-queue]"
        options = {"misfire_grace_time": t.misfire_grace, "coalesce": True, "max_instances": 1}
        jobs: list[tuple[Callable[[Runtime], Awaitable[object]], float, str]] = [
            (Runtime.check_alerts, t.alert_check, "alerts"),
            (Runtime.sweep_digests, t.digest_sweep, "digests"),
            (Runtime.purge_outbox, t.outbox_purge, "outbox-retention"),
        ]
        if self.poller is not None:
            interval = t.feed_poll or float(min(settings.poll_interval, 60))
            jobs.append((Runtime.poll_feeds, interval, "feeds"))
        for method, every, name in jobs:
            job_queue.run_repeating(
                _job(method), every, first=t.first_run, name=name, job_kwargs=options
            )

    async def shutdown(self) -> None:
        """Stop background work: sends under way finish, queued messages stay queued."""
        self.stop.set()
        self._alerts_wanted.set()  # let the alert loop see the stop
        self._revise_wanted.set()
        self._placements_wanted.set()
        for task in self.tasks:
            if task.get_name() in ("alert-loop", "revise-loop"):
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
        for kicked in self._kicked.values():
            kicked.cancel()
        await asyncio.gather(*self._kicked.values(), return_exceptions=True)
        self._kicked.clear()
        if self.poller is not None:
            self.services.pipeline.analysers = None  # its workers stop with it
            await self.poller.close()
            self.poller = None
        await asyncio.to_thread(self.health.remove)


def _job(method: Any) -> Any:
    """Wrap a Runtime method as a JobQueue callback that logs instead of raising."""

    async def callback(context: AnyContext) -> None:
        runtime: Runtime = context.application.bot_data["runtime"]
        name = f"job {method.__name__}"
        try:
            await method(runtime)
        except Exception as exc:
            if is_transient(exc):  # a lock or a restart: the next run will do
                log.warning("job %s failed: %s", method.__name__, describe_error(exc))
            else:
                log.exception("job %s failed", method.__name__)
            runtime.health.failing(name, f"{type(exc).__name__}: {describe_error(exc)}")
        else:
            runtime.health.running(name)

    callback.__name__ = method.__name__
    return callback
