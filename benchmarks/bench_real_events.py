"""Briefings of real ECB+ events through the `briefbot brief` pipeline, checked against what a
careful reader must learn (benchmarks/real_events.yaml), and the length of each /summary."""

from __future__ import annotations

from benchmarks.real_events import run_events, summary_table
from benchmarks.shared import shared_path


def run() -> str:
    if shared_path("ecbplus", "ecbplus_docs.jsonl") is None:
        return "## Real events\n\nSkipped: ECB+ data not found.\n"
    outcomes = run_events()
    return "\n".join(
        [
            "## Real events (briefings of real multi-outlet stories)",
            "",
            f"{len(outcomes)} ECB+ events, each document a file from its own outlet, briefed by the"
            " pipeline `briefbot brief FILES` runs; the Telegram /summary is the first message of"
            " the briefing. Checks: the figures a careful reader must get (tolls and their"
            " progression, real conflicts, background figures kept out, at most 5 figure lines).",
            "",
            *summary_table(outcomes),
            "",
        ]
    )
