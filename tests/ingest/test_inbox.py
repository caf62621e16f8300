"""The inbox folder: scan once, skip what is unchanged, watch for new files, survive bad ones."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator
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


@contextlib.asynccontextmanager
async def watching(inbox: Path, database: Database) -> AsyncIterator[asyncio.Queue[IngestResult]]:
    """Run a watcher on ``inbox``; yield the queue its results arrive in; stop it after."""
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
        yield got
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, timeout=5)
    assert task.done()


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
    async with watching(inbox, database) as got:
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


async def test_watch_sees_files_in_folders_made_while_it_runs_and_not_through_links(
    tmp_path: Path, database: Database
) -> None:
    inbox = tmp_path / "watched"
    outside = tmp_path / "elsewhere"
    write(outside / "Other" / "pier.md", f"# Pier reopens\n\n{BODY}")
    for n in range(300):  # a big tree behind the link, as /usr would be
        (outside / "tree" / str(n)).mkdir(parents=True)
    inbox.mkdir()
    (inbox / "linked").symlink_to(outside)  # never watched, never read
    async with watching(inbox, database) as got:
        await asyncio.sleep(0.5)
        # A folder, a folder inside it and their files, all at once: written before any watch
        # on the new folders can exist.
        write(inbox / "Wire" / "Deep" / "pier.md", f"# Pier reopens\n\n{BODY}")
        first = await asyncio.wait_for(got.get(), timeout=10)
        assert first.outcome is Outcome.NEW and first.location.endswith("Deep/pier.md")
        await asyncio.sleep(1.5)  # the restarted watch is up
        write(inbox / "Wire" / "Deep" / "quay.md", f"# Quay closes\n\n{BODY} The quay shut.")
        second = await asyncio.wait_for(got.get(), timeout=10)
        assert second.location.endswith("Deep/quay.md")
        write(outside / "Other" / "late.md", f"# Late\n\n{BODY} Late boats.")
        await asyncio.sleep(2.5)
        assert got.empty()
        # One watch per real folder (the inbox, Wire, Deep), none below the link.
        assert _inotify_watches() < 10


def _inotify_watches() -> int:
    """Count this process's inotify watches (Linux); 0 where /proc does not tell."""
    count = 0
    with contextlib.suppress(OSError):
        for fd in os.listdir("/proc/self/fdinfo"):
            with contextlib.suppress(OSError):
                count += Path(f"/proc/self/fdinfo/{fd}").read_text().count("inotify wd:")
    return count


async def test_a_folder_made_while_the_watch_restarts_is_watched_too(
    tmp_path: Path, database: Database
) -> None:
    inbox = tmp_path / "watched"
    for n in range(1500):  # enough folders that listing them takes a while
        (inbox / "archive" / str(n)).mkdir(parents=True)
    made = threading.Event()

    def make_during_restart() -> None:
        # The moment the watch on the old folders closes, the new folders are being listed:
        # a folder made now lands after the inbox itself was listed, before any watch is up.
        start = time.monotonic()
        while time.monotonic() - start < 10:
            if _inotify_watches() == 0:
                (inbox / "Late").mkdir()
                made.set()
                return
            time.sleep(0.0005)

    async with watching(inbox, database) as got:
        await asyncio.sleep(3)  # the watch is up on every folder
        watcher = threading.Thread(target=make_during_restart)
        watcher.start()
        write(inbox / "Wire" / "pier.md", f"# Pier reopens\n\n{BODY}")  # a new folder: restart
        first = await asyncio.wait_for(got.get(), timeout=10)
        assert first.location.endswith("Wire/pier.md")
        await asyncio.to_thread(watcher.join)
        assert made.is_set()
        await asyncio.sleep(3)  # long after the folder was made
        write(inbox / "Late" / "quay.md", f"# Quay closes\n\n{BODY} The quay shut.")
        second = await asyncio.wait_for(got.get(), timeout=10)
        assert second.location.endswith("Late/quay.md")
