"""What admins can do from the chat: see counts, ingest a document (feeds: bot.services.feeds)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.ingest.model import IngestResult
from bot.pipeline import Pipeline
from storage.records import Counts
from storage.types import utcnow
from storage.unit_of_work import Database

# Enough of the content hash that two different uploads never share an identity.
UPLOAD_DIGEST_CHARS = 24


@dataclass(frozen=True, slots=True)
class Stats:
    counts: Counts
    outbox: dict[str, int]


class AdminService:
    """Statistics and document ingestion, one unit of work per call."""

    def __init__(
        self,
        db: Database,
        pipeline: Pipeline,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.pipeline = pipeline
        self.settings = settings
        self.clock = clock

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids

    async def stats(self) -> Stats:
        async with self.db.unit_of_work() as uow:
            return Stats(await uow.stats.count_all(), await uow.outbox.count_by_state())

    async def ingest_document(self, data: bytes, *, filename: str) -> IngestResult:
        """Parse an uploaded article file and store it like an inbox file.

        Its source is its ``Source:`` header, else "upload". Without a ``URL:`` header its
        identity is its content: the same file sent twice is unchanged, and two different
        files with the same name are two articles (an edited upload is a new article; give it
        a ``URL:`` header to have edits kept as versions).
        """
        from bot.ingest.files import UPLOAD_SOURCE, parse_document

        digest = hashlib.sha256(data).hexdigest()[:UPLOAD_DIGEST_CHARS]
        parsed = await asyncio.to_thread(
            parse_document,
            data,
            filename=filename,
            source=UPLOAD_SOURCE,
            identity_path=f"upload/{digest}",
            location=f"upload:{filename}",
            max_bytes=self.settings.max_file_bytes,
        )
        (result,) = await self.pipeline.ingest([parsed])
        return result
