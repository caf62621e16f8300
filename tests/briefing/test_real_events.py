"""Briefings of real multi-outlet ECB+ events tell a careful reader what they must learn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared import shared_path


@pytest.fixture(scope="module")
def outcomes() -> dict[str, object]:
    shared_path("ecbplus", "ecbplus_docs.jsonl")
    from benchmarks.real_events import run_events

    return {o.event.subtopic: o for o in run_events()}


def _subtopics() -> list[str]:
    from benchmarks.real_events import load_events

    return [e.subtopic for e in load_events()]


@pytest.mark.parametrize("subtopic", _subtopics())
def test_the_briefing_tells_what_a_careful_reader_must_learn(
    outcomes: dict[str, object], subtopic: str
) -> None:
    outcome = outcomes[subtopic]

    assert outcome.failures == list(outcome.event.known_gaps)  # type: ignore[attr-defined]
    assert outcome.messages == 1  # type: ignore[attr-defined]
    assert outcome.summary_units <= 4096  # type: ignore[attr-defined]


def test_the_cli_json_shows_the_rising_toll_as_a_progression(tmp_path: Path) -> None:
    shared_path("ecbplus", "ecbplus_docs.jsonl")
    from benchmarks.real_events import load_events, write_event

    event = next(e for e in load_events() if e.subtopic == "37_ecbplus")
    write_event(event, tmp_path / "inbox")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "brief", str(tmp_path / "inbox"), "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=True,
    )

    events = json.loads(proc.stdout)["events"]
    quake = max(events, key=lambda e: len(e["sources"]))
    killed = next(d for d in quake["differences"] if d["about"] == "killed")
    assert killed["kind"] == "progression"
    assert {c["value"] for c in killed["claims"]} <= {"24", "at least 24"}
    assert killed["earlier"][0]["value"].lower() in ("1", "one", "at least one")
    assert not any("230,000" in c["value"] for c in killed["claims"] + killed["earlier"])
