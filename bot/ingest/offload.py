"""Run CPU-bound parsing (feeds, article pages) in worker processes, off the event loop."""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from bot.health import process_alive

log = logging.getLogger(__name__)

T = TypeVar("T")
# Imported once by the fork server, so each worker starts with them loaded (a fresh import
# of lxml, trafilatura and feedparser costs about a second per worker; the text analysis
# pulls in the stemmer, the sentence splitter and rapidfuzz).
_PRELOAD = ["bot.ingest.extract", "bot.ingest.feed", "bot.ingest.analysis"]


def _context() -> multiprocessing.context.BaseContext:
    # Not plain fork: the bot's process has threads (the database driver's, the inbox
    # watcher's) whose locks a forked child could inherit held.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _exit_with(owner: int) -> None:
    """In a worker: end this process once ``owner`` (the bot's process) has ended.

    A pool's workers wait on its queue forever, and one killed outright (``kill -9``, the
    kernel out of memory) never tells them: without this they would stay, holding its
    output pipes open, after every such death.
    """

    def watch() -> None:
        try:
            pidfd = os.pidfd_open(owner)
        except (AttributeError, OSError):  # not Linux 5.3+: ask once a second
            while process_alive(owner):
                time.sleep(1.0)
        else:
            select.select([pidfd], [], [])  # readable once the process has ended
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-owner", daemon=True).start()


class ParsePool:
    """A process pool sized to the machine's cores, started on first use.

    With ``workers`` 0 the work runs in a thread instead (still off the event loop, but
    sharing the interpreter's lock with it). A worker that dies (killed for memory, say)
    costs one call, which is retried in a thread, and the pool is started afresh.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """Return ``fn(*args, **kwargs)`` computed in a worker; its exceptions are raised here."""
        call = functools.partial(fn, *args, **kwargs)
        if self.workers <= 0:
            return await asyncio.to_thread(call)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=_context(),
                initializer=_exit_with,
                initargs=(os.getpid(),),
            )
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, call)
        except BrokenProcessPool:
            log.warning("a parsing worker died; starting new ones")
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            return await asyncio.to_thread(call)

    async def close(self) -> None:
        """Stop the workers (calls still queued are cancelled)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
