"""Event headlines on real multi-outlet ECB+ events, through `briefbot brief --json` on files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.shared import shared_path
from bot.briefing.headline import is_dateline

TOPICS = 12  # the first twelve ECB+ topics: both look-alike events of each
_DOMAIN = re.compile(r"^https?\s*:\s*/\s*/\s*(?:www\s*\.\s*)?([\w-]+)")


def _outlet(row: dict[str, object], index: int) -> str:
    sentences = row["sentences"]
    assert isinstance(sentences, list)
    match = _DOMAIN.match(str(sentences[0])) if sentences else None
    return match.group(1) if match else f"outlet-{index:03d}"


def _write(
    rows: list[dict[str, object]], folder: Path
) -> tuple[list[Path], dict[str, str], dict[str, list[str]]]:
    """Write each article as a text file under its outlet's folder; return them in arrival order.

    Also return each file's gold event and its first four lines (a headline comes from a file when
    it is one of them, as written).
    """
    paths: list[Path] = []
    gold: dict[str, str] = {}
    heads: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        outlet = folder / _outlet(row, index)
        outlet.mkdir(exist_ok=True)
        path = outlet / f"{row['doc_id']}.txt"
        sentences = row["sentences"]
        assert isinstance(sentences, list)
        path.write_text("\n".join(str(s) for s in sentences) + "\n", encoding="utf-8")
        paths.append(path)
        gold[str(path)] = str(row["subtopic"])
        heads[str(path)] = [" ".join(str(s).split()) for s in sentences[:4]]
    return paths, gold, heads


def _brief(paths: list[Path], folder: Path) -> list[dict[str, Any]]:
    env = dict(os.environ, BRIEFBOT_DATABASE_URL=f"sqlite:///{folder / 'unused.db'}")
    args = [sys.executable, "-m", "bot", "brief", "--json", "--limit", "1000", *map(str, paths)]
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=True, timeout=900)
    events = json.loads(done.stdout)["events"]
    assert isinstance(events, list)
    return events


def run() -> str:
    path = shared_path("ecbplus", "ecbplus_docs.jsonl")
    if path is None:
        return "## Event headlines (ECB+)\n\nSkipped: ECB+ data not found.\n"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    topics = sorted({int(r["topic"]) for r in rows})[:TOPICS]
    chosen = [r for r in rows if int(r["topic"]) in topics]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths, gold, heads = _write(chosen, folder)
        started = time.perf_counter()
        events = _brief(paths, folder)
        elapsed = time.perf_counter() - started
    arrival = {str(p): i for i, p in enumerate(paths)}
    multi = dateline = first = majority = 0
    for event in events:
        articles = [a for s in event["sources"] for a in s["articles"]]
        if len({s["name"] for s in event["sources"]}) < 2:
            continue
        multi += 1
        headline = str(event["headline"])
        dateline += headline.lower().startswith("http") or is_dateline(headline)
        ordered = sorted(articles, key=lambda a: arrival.get(a["location"], 10**6))
        first += headline in heads.get(ordered[0]["location"], [])
        events_of = Counter(gold.get(a["location"], "") for a in articles)
        top = events_of.most_common(1)[0][0]
        origin = [a for a in articles if headline in heads.get(a["location"], [])]
        majority += any(gold.get(a["location"]) == top for a in origin)
    return "\n".join(
        [
            "## Event headlines (ECB+, through `briefbot brief --json`)",
            "",
            f"{len(chosen)} real articles of ECB+ topics {topics[0]}–{topics[-1]} written as text "
            "files (first line = headline, as the files give it: a URL for the `ecbplus` half, "
            "the lead for the `ecb` half), one folder per outlet, briefed in file order "
            f"({elapsed:.0f} s). Events with two or more sources: {multi}.",
            "",
            "| measure | events |",
            "|---|---|",
            f"| headline is a dateline, date stamp or web address | {dateline} / {multi} |",
            f"| headline comes from the first-arrived article | {first} / {multi} |",
            f"| headline comes from an article of the event's main gold event | {majority} / {multi} |",
            "",
            "Before the headline choice (the first-arrived article's title, commit a9e1fac): "
            "11 / 21 datelines or web addresses, 18 / 21 from the first-arrived article, 20 / 21 "
            "from the main gold event (web addresses included). Of the three misses, two are events "
            "the clusterer merged with their look-alike twin, whose article is the most central; "
            "in one the headline is a sentence below the first four lines, which this check reads.",
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
