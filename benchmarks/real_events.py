"""Brief real ECB+ events the way a user would (files -> the `briefbot brief` pipeline) and check
them against what a careful reader must learn (benchmarks/real_events.yaml)."""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from benchmarks.shared import shared_path
from bot.briefing.features import strip_url_lead
from bot.briefing.figures import select_figures
from bot.briefing.model import Briefing, Difference
from bot.config import Settings
from bot.render.html import briefing_html
from bot.render.split import units

EVENTS = Path(__file__).with_name("real_events.yaml")
_SITE = re.compile(r"https?:/+(?:www\.)?([^/]+)")
# ECB+ is tokenized: "6. 1" and "230, 000" were "6.1" and "230,000" in the articles.
_SPACED_DECIMAL = re.compile(r"(?<=\d)\. (?=\d\b)")
_SPACED_TIME = re.compile(r"(?<=\d): (?=\d\d\b)")
_SPACED_THOUSANDS = re.compile(r"\b(\d{1,3}), (?=\d{3}\b)")


@dataclass(frozen=True, slots=True)
class Expectation:
    about: str
    kinds: tuple[str, ...] = ()
    current: tuple[float, ...] = ()
    earlier: tuple[float, ...] = ()
    absent: tuple[float, ...] = ()
    shown: bool = False


@dataclass(frozen=True, slots=True)
class RealEvent:
    subtopic: str
    reader: str
    times: dict[str, datetime]
    expect: tuple[Expectation, ...]
    known_gaps: tuple[str, ...] = ()


@dataclass
class Outcome:
    event: RealEvent
    briefing: Briefing
    summary_units: int
    messages: int
    failures: list[str] = field(default_factory=list)


def load_events() -> list[RealEvent]:
    """Read the events and their expectations."""
    raw = yaml.safe_load(EVENTS.read_text(encoding="utf-8"))
    events = []
    for item in raw["events"]:
        expect = []
        for e in item["expect"]:
            kind = e.get("kind", ())
            expect.append(
                Expectation(
                    about=e["about"],
                    kinds=(kind,) if isinstance(kind, str) else tuple(kind),
                    current=tuple(e.get("current", ())),
                    earlier=tuple(e.get("earlier", ())),
                    absent=tuple(e.get("absent", ())),
                    shown=bool(e.get("shown", False)),
                )
            )
        times = {str(k): _utc(v) for k, v in (item.get("times") or {}).items()}
        gaps = tuple(item.get("known_gaps", ()))
        events.append(RealEvent(item["subtopic"], item["reader"], times, tuple(expect), gaps))
    return events


def _utc(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _documents(subtopic: str) -> Iterator[dict[str, Any]]:
    path = shared_path("ecbplus", "ecbplus_docs.jsonl")
    assert path is not None, "ECB+ data not found"
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    yield from (row for row in rows if row["subtopic"] == subtopic)


def _outlet(row: dict[str, Any]) -> str:
    """Return the site of the document's web address, or a name made from its id."""
    first = row["sentences"][0].replace(" ", "")
    match = _SITE.match(first)
    return match.group(1) if match else f"outlet-{row['doc_id']}"


def _untokenize(sentence: str) -> str:
    """Undo the corpus's spacing inside numbers and times, as the outlet printed them."""
    sentence = _SPACED_TIME.sub(":", sentence)
    return _SPACED_THOUSANDS.sub(r"\1,", _SPACED_DECIMAL.sub(".", sentence))


def write_event(event: RealEvent, folder: Path) -> list[Path]:
    """Write each document of the event as a text file in its outlet's folder."""
    paths = []
    for row in _documents(event.subtopic):
        sentences = [_untokenize(s) for s in strip_url_lead(row["sentences"])]
        if len(sentences) < 2:
            continue
        outlet = _outlet(row)
        lines = [sentences[0], f"URL: https://{outlet}/{row['doc_id']}"]
        if row["doc_id"] in event.times:
            lines.append(f"Date: {event.times[row['doc_id']].isoformat()}")
        path = folder / outlet / f"{row['doc_id']}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join([*lines, "", *sentences[1:]]) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


async def _brief(paths: list[Path]) -> list[Briefing]:
    """Run what `briefbot brief FILES` runs: a throwaway store, the ingest pipeline, briefings."""
    from bot.cli.actions import MEMORY_URL, open_services
    from bot.ingest.files import read_paths
    from bot.ingest.model import Outcome as IngestOutcome

    settings = Settings(_env_file=None)
    services = await open_services(settings, database_url=MEMORY_URL)
    try:
        items = read_paths(paths, max_bytes=settings.max_file_bytes)
        async for result in services.pipeline.ingest_stream(items):
            assert result.outcome is not IngestOutcome.REJECTED, result
        return await services.lookup.latest(limit=50)
    finally:
        await services.close()


def brief_event(event: RealEvent) -> Briefing:
    """Brief one event from its files; the largest resulting event is the story."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_event(event, Path(tmp))
        briefings = asyncio.run(_brief(paths))
    return max(briefings, key=lambda b: b.source_count)


def _has(values: list[float], wanted: float) -> bool:
    return any(abs(v - wanted) < 1e-6 for v in values)


def check(event: RealEvent, briefing: Briefing) -> list[str]:
    """Return what the briefing fails to tell the reader, one line each."""
    failures = []
    by_about: dict[str, Difference] = {d.about: d for d in briefing.differences}
    shown = {line.about for line in select_figures(briefing.differences).lines}
    for e in event.expect:
        d = by_about.get(e.about)
        if d is None:
            failures.append(f"{e.about}: missing")
            continue
        current = [c.low for c in d.claims if c.low is not None]
        earlier = [c.low for c in d.earlier if c.low is not None]
        everything = current + earlier
        if e.kinds and d.kind not in e.kinds:
            failures.append(f"{e.about}: {d.kind}, expected {'/'.join(e.kinds)}")
        failures += [f"{e.about}: {v:g} not current" for v in e.current if not _has(current, v)]
        failures += [f"{e.about}: {v:g} not earlier" for v in e.earlier if not _has(earlier, v)]
        failures += [f"{e.about}: {v:g} compared" for v in e.absent if _has(everything, v)]
        if e.shown and e.about not in shown:
            failures.append(f"{e.about}: not in the summary")
    return failures


def run_events() -> list[Outcome]:
    """Brief and check every event."""
    outcomes = []
    for event in load_events():
        briefing = brief_event(event)
        messages = briefing_html(briefing)
        outcomes.append(
            Outcome(event, briefing, units(messages[0]), len(messages), check(event, briefing))
        )
    return outcomes


def summary_table(outcomes: list[Outcome]) -> list[str]:
    """Return Markdown rows: event, sources, /summary length, figure lines, failures."""
    rows = [
        "| event | sources | /summary chars | messages | figure lines | checks failed |",
        "|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        lines = len(select_figures(o.briefing.differences).lines)
        failed = "; ".join(o.failures) or "none"
        rows.append(
            f"| {o.event.subtopic} | {o.briefing.source_count} | {o.summary_units} | "
            f"{o.messages} | {lines} | {failed} |"
        )
    lengths = [o.summary_units for o in outcomes]
    rows += [
        "",
        f"/summary length: median {statistics.median(lengths):.0f}, max {max(lengths)} "
        f"(targets: median <= 1500, every one <= 4096 in one message). "
        f"{sum(not o.failures for o in outcomes)} of {len(outcomes)} events pass every check.",
    ]
    return rows
