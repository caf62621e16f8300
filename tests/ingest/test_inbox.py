"""The inbox folder: scan once, skip what is unchanged, watch for new files, survive bad ones."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

from bot.events.service import EventService
from bot.ingest.inbox import InboxWatcher
from bot.ingest.model import IngestResult, Outcome
from bot.ingest.pipeline import Pipeline
from storage.unit_of_work import Database

BODY = (
    "The harbour authority reopened the northern pier on Wednesday after repairs to storm damage "
    "that had kept fishing boats away for most of the winter season."
)


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


async def test_scan_is_idempotent_and_restart_safe(tmp_path: Path, database: Database) -> None:
    inbox = tmp_path / "inbox"
    write(inbox / "Harbour News" / "pier.txt", f"Pier reopens\n\n{BODY}")
    write(inbox / "Harbour News" / "junk.txt", b"\x00\x01\x02 binary")
    seen: list[list[IngestResult]] = []

    async def collect(results: list[IngestResult]) -> None:
        seen.append(results)

    watcher = InboxWatcher(
        inbox, Pipeline(database, EventService()), max_bytes=100_000, on_results=collect
    )
    first = await watcher.scan()
    assert sorted(r.outcome for r in first) == sorted([Outcome.NEW, Outcome.REJECTED])
    assert await watcher.scan() == []  # nothing changed: nothing read
    assert len(seen) == 1

    pier = inbox / "Harbour News" / "pier.txt"
    write(pier, f"Pier reopens\n\n{BODY} Two boats went out at once.")
    os.utime(pier, ns=(pier.stat().st_mtime_ns + 10**9,) * 2)
    assert [r.outcome for r in await watcher.scan()] == [Outcome.VERSION]

    restarted = InboxWatcher(inbox, Pipeline(database, EventService()), max_bytes=100_000)
    outcomes = sorted(r.outcome for r in await restarted.scan())
    assert outcomes == sorted([Outcome.UNCHANGED, Outcome.REJECTED])
    assert pier.exists()  # processed files stay where they are


async def test_watch_ingests_new_files_and_survives_bad_ones(
    tmp_path: Path, database: Database
) -> None:
    inbox = tmp_path / "watched"
    got: asyncio.Queue[IngestResult] = asyncio.Queue()

    async def collect(results: list[IngestResult]) -> None:
        for result in results:
            got.put_nowait(result)

    watcher = InboxWatcher(
        inbox, Pipeline(database, EventService()), max_bytes=100_000, on_results=collect
    )
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.watch(stop))
    try:
        for _ in range(100):
            if inbox.is_dir():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        write(inbox / "Wire" / "empty.md", "")
        bad = await asyncio.wait_for(got.get(), timeout=10)
        assert bad.outcome is Outcome.REJECTED and bad.reason == "empty file"
        write(inbox / "Wire" / "pier.md", f"# Pier reopens\n\n{BODY}")
        good = await asyncio.wait_for(got.get(), timeout=10)
        assert good.outcome is Outcome.NEW and good.location.endswith("pier.md")
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, timeout=5)
    assert task.done()
