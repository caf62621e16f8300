"""A running bot against the fake Bot API: real Application, real HTTP, a real SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application, build_services, running
from bot.config import Settings
from bot.ingest.files import read_paths
from bot.runtime import Runtime, Timings
from bot.services.container import Services
from tests.fakes.clock import OffsetClock
from tests.fakes.feeds import FakeFeedServer, running_server
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.shared import SAMPLES

ADMIN = 900
FAST = Timings(
    alert_check=0.2,
    digest_sweep=0.2,
    first_run=0.1,
    per_second=500.0,
    chat_interval=0.0,
    idle_poll=0.1,
    backoff_base=0.05,
    feeds=False,
    outbox_purge=0.2,
)


@dataclass
class Bot:
    fake: FakeTelegram
    services: Services
    runtime: Runtime
    clock: OffsetClock
    inbox: Path

    async def say(self, chat_id: int, text: str, *, user_id: int | None = None) -> list[str]:
        """Send a text and return the replies that arrive for it."""
        before = len(self.fake.to(chat_id))
        await self.fake.command(chat_id, text, user_id=user_id)
        await self.fake.wait_for(lambda: len(self.fake.to(chat_id)) > before)
        return [s.text for s in self.fake.to(chat_id)[before:]]

    async def ingest(self, *names: str) -> None:
        """Ingest bundled sample files (path below bot/samples; the folder is the source)."""
        paths = [SAMPLES / name for name in names]
        items = list(read_paths(paths, max_bytes=1_000_000, inbox=SAMPLES))
        await self.services.pipeline.ingest(items)

    async def settle(self, within: float = 15.0) -> None:
        """Queue the alerts due now, then wait until the worker has sent what is due by then.

        Messages due later than ``within`` from now (queued for the future) are left alone. The
        check runs again once the outbox is idle, until it queues nothing: the runtime's own
        alert job may have been checking the same events at the same moment.
        """
        horizon = self.clock() + timedelta(seconds=within)
        async with asyncio.timeout(within):
            queued = await self.runtime.check_alerts()
            while True:
                async with self.services.db.unit_of_work() as uow:
                    sending = (await uow.outbox.count_by_state()).get("sending", 0)
                    due = await uow.outbox.get_next_due()  # of pending ones, when none is sending
                if not sending and (due is None or due > horizon):
                    if queued == 0:
                        await asyncio.sleep(0.05)
                        queued = await self.runtime.check_alerts()
                        if queued == 0:
                            return
                    queued = 0
                    continue
                await asyncio.sleep(0.02)


def make_settings(fake: FakeTelegram, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_token": TOKEN,
        "telegram_api_url": fake.api_url,
        "database_url": f"sqlite:///{tmp_path / 'bot.db'}",
        "inbox_dir": tmp_path / "inbox",
        "admin_ids": frozenset({ADMIN}),
        "timezone": "UTC",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = await FakeTelegram().start()
    yield server
    await server.close()


@pytest.fixture
def bot_factory(fake: FakeTelegram, tmp_path: Path) -> Callable[..., Any]:
    """Return an async context manager factory running the bot with given settings/timings."""

    @contextlib.asynccontextmanager
    async def start(timings: Timings = FAST, **overrides: Any) -> AsyncIterator[Bot]:
        settings = make_settings(fake, tmp_path, **overrides)
        settings.inbox_dir.mkdir(parents=True, exist_ok=True)
        clock = OffsetClock()
        services = build_services(settings, clock=clock)
        await asyncio.to_thread(services.db.migrate)
        app = build_application(services, timings=timings)
        try:
            async with running(app, poll_timeout=1):
                yield Bot(fake, services, app.bot_data["runtime"], clock, settings.inbox_dir)
        finally:
            await services.close()

    return start


@pytest.fixture
def feed_server() -> Iterator[FakeFeedServer]:
    """Serve feeds over HTTP on loopback (the bot needs BRIEFBOT_ALLOW_PRIVATE_FEEDS for it)."""
    with running_server() as srv:
        yield srv
