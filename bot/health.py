"""How the running bot's workers and jobs are doing, shared with `briefbot status` via a file.

`briefbot run` rewrites the file every few seconds (a heartbeat) and removes it on a clean stop;
`briefbot status` (the container's health check) reads it from another process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.times import utcnow

log = logging.getLogger(__name__)

RUNNING = "running"
FAILING = "failing"  # still running, but its last attempt failed (it retries by itself)
RESTARTING = "restarting"  # it crashed and waits to be started again
STOPPED = "stopped"

# The heartbeat is this much older than it should be: the process hangs or its loop is blocked.
STALE_AFTER = timedelta(seconds=60)


@dataclass
class WorkerState:
    state: str
    since: str
    restarts: int = 0
    error: str | None = None


@dataclass
class Health:
    """The state of each worker and job of one running process."""

    path: Path | None
    clock: Callable[[], datetime] = utcnow
    workers: dict[str, WorkerState] = field(default_factory=dict)
    # Set on every change of state, so the heartbeat writes it at once.
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _warned: bool = False

    def _set(self, name: str, state: str, error: str | None = None) -> None:
        current = self.workers.get(name)
        restarts = current.restarts if current else 0
        if state == RESTARTING:
            restarts += 1
        if current and current.state == state and current.error == error:
            return
        since = self.clock().isoformat(timespec="seconds")
        self.workers[name] = WorkerState(state, since, restarts, error)
        self.changed.set()

    def running(self, name: str) -> None:
        self._set(name, RUNNING)

    def failing(self, name: str, error: str) -> None:
        self._set(name, FAILING, error[:300])

    def restarting(self, name: str, error: str) -> None:
        self._set(name, RESTARTING, error[:300])

    def stopped(self, name: str) -> None:
        self._set(name, STOPPED)

    def snapshot(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "heartbeat": self.clock().isoformat(timespec="seconds"),
            "workers": {name: asdict(state) for name, state in sorted(self.workers.items())},
        }

    def write(self) -> None:
        """Replace the file atomically (a reader never sees half of it); warn once on failure."""
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            scratch = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            scratch.write_text(json.dumps(self.snapshot(), indent=2), encoding="utf-8")
            scratch.replace(self.path)
            self._warned = False
        except OSError as exc:
            if not self._warned:
                log.warning("cannot write the health file %s: %s", self.path, exc)
                self._warned = True

    def remove(self) -> None:
        if self.path is not None:
            try:
                self.path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("cannot remove the health file %s: %s", self.path, exc)


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def assess(path: Path, now: datetime) -> dict[str, Any]:
    """Read the health file; say whether the bot runs and which of its parts are in trouble.

    ``healthy`` is False only for a bot that runs but is not well: a worker restarting or
    failing, or a heartbeat gone stale. No file, or one left by a process that is gone, means
    the bot is not running, which is not this command's failure.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pid = int(data["pid"])
        beat = datetime.fromisoformat(data["heartbeat"])
        workers: dict[str, dict[str, Any]] = dict(data["workers"])
    except FileNotFoundError:
        return {"running": False, "healthy": True, "problems": []}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {"running": False, "healthy": True, "problems": [f"unreadable health file: {exc}"]}
    if not process_alive(pid):
        return {"running": False, "healthy": True, "problems": [], "last_heartbeat": str(beat)}
    problems = []
    if now - beat > STALE_AFTER:
        problems.append(f"no heartbeat since {beat:%Y-%m-%d %H:%M:%S} UTC (the bot hangs)")
    for name, state in workers.items():
        if state.get("state") in (FAILING, RESTARTING):
            problems.append(f"{name} {state['state']} since {state['since']}: {state['error']}")
    return {
        "running": True,
        "pid": pid,
        "healthy": not problems,
        "problems": problems,
        "workers": workers,
    }
