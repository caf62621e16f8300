"""What the database holds: counts, the outbox by state, and the feeds that are failing."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.records import Counts, FeedRecord, ProcessRecord
from storage.unit_of_work import Database


@dataclass(frozen=True, slots=True)
class Status:
    counts: Counts
    outbox: dict[str, int]
    failing: list[FeedRecord]
    # `briefbot run` processes sharing the database (PostgreSQL), with their roles.
    processes: list[ProcessRecord] = field(default_factory=list)


class StatusService:
    """Read-only counts for `briefbot status` and /stats, in one unit of work."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def status(self) -> Status:
        """Return the counts of everything stored and queued, and the failing feeds."""
        async with self.db.unit_of_work() as uow:
            counts = await uow.stats.count_all()
            outbox = await uow.outbox.count_by_state()
            failing = [f for f in await uow.feeds.list_feeds() if f.last_error]
            processes = await uow.processes.list_processes()
        return Status(counts, outbox, failing, processes)
