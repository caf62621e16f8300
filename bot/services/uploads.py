"""Ingest article files: documents an admin sends, files and folders named on the command line."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from bot.config import Settings
from bot.ingest.files import UPLOAD_SOURCE, read_paths, safe_parse_document
from bot.ingest.model import IngestResult
from bot.ingest.pipeline import Pipeline

# Enough of the content hash that two different uploads never share an identity.
UPLOAD_DIGEST_CHARS = 24


class UploadService:
    """Parse article files and store them through the shared pipeline."""

    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self.pipeline = pipeline
        self.settings = settings

    async def ingest_document(self, data: bytes, *, filename: str) -> IngestResult:
        """Parse an uploaded article file and store it like an inbox file.

        Its source is its ``Source:`` header, else "upload". Without a ``URL:`` header its
        identity is its content: the same file sent twice is unchanged, and two different
        files with the same name are two articles (an edited upload is a new article; give it
        a ``URL:`` header to have edits kept as versions).
        """
        digest = hashlib.sha256(data).hexdigest()[:UPLOAD_DIGEST_CHARS]
        parsed = await asyncio.to_thread(
            safe_parse_document,
            data,
            filename=filename,
            source=UPLOAD_SOURCE,
            identity_path=f"upload/{digest}",
            location=f"upload:{filename}",
            max_bytes=self.settings.max_file_bytes,
        )
        (result,) = await self.pipeline.ingest([parsed])
        return result

    def ingest_paths(
        self, paths: Sequence[Path], *, inbox: Path | None = None
    ) -> AsyncIterator[IngestResult]:
        """Store article files and folders as they are read, yielding each result.

        Below ``inbox`` a file's first folder names its source, as for files dropped there.
        """
        items = read_paths(paths, max_bytes=self.settings.max_file_bytes, inbox=inbox)
        return self.pipeline.ingest_stream(items)
