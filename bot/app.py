"""The composition root: builds every service once and wires them together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.admin import AdminService
from bot.config import ConfigError, Settings
from bot.delivery.alerts import AlertService
from bot.delivery.digests import DigestService
from bot.delivery.sender import RateLimiter, SharedRateLimiter
from bot.delivery.subscribers import SubscriberService
from bot.events import EventService
from bot.jobs import Runtime, Timings
from bot.lookup import EventLookup
from bot.pipeline import Pipeline
from bot.services.feeds import FeedService
from storage.types import utcnow
from storage.unit_of_work import Database

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Services:
    """Everything the CLI commands, jobs and handlers need, built once per process."""

    settings: Settings
    db: Database
    events: EventService
    pipeline: Pipeline
    subscribers: SubscriberService
    lookup: EventLookup
    admin: AdminService
    feeds: FeedService
    alerts: AlertService
    digests: DigestService
    clock: Callable[[], datetime] = field(default=utcnow)

    async def close(self) -> None:
        await self.db.dispose()


def build_services(
    settings: Settings,
    *,
    database_url: str | None = None,
    clock: Callable[[], datetime] = utcnow,
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
        subscribers=SubscriberService(db, settings, clock=clock),
        lookup=EventLookup(db, events, default_zone=settings.zone),
        admin=AdminService(db, pipeline, settings, clock=clock),
        feeds=FeedService(db, settings, clock=clock),
        alerts=AlertService(
            db,
            events,
            min_sources=settings.alert_min_sources,
            window=timedelta(minutes=settings.alert_window_minutes),
        ),
        digests=DigestService(db, events),
        clock=clock,
    )


def _handlers() -> list[Any]:
    """Every handler in the order PTB tries them."""
    from handlers import admin, callbacks, commands

    user = [
        ("start", commands.start),
        ("stop", commands.stop),
        ("subscribe", commands.subscribe),
        ("unsubscribe", commands.unsubscribe),
        ("events", commands.events),
        ("summary", commands.summary),
        ("sources", commands.sources),
        ("changes", commands.changes),
        ("digest", commands.digest),
        ("timezone", commands.timezone),
        ("quiet", commands.quiet),
        ("language", commands.language),
        ("previews", commands.previews),
        ("here", commands.here),
        ("connect", commands.connect),
        ("disconnect", commands.disconnect),
        ("settings", commands.settings),
        ("help", commands.help_command),
        ("addfeed", admin.add_feed),
        ("removefeed", admin.remove_feed),
        ("feeds", admin.list_feeds),
        ("export", admin.export_feeds),
        ("stats", admin.stats),
    ]
    # New messages only: an edited message or a channel post is not someone talking to us.
    new = filters.UpdateType.MESSAGE
    return [
        *(CommandHandler(name, callback) for name, callback in user),
        CallbackQueryHandler(callbacks.press_button),
        MessageHandler(new & filters.Document.ALL & filters.ChatType.PRIVATE, admin.document),
        # Groups: commands for another bot and chatter get no answer at all.
        MessageHandler(new & filters.COMMAND, commands.unknown),
        MessageHandler(new & filters.ChatType.PRIVATE, commands.pointer),
    ]


async def _set_command_menus(app: AnyApp, admin_ids: frozenset[int]) -> None:
    """Set the command menu in every language, with the admin commands only for admins."""
    from telegram import BotCommandScopeChat
    from telegram.error import TelegramError

    from bot.i18n import DEFAULT, SUPPORTED, translator
    from handlers.texts import commands

    for language in SUPPORTED:
        t = translator(language)
        code = None if language == DEFAULT else language
        menu = [BotCommand(c, d[:256]) for c, d in commands(t, admin=False)]
        await app.bot.set_my_commands(menu, language_code=code)
        admin_menu = [BotCommand(c, d[:256]) for c, d in commands(t, admin=True)]
        for admin_id in sorted(admin_ids):
            try:
                await app.bot.set_my_commands(
                    admin_menu, scope=BotCommandScopeChat(admin_id), language_code=code
                )
            except TelegramError as exc:  # an admin who never opened a chat with the bot
                log.warning("cannot set the admin command menu for %s: %s", admin_id, exc)


async def _post_init(app: AnyApp) -> None:
    runtime: Runtime = app.bot_data["runtime"]
    await _set_command_menus(app, runtime.services.settings.admin_ids)
    await runtime.start(app)


async def _post_stop(app: AnyApp) -> None:
    runtime: Runtime = app.bot_data["runtime"]
    await runtime.shutdown()


def build_application(services: Services, *, timings: Timings | None = None) -> AnyApp:
    """Build the PTB Application: handlers, jobs and the delivery worker, against the configured API."""
    from handlers.errors import on_error

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
    api = settings.telegram_api_url
    app = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .connection_pool_size(128)
        .pool_timeout(30.0)
        .rate_limiter(SharedRateLimiter(limiter))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .build()
    )
    app.bot_data["runtime"] = Runtime.create(services, app, timings, limiter=limiter)
    app.add_handlers(_handlers())
    app.add_error_handler(on_error)
    return app


@contextlib.asynccontextmanager
async def running(app: AnyApp, *, poll_timeout: int = 30) -> AsyncIterator[AnyApp]:
    """Run ``app`` (webhook when configured, else long polling) until the block exits.

    The same order as Application.run_polling, but inside an event loop we already own.
    """
    runtime: Runtime = app.bot_data["runtime"]
    settings = runtime.services.settings
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None
        if settings.webhook_url:
            assert settings.webhook_secret is not None
            await app.updater.start_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret.get_secret_value(),
            )
        else:
            await app.updater.start_polling(timeout=poll_timeout, drop_pending_updates=False)
        await app.start()
        yield app
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()


async def run_bot(settings: Settings) -> None:
    """Run the bot until SIGINT or SIGTERM: migrate, start everything, stop cleanly."""
    if settings.webhook_url and settings.webhook_secret is None:
        raise ConfigError(
            "BRIEFBOT_WEBHOOK_SECRET is required with BRIEFBOT_WEBHOOK_URL "
            "(Telegram sends it with every update so strangers cannot post to the webhook)"
        )
    services = build_services(settings)
    try:
        await asyncio.to_thread(services.db.migrate)
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
