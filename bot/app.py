"""The composition root: builds every service once and wires them together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.config import ConfigError, Settings
from bot.delivery.alerts import AlertService
from bot.delivery.digests import DigestService
from bot.events.heap import map_large_blocks
from bot.events.service import EventService
from bot.ingest.pipeline import Pipeline
from bot.services.container import Services
from bot.services.feeds import FeedService
from bot.services.lookup import LookupService
from bot.services.status import StatusService
from bot.services.subscribers import SubscriberService
from bot.services.uploads import UploadService
from bot.times import Clock, utcnow
from storage.db import single_process
from storage.unit_of_work import Database, UnitOfWork

# The running bot's parts (Telegram, its handlers, the webhook server, the background work) are
# imported where the bot is built: a CLI command that only opens the services (ingest, brief,
# status) then starts without them, about a second of CPU less at every start.
if TYPE_CHECKING:
    import httpx
    from telegram.ext import Application

    from bot.delivery.sender import JSONRequest, RateLimiter
    from bot.roles import Roles
    from bot.runtime import Runtime, Timings
    from bot.webhook import WebhookServer

    AnyApp = Application[Any, Any, Any, Any, Any, Any]

log = logging.getLogger(__name__)


def build_services(
    settings: Settings, *, database_url: str | None = None, clock: Clock = utcnow
) -> Services:
    """Build the services for ``settings`` (``database_url`` overrides the configured one)."""
    db = Database(database_url or settings.database_url)
    events = EventService()
    pipeline = Pipeline(db, events, clock=clock)
    return Services(
        settings=settings,
        db=db,
        events=events,
        pipeline=pipeline,
        feeds=FeedService(db, settings, clock=clock),
        uploads=UploadService(pipeline, settings),
        subscribers=SubscriberService(db, settings, clock=clock),
        lookup=LookupService(db, events, default_zone=settings.zone),
        status=StatusService(db),
        alerts=AlertService(
            db,
            events,
            min_sources=settings.alert_min_sources,
            window=timedelta(minutes=settings.alert_window_minutes),
        ),
        digests=DigestService(db, events),
        clock=clock,
    )


def build_runtime(
    services: Services, app: AnyApp, timings: Timings, *, limiter: RateLimiter, roles: Roles
) -> Runtime:
    """Build the background work of a running bot: outbox worker, inbox watcher, feed poller."""
    from bot.delivery.outbox import OutboxWorker
    from bot.health import Health
    from bot.ingest.inbox import InboxWatcher
    from bot.ingest.poller import FeedPoller
    from bot.roles import DELIVERY
    from bot.runtime import Runtime

    settings = services.settings
    health = Health(settings.health_file, clock=services.clock)
    owner = roles.process_id if roles.shared else None
    worker = OutboxWorker(
        services.db,
        app.bot,
        limiter=limiter,
        clock=services.clock,
        lease=timings.lease,
        idle_poll=timings.idle_poll,
        backoff_base=timings.backoff_base,
        health=health,
        owner=owner,
        may_claim=lambda: roles.holds(DELIVERY),
        dead_after=timings.dead_after,
        alive=roles.alive,
    )
    inbox = (
        InboxWatcher(settings.inbox_dir, services.pipeline, max_bytes=settings.max_file_bytes)
        if timings.inbox
        else None
    )
    poller = (
        FeedPoller(
            services.db,
            services.pipeline,
            settings,
            owner=roles.process_id,
            dead_after=timings.dead_after,
        )
        if timings.feeds
        else None
    )
    if poller is not None:  # the inbox's big batches are analysed in the poller's workers
        services.pipeline.analysers = poller.parsers
    return Runtime(
        services=services,
        worker=worker,
        timings=timings,
        poller=poller,
        inbox=inbox,
        health=health,
        roles=roles,
    )


# Bot API methods that show something in a chat: none may leave a process paused past its lease.
_SENDS = ("send", "edit", "forward", "copy")


def _bot_request(roles: Roles) -> JSONRequest:
    """Return the Bot API connection; one of several processes' refuses to send while its
    heartbeat is too old (it was paused; another may hold its claims now).

    Checked by httpx just before the request goes out, the last moment we can: a send the
    outbox worker checked before a pause is stopped here after it, not sent twice.
    """
    import httpx

    from bot.delivery.sender import JSONRequest

    async def guard(request: httpx.Request) -> None:
        method = request.url.path.rsplit("/", 1)[-1]
        if method.startswith(_SENDS) and not roles.alive():
            raise httpx.ConnectError("not sent: this process was paused past its heartbeat")

    hooks = {"event_hooks": {"request": [guard]}} if roles.shared else None
    return JSONRequest(connection_pool_size=128, pool_timeout=30.0, httpx_kwargs=hooks)


async def _lag(uow: UnitOfWork, clock: Clock) -> dict[str, float]:
    """Return how far behind the shared work is: the oldest due message, articles unplaced."""
    now = clock()
    due = await uow.outbox.get_next_due()
    return {
        "outbox_seconds": round(max(0.0, (now - due).total_seconds()), 1) if due else 0.0,
        "unplaced_articles": float(await uow.articles.count_placements()),
    }


async def _post_init(app: AnyApp) -> None:
    from handlers.registry import set_command_menus

    runtime: Runtime = app.bot_data["runtime"]
    await set_command_menus(app.bot, runtime.services.settings.admin_ids)
    await runtime.start(app)


async def _post_stop(app: AnyApp) -> None:
    runtime: Runtime = app.bot_data["runtime"]
    await runtime.shutdown()


def build_application(services: Services, *, timings: Timings | None = None) -> AnyApp:
    """Build the PTB Application: handlers, jobs and the delivery worker, against the configured API."""
    from telegram.ext import ApplicationBuilder

    from bot.delivery.sender import RateLimiter, SharedRateLimiter
    from bot.roles import build_roles
    from bot.runtime import Timings
    from handlers.context import SERVICES
    from handlers.errors import on_error
    from handlers.registry import telegram_handlers

    # Periods as timedelta (PTB 22's future default); without it every 429 warns.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    settings = services.settings
    if settings.telegram_token is None:
        raise ConfigError("BRIEFBOT_TELEGRAM_TOKEN is not set; get a token from @BotFather")
    timings = timings or Timings()
    # One limiter for everything the bot sends: the outbox worker paces itself with it, and
    # command replies go through it as the Bot's rate limiter (so a 429 is waited out).
    limiter = RateLimiter(
        per_second=timings.per_second,
        chat_interval=timings.chat_interval,
        group_interval=timings.group_interval,
    )
    roles = build_roles(
        services.db,
        settings.role_set,
        clock=services.clock,
        tick=timings.role_tick,
        dead_after=timings.dead_after,
        lag=lambda uow: _lag(uow, services.clock),
    )
    api = settings.telegram_api_url
    app = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .request(_bot_request(roles))
        .rate_limiter(SharedRateLimiter(limiter))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .build()
    )
    # Handlers see the services only; the runtime is for the application's own callbacks.
    app.bot_data[SERVICES] = services
    app.bot_data["runtime"] = build_runtime(services, app, timings, limiter=limiter, roles=roles)
    app.add_handlers(telegram_handlers())
    app.add_error_handler(on_error)
    return app


@contextlib.asynccontextmanager
async def running(app: AnyApp, *, poll_timeout: int = 30) -> AsyncIterator[AnyApp]:
    """Run ``app`` (webhook when configured, else long polling) until the block exits.

    The same order as Application.run_polling, but inside an event loop we already own.
    """
    from bot.webhook import WebhookServer

    runtime: Runtime = app.bot_data["runtime"]
    settings = runtime.services.settings
    webhook: WebhookServer | None = None
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None
        if settings.webhook_url:
            assert settings.webhook_secret is not None
            secret = settings.webhook_secret.get_secret_value()
            # Our own server, not PTB's: it refuses bodies without the secret before reading.
            webhook = WebhookServer(
                app.bot,
                app.update_queue,
                secret=secret,
                path=urlsplit(settings.webhook_url).path,
            )
            webhook.listen(settings.webhook_listen, settings.webhook_port)
            await app.bot.set_webhook(
                settings.webhook_url, secret_token=secret, drop_pending_updates=False
            )
        elif not runtime.roles.shared:  # several processes: the telegram role's holder polls
            await app.updater.start_polling(timeout=poll_timeout, drop_pending_updates=False)
        await app.start()
        yield app
    finally:
        if webhook is not None:
            await webhook.close()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()


async def run_bot(settings: Settings) -> None:
    """Run the bot until SIGINT or SIGTERM: migrate, start everything, stop cleanly."""
    # Before the index and the revision passes allocate their arrays (bot/events/heap.py).
    map_large_blocks()
    with single_process(settings.database_url):
        await _run_services(settings)


async def _run_services(settings: Settings) -> None:
    services = build_services(settings)
    try:
        await asyncio.to_thread(services.db.migrate)
        # Fail now, not at the first message, when nothing could be stored or sent.
        await services.db.check_writable()
        app = build_application(services)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            async with running(app):
                mode = "webhook" if settings.webhook_url else "long polling"
                log.info("briefbot is running (%s); stop with Ctrl+C", mode)
                await stop.wait()
                log.info("stopping: jobs stop, queued messages stay queued")
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
    finally:
        await services.close()
