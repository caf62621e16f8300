"""A running bot against the fake Bot API: real Application, real HTTP, a real SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import Services, build_application, build_services, running
from bot.config import Settings
from bot.demo import sample_paths
from bot.ingest.files import read_paths
from bot.jobs import Runtime, Timings
from tests.fake_feeds import FakeFeedServer, running_server
from tests.fake_telegram import TOKEN, FakeTelegram

SAMPLES = sample_paths()[0].parents[1]  # bot/samples: one folder per source
ANTWERP_STRIKE = ("harbour-herald/2026-03-16-antwerp-dock-strike.txt",
                  "daily-ledger/2026-03-16-antwerp-port-strike.txt")  # fmt: skip
CESENA_FLOOD = ("harbour-herald/2026-03-09-cesena-flood.md",
                "riverside-gazette/2026-03-10-cesena-flood.html")  # fmt: skip

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


class Clock:
    """A settable clock that otherwise follows real time."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        from storage.types import utcnow

        return utcnow() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@dataclass
class Bot:
    fake: FakeTelegram
    services: Services
    runtime: Runtime
    clock: Clock
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

        Messages due later than ``within`` from now (queued for the future) are left alone.
        """
        await self.runtime.check_alerts()
        horizon = self.clock() + timedelta(seconds=within)
        async with asyncio.timeout(within):
            while True:
                async with self.services.db.unit_of_work() as uow:
                    sending = (await uow.outbox.count_by_state()).get("sending", 0)
                    due = await uow.outbox.get_next_due()  # of pending ones, when none is sending
                if not sending and (due is None or due > horizon):
                    return
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


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta periods, as build_application does (else PTB warns on 429)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


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
        clock = Clock()
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
