"""The composition root: builds every service once and wires them together."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.events import EventService
from bot.pipeline import Pipeline
from storage.unit_of_work import Database


@dataclass
class Services:
    """Everything the CLI commands, jobs and handlers need, built once per process."""

    settings: Settings
    db: Database
    events: EventService
    pipeline: Pipeline

    async def close(self) -> None:
        await self.db.dispose()


def build_services(settings: Settings, *, database_url: str | None = None) -> Services:
    """Build the services for ``settings`` (``database_url`` overrides the configured one)."""
    db = Database(database_url or settings.database_url)
    events = EventService()
    return Services(settings=settings, db=db, events=events, pipeline=Pipeline(db, events))
