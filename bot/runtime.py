"""What runs beside the handlers: the delivery worker, the inbox watcher and repeating jobs.

The runtime starts and stops what bot.app built; it builds nothing itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.delivery.outbox import OutboxWorker
from bot.ingest.inbox import InboxWatcher
from bot.ingest.model import IngestResult
from bot.ingest.poller import FeedPoller
from bot.services.container import Services

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
    per_second: float = 29.0  # just under Telegram's ~30 messages/s to all chats
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
    # Generous: a sweep that runs late must still run (APScheduler's default is 1 s).
    misfire_grace: int = 300


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
    _alerts_wanted: asyncio.Event = field(default_factory=asyncio.Event)
    # One alert check at a time: the job and an ingest-triggered check may overlap.
    _alert_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        # Every ingestion path stores through the pipeline: one subscription covers them all.
        self.services.pipeline.after_store(self.after_store)

    def after_store(self, _result: IngestResult) -> None:
        """Check for alerts soon (a new article may have made an event alert-worthy)."""
        self._alerts_wanted.set()

    async def check_alerts(self) -> int:
        """Queue due alerts and wake the worker."""
        async with self._alert_lock:
            self._alerts_wanted.clear()
            queued = await self.services.alerts.check(self.services.clock())
        if queued:
            self.worker.wake()
        return queued

    async def sweep_digests(self) -> int:
        """Queue due digests and wake the worker."""
        queued = await self.services.digests.sweep(self.services.clock())
        if queued:
            self.worker.wake()
        return queued

    async def purge_outbox(self) -> int:
        """Delete sent and dead messages older than the retention period."""
        before = self.services.clock() - self.timings.outbox_retention
        async with self.services.db.unit_of_work() as uow:
            purged = await uow.outbox.purge(before=before)
        if purged:
            log.info("purged %d old outbox message(s)", purged)
        return purged

    async def poll_feeds(self) -> None:
        """Poll due feeds and re-fetch recent articles."""
        if self.poller is None:
            return
        now = self.services.clock()
        for report in await self.poller.poll_due(now):
            log.info("%s", report.describe())
        await self.poller.refetch_due(now)

    async def _alert_loop(self) -> None:
        """Run an alert check as soon as ingestion asks for one."""
        while not self.stop.is_set():
            await self._alerts_wanted.wait()
            try:
                await self.check_alerts()
            except Exception:
                log.exception("alert check failed")

    async def start(self, app: AnyApp) -> None:
        """Start the worker, the inbox watcher and the repeating jobs."""
        settings, t = self.services.settings, self.timings
        self.stop.clear()
        self.tasks.append(asyncio.create_task(self.worker.run(self.stop), name="outbox"))
        self.tasks.append(asyncio.create_task(self._alert_loop(), name="alerts"))
        if self.inbox is not None:
            self.tasks.append(asyncio.create_task(self.inbox.watch(self.stop), name="inbox"))
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
        for task in self.tasks:
            if task.get_name() == "alerts":
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
        if self.poller is not None:
            await self.poller.close()
            self.poller = None


def _job(method: Any) -> Any:
    """Wrap a Runtime method as a JobQueue callback that logs instead of raising."""

    async def callback(context: AnyContext) -> None:
        runtime: Runtime = context.application.bot_data["runtime"]
        try:
            await method(runtime)
        except Exception:
            log.exception("job %s failed", method.__name__)

    callback.__name__ = method.__name__
    return callback
