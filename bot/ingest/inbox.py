"""Watch the inbox folder and ingest every article file dropped into it (files stay put)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from watchfiles import Change, awatch

from bot.ingest.files import is_hidden, read_file, source_and_path
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from bot.ingest.pipeline import Pipeline

log = logging.getLogger(__name__)

# Wait this long for writes to settle before reading a changed file.
DEBOUNCE_MS = 800
# With files whose article could not be stored, try them again this often even if nothing changes.
RETRY_MS = 60_000
# The watcher reads a file once it has not changed for this long: a file copied or written
# slowly is read once, whole, not once per chunk.
SETTLE_SECONDS = 1.5

Item = ParsedArticle | IngestResult
ResultsCallback = Callable[[list[IngestResult]], Awaitable[None]]


class InboxWatcher:
    """Ingest new and changed files under ``inbox_dir``; stored hashes make re-reads harmless."""

    def __init__(
        self,
        inbox_dir: Path,
        pipeline: Pipeline,
        *,
        max_bytes: int,
        on_results: ResultsCallback | None = None,
    ) -> None:
        # Absolute, so paths reported by the file watcher sit below it.
        self.inbox_dir = inbox_dir.resolve()
        self.pipeline = pipeline
        self.max_bytes = max_bytes
        self.on_results = on_results
        # (mtime, size) of each file as last read, so unchanged files are not read again.
        self._seen: dict[Path, tuple[int, int]] = {}
        # Files read but not stored (the database failed): offered again with the next batch.
        self._retry: set[Path] = set()
        # Files the watcher saw changing too recently: read once they have settled.
        self._unsettled: set[Path] = set()
        self._settler: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # One batch at a time: a rescan listing the inbox while a batch is being stored would
        # read that batch's files again (not seen yet) and report them twice.
        self._one_at_a_time = asyncio.Lock()

    def _changed_files(self, paths: Iterable[Path]) -> list[Path]:
        out = []
        expanded: set[Path] = set()
        for path in paths:
            try:
                resolved = path.resolve()
            except (OSError, RuntimeError):
                continue
            # A link out of the inbox (to /usr, to the bot's .env) is never followed, let alone
            # searched.
            if not resolved.is_relative_to(self.inbox_dir):
                continue
            expanded.add(resolved)
            # Files written into a folder that was just created can land before the watch on
            # that folder exists, so a new folder is searched rather than trusted to report.
            if resolved.is_dir():
                expanded.update(p.resolve() for p in resolved.rglob("*"))
        for path in sorted(expanded):
            try:
                if not path.is_file() or is_hidden(path, self.inbox_dir):
                    continue
                stat = path.stat()
            except (OSError, ValueError):
                continue
            if self._seen.get(path) != (stat.st_mtime_ns, stat.st_size):
                out.append(path)
        return out

    def _read(self, paths: list[Path]) -> list[tuple[Path, tuple[int, int], Item]]:
        """Read each file, with the (mtime, size) it had before it was read."""
        read: list[tuple[Path, tuple[int, int], Item]] = []
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            try:
                source, below = source_and_path(path, self.inbox_dir)
                item: Item = read_file(
                    path, source=source, identity_path=below, max_bytes=self.max_bytes
                )
            except Exception as exc:  # one file must never cost the others of the batch
                log.warning("could not read %s", path, exc_info=True)
                item = IngestResult(str(path), Outcome.REJECTED, reason=f"cannot read: {exc}")
            read.append((path, (stat.st_mtime_ns, stat.st_size), item))
        return read

    def _settled(self, paths: list[Path]) -> list[Path]:
        """Return the files unchanged for SETTLE_SECONDS; remember the others for later."""
        now = time.time()
        ready = []
        for path in paths:
            try:
                fresh = now - path.stat().st_mtime < SETTLE_SECONDS
            except OSError:
                continue
            if fresh:
                self._unsettled.add(path)
            else:
                ready.append(path)
        return ready

    async def _settle(self) -> None:
        """Ingest the files that were still changing, once they stop."""
        while self._unsettled:
            await asyncio.sleep(SETTLE_SECONDS)
            paths, self._unsettled = list(self._unsettled), set()
            try:
                await self._ingest(paths, settle=True)
            except Exception:
                log.exception("inbox ingest failed for %d file(s)", len(paths))

    async def _ingest(self, paths: Iterable[Path], *, settle: bool = False) -> list[IngestResult]:
        async with self._one_at_a_time:
            return await self._ingest_now(paths, settle=settle)

    async def _ingest_now(self, paths: Iterable[Path], *, settle: bool) -> list[IngestResult]:
        # Off the event loop: a big new folder takes a while to list.
        changed = await asyncio.to_thread(self._changed_files, [*paths, *self._retry])
        self._retry.clear()
        if settle:
            changed = await asyncio.to_thread(self._settled, changed)
            if self._unsettled and (self._settler is None or self._settler.done()):
                self._settler = asyncio.create_task(self._settle())
        if not changed:
            return []
        read = await asyncio.to_thread(self._read, changed)
        results = await self.pipeline.ingest(item for _, _, item in read)
        for (path, stamp, _), result in zip(read, results, strict=True):
            # A file whose article could not be stored stays unseen, to be offered again.
            # Bad files are seen: reading them again would not help.
            if result.retry:
                self._retry.add(path)
            else:
                self._seen[path] = stamp
        if results and self.on_results is not None:
            try:
                await self.on_results(results)
            except Exception:
                log.exception("inbox results callback failed")
        return results

    async def scan(self) -> list[IngestResult]:
        """Ingest every file not read yet or changed since it was last read."""
        if not self.inbox_dir.is_dir():
            return []
        paths = await asyncio.to_thread(lambda: list(self.inbox_dir.rglob("*")))
        return await self._ingest(paths)

    async def watch(self, stop: asyncio.Event) -> None:
        """Scan once, then ingest added or modified files until ``stop`` is set."""
        self.inbox_dir.mkdir(parents=True, exist_ok=True)
        try:
            # Like every later change: a file still being written at start is read once whole.
            paths = await asyncio.to_thread(lambda: list(self.inbox_dir.rglob("*")))
            await self._ingest(paths, settle=True)
        except Exception:
            log.exception("inbox scan failed")
        log.info("watching inbox %s", self.inbox_dir)
        try:
            await self._watch(stop)
        finally:
            if self._settler is not None:
                self._settler.cancel()
            for task in self._tasks:
                task.cancel()

    def _real_folders(self) -> list[Path]:
        """Return the inbox and every folder below it, without following a link to a folder."""
        folders = [self.inbox_dir]
        for root, dirs, _ in os.walk(self.inbox_dir):  # os.walk never descends into links
            folders.extend(Path(root) / d for d in dirs if not (Path(root) / d).is_symlink())
        return folders

    async def _watch(self, stop: asyncio.Event) -> None:
        # Each real folder is watched on its own: a recursive watch would follow a link to
        # /usr and put an inotify watch on each of its thousands of folders before the first
        # event. A new folder restarts the watch with it included.
        while not stop.is_set():
            folders = await asyncio.to_thread(self._real_folders)
            # Ends this watch: the bot stops, or a folder is found that the watch lacks.
            until = asyncio.Event()
            self._track(asyncio.create_task(_set_when(stop, until)))
            # What was written while no watch ran (before the first one, or a new folder made
            # while the folders were listed, and its first files) is found by searching the
            # inbox again once the watch is up; unchanged files are skipped.
            self._track(asyncio.create_task(self._recheck_soon(set(folders), until)))
            async for changes in awatch(
                *folders,
                stop_event=until,
                debounce=DEBOUNCE_MS,
                recursive=False,
                rust_timeout=RETRY_MS,
                yield_on_timeout=True,
            ):
                paths = [Path(p) for kind, p in changes if kind in (Change.added, Change.modified)]
                if paths or self._retry:
                    try:
                        await self._ingest(paths, settle=True)
                    except Exception:  # one bad batch must not end the watcher
                        log.exception("inbox ingest failed for %d file(s)", len(paths))
                if any(p not in folders and p.is_dir() and not p.is_symlink() for p in paths):
                    break
            until.set()  # ends this watch's helpers

    async def _recheck_soon(self, watched: set[Path], until: asyncio.Event) -> None:
        """Once the watch is up, ingest what it missed; restart it on a folder it lacks."""
        await asyncio.sleep(DEBOUNCE_MS / 1000)
        if until.is_set():
            return
        try:
            folders = await asyncio.to_thread(self._real_folders)
            if any(folder not in watched for folder in folders):
                log.debug("a folder appeared while the inbox watch started: watching it too")
                until.set()
            await self._ingest([self.inbox_dir], settle=True)
        except Exception:
            log.exception("inbox rescan failed")

    def _track(self, task: asyncio.Task[None]) -> None:
        # Keep a reference: the loop holds tasks only weakly.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _set_when(first: asyncio.Event, then: asyncio.Event) -> None:
    """Set ``then`` once ``first`` is set, unless ``then`` is set sooner."""
    waits = [asyncio.create_task(first.wait()), asyncio.create_task(then.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
    then.set()
