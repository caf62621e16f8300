"""Terminal output of the CLI: ingest results, totals, feeds and status lines."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.ingest.model import IngestResult, Outcome
from bot.render.sections import polled_state
from bot.services.status import Status
from storage.records import FeedRecord, ProcessRecord

# A process silent longer than this (seconds) is shown as dead or paused.
STALE_AFTER = 10.0


def format_result(result: IngestResult) -> str:
    """Return one line describing what happened to one ingested item."""
    where = result.location
    if result.path and result.path != result.location:
        where = f"{result.path} <{result.location}>"
    line = f"{result.outcome.value:<12} {where}"
    if result.event_id is not None:
        line += f"  (event {result.event_id})"
    if result.reason:
        line += f"  — {result.reason}"
    return line


def format_totals(results: Sequence[IngestResult] | Counter[Outcome]) -> str:
    """Return the one-line total of an ingest run."""
    counts = results if isinstance(results, Counter) else Counter(r.outcome for r in results)
    parts = [f"{counts[o]} {o.value}" for o in Outcome if counts[o]]
    total = counts.total()
    return f"{total} item(s): " + (", ".join(parts) if parts else "nothing to ingest")


def feeds_json(feeds: Sequence[FeedRecord]) -> str:
    """Return every feed with its state as JSON."""
    return json.dumps([asdict(f) for f in feeds], default=str, indent=2)


def feed_line(f: FeedRecord) -> str:
    """Return one line for `briefbot feeds list`."""
    line = (
        f"{f.id:>4}  {f.name}  <{f.url}>  {polled_state(f.last_polled_at, stamp='%Y-%m-%d %H:%M')}"
    )
    if f.last_error:
        line += f"  ERROR ({f.error_count}x): {f.last_error}"
    return line


def _process(p: ProcessRecord, now: datetime | None) -> dict[str, object]:
    age = None if now is None else round((now - p.heartbeat_at).total_seconds(), 1)
    return {
        "id": p.id,
        "host": p.host,
        "pid": p.pid,
        "roles": list(p.roles),
        "wanted": list(p.wanted),
        "heartbeat_age_seconds": age,
        "lag": p.lag,
        "started_at": p.started_at.isoformat(),
    }


def process_line(p: ProcessRecord, now: datetime) -> str:
    """Return one line for a process: who, roles held, heartbeat age, lag."""
    age = (now - p.heartbeat_at).total_seconds()
    lag = ", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in sorted(p.lag.items())) or "-"
    roles = ",".join(p.roles) or "none"
    stale = "  (SILENT: dead or paused)" if age > STALE_AFTER else ""
    return (
        f"  process {p.id} {p.host}:{p.pid}  roles {roles}  heartbeat {age:.1f}s ago  "
        f"lag {lag}{stale}"
    )


def status_json(
    status: Status,
    *,
    database: str,
    bot: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> str:
    """Return the counts, the database URL, the failing feeds and the bot's health as JSON."""
    data: dict[str, object] = {"database": database, **asdict(status.counts)}
    data["failing"] = [{"id": f.id, "url": f.url, "error": f.last_error} for f in status.failing]
    data["processes"] = [_process(p, now) for p in status.processes]
    if bot is not None:
        data["bot"] = bot
    return json.dumps(data, indent=2)


def status_lines(
    status: Status,
    *,
    database: str,
    bot: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Return the counts, one a line, a line per failing feed, then the running bot's state."""
    data: dict[str, object] = {"database": database, **asdict(status.counts)}
    lines = [f"{key.replace('_', ' '):<16} {value}" for key, value in data.items()]
    lines += [f"  failing feed {f.id} <{f.url}>: {f.last_error}" for f in status.failing]
    if status.processes and now is not None:
        lines.append(f"{'processes':<16} {len(status.processes)}")
        lines += [process_line(p, now) for p in status.processes]
    if bot is not None:
        state = "not running"
        if bot["running"]:
            state = f"running (pid {bot['pid']})" + ("" if bot["healthy"] else ", UNHEALTHY")
        lines.append(f"{'bot':<16} {state}")
        lines += [f"  {problem}" for problem in bot["problems"]]
    return lines
