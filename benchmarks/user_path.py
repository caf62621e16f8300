"""Real articles written as files in outlet folders and briefed through the real CLI.

This is the path a user takes: a folder of `.txt` files (headline line, blank line, body), then
`briefbot brief --json --limit 100000 FOLDER` in its own process. The events it prints are
scored against the gold events with B-cubed precision, recall and F1.
"""

from __future__ import annotations

import calendar
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from benchmarks.shared import REPO_ROOT

# Outlets for ECB+'s original documents, which carry no web address of their own.
UNNAMED_OUTLETS = 24
_HOST = re.compile(r"^\s*https?\s*:\s*/\s*/\s*(?P<host>[^/]+?)\s*/", re.IGNORECASE)
_URL_LIKE = re.compile(r"^\s*(?:https?\s*:|www\s*\.)", re.IGNORECASE)
REJECTED = re.compile(r"^rejected\s+(?P<path>\S+)\s+—\s+(?P<reason>.*)$")


@dataclass(frozen=True, slots=True)
class Story:
    """One real article to write as a file: its outlet, lines and gold event."""

    key: str
    outlet: str
    headline: str
    body: str
    event: str
    sentences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class Run:
    """What one `brief --json` run over one shuffled folder gave."""

    seed: int
    scores: Scores
    events: int
    rejected: dict[str, str]
    """Story key -> the rejection reason the CLI printed."""
    placed: int
    seconds: float
    predicted: dict[str, object]
    """Story key -> the id of the event it was placed in."""


def bcubed(predicted: Mapping[str, object], gold: Mapping[str, object]) -> Scores:
    """Return B-cubed precision, recall and F1 averaged over the articles in ``gold``.

    An article missing from ``predicted`` (rejected, or dropped as a duplicate) counts as an
    event of its own, so losing articles costs recall.
    """
    labels = {key: predicted.get(key, ("missing", key)) for key in gold}
    pairs = Counter((labels[k], gold[k]) for k in gold)
    sizes = Counter(labels.values())
    gold_sizes = Counter(gold.values())
    precision = sum(n * n / sizes[c] for (c, _), n in pairs.items()) / len(gold)
    recall = sum(n * n / gold_sizes[g] for (_, g), n in pairs.items()) / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1)


def _outlet(doc_id: str, sentences: list[str]) -> str:
    """Return the outlet folder: the web host when the article starts with one, else a stand-in."""
    match = _HOST.match(sentences[0]) if sentences else None
    if match:
        host = re.sub(r"\s+", "", match.group("host")).lower().removeprefix("www.")
        return re.sub(r"[^a-z0-9.-]", "-", host)
    return f"outlet{sum(map(ord, doc_id)) % UNNAMED_OUTLETS:02d}"


def ecbplus_stories(path: Path) -> list[Story]:
    """Return ECB+ articles as files would hold them: first sentence after the URL, then the rest."""
    stories = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            sentences: list[str] = row["sentences"]
            outlet = _outlet(row["doc_id"], sentences)
            if sentences and _URL_LIKE.match(sentences[0]):
                sentences = sentences[1:]
            if not sentences:
                continue
            stories.append(
                Story(
                    key=row["doc_id"],
                    outlet=outlet,
                    headline=sentences[0],
                    body=" ".join(sentences[1:]),
                    event=row["subtopic"],
                    sentences=tuple(sentences),
                )
            )
    return stories


_NEUS_PART = re.compile(r"^\s*TITLE=>\s*(?P<title>.*?)\s*ARTICLE=>\s*(?P<article>.*?)\s*$", re.S)
NEUS_OUTLETS = ("left", "center", "right")


def neus_stories(path: Path) -> list[Story]:
    """Return NeuS stories: each line is one story told by three outlets (the gold event)."""
    stories = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            for outlet, part in zip(NEUS_OUTLETS, line.split("[SEP]"), strict=False):
                match = _NEUS_PART.match(part)
                if match is None:
                    continue
                stories.append(
                    Story(
                        key=f"{number}-{outlet}",
                        outlet=outlet,
                        headline=match.group("title"),
                        body=match.group("article"),
                        event=str(number),
                        sentences=(match.group("title"), match.group("article")),
                    )
                )
    return stories


def write_folder(stories: list[Story], folder: Path, seed: int) -> dict[str, str]:
    """Write each story as ``folder/<outlet>/<shuffled rank>.txt``; return file path -> story key."""
    order = stories[:]
    random.Random(seed).shuffle(order)
    where: dict[str, str] = {}
    for rank, story in enumerate(order):
        outlet = folder / story.outlet
        outlet.mkdir(parents=True, exist_ok=True)
        file = outlet / f"{rank:05d}.txt"
        file.write_text(f"{story.headline}\n\n{story.body}\n", encoding="utf-8")
        where[str(file)] = story.key
    return where


def brief_folder(folder: Path) -> tuple[list[dict[str, object]], str, float]:
    """Run the real CLI over a folder; return its events, its stderr and the wall time."""
    env = {
        **os.environ,
        "BRIEFBOT_DATABASE_URL": f"sqlite:///{folder.parent / 'unused.db'}",
        "BRIEFBOT_INBOX_DIR": str(folder.parent / "inbox"),
        "BRIEFBOT_TELEGRAM_TOKEN": "",
    }
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "brief", "--json", "--limit", "100000", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
        env=env,
        timeout=1800,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"briefbot brief failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)["events"], proc.stderr, elapsed


def run_stories(stories: list[Story], seed: int) -> Run:
    """Write the stories shuffled by ``seed``, brief them and score the events found."""
    gold = {s.key: s.event for s in stories}
    with tempfile.TemporaryDirectory(prefix="briefbot-bench-") as tmp:
        folder = Path(tmp) / "articles"
        where = write_folder(stories, folder, seed)
        events, stderr, elapsed = brief_folder(folder)
    predicted: dict[str, object] = {}
    for event in events:
        for source in event["sources"]:  # type: ignore[attr-defined]
            for article in source["articles"]:
                key = where.get(article["location"])
                if key is not None:
                    predicted[key] = event["id"]
    rejected = {}
    for line in stderr.splitlines():
        match = REJECTED.match(line.strip())
        if match and match.group("path") in where:
            rejected[where[match.group("path")]] = match.group("reason")
    return Run(
        seed=seed,
        scores=bcubed(predicted, gold),
        events=len(events),
        rejected=rejected,
        placed=len(predicted),
        seconds=elapsed,
        predicted=predicted,
    )


_CALENDAR_WORDS = frozenset(
    w.lower()
    for w in (
        *calendar.month_name[1:],
        *calendar.month_abbr[1:],
        *calendar.day_name,
        *calendar.day_abbr,
    )
) | {"am", "pm", "published", "updated", "posted", "on", "at", "last"}


def _only_a_date(sentence: str) -> bool:
    """Tell a sentence that holds nothing but a date (and a label), by its words alone."""
    words = re.findall(r"[A-Za-z]+", sentence)
    return all(w.lower() in _CALENDAR_WORDS or (len(w) <= 3 and w.isupper()) for w in words)


def has_body(story: Story) -> bool:
    """Tell an article with text beyond one line, which must not be rejected.

    Its sentences, less those that only hold a date, must be at least two.
    """
    return sum(not _only_a_date(s) for s in story.sentences) >= 2
