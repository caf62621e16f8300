"""Fixtures shared by every test: databases (SQLite always, PostgreSQL when configured), a clock,
the ingestion pipeline, the services, the PTB periods and the loopback feed server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import build_services
from bot.config import Settings
from bot.events.service import EventService
from bot.ingest.pipeline import Pipeline
from bot.services.container import Services
from storage.db import upgrade
from storage.unit_of_work import Database
from tests.fakes.clock import StepClock
from tests.fakes.faults import reset_postgres
from tests.fakes.feeds import FakeFeedServer, running_server

PG_ENV = "BRIEFBOT_TEST_DATABASE_URL"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep every test away from the developer's real .env, database and inbox."""
    for name in list(os.environ):
        if name.startswith("BRIEFBOT_") and name != PG_ENV and name != "BRIEFBOT_SHARED_DATA":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'briefbot.db'}")
    monkeypatch.setenv("BRIEFBOT_INBOX_DIR", str(tmp_path / "inbox"))
    monkeypatch.setenv("BRIEFBOT_ALLOW_PRIVATE_FEEDS", "true")


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta periods, as build_application does (else PTB warns on 429)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def server() -> Iterator[FakeFeedServer]:
    """Serve feeds and article pages over HTTP on loopback for one test."""
    with running_server() as srv:
        yield srv


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (point it at an empty PostgreSQL database)")
    reset_postgres(url)
    yield url
    reset_postgres(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database URL: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        url: str = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(url)
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def pipeline(database: Database, clock: StepClock) -> Pipeline:
    """The ingestion pipeline over the test database, with its own event index."""
    return Pipeline(database, EventService(), clock=clock)


@pytest.fixture
async def services(database_url: str, clock: StepClock) -> AsyncIterator[Services]:
    """Every service over the test database, as the CLI and the bot build them."""
    built = build_services(Settings(database_url=database_url), clock=clock)
    yield built
    await built.close()
