"""Events through the user's path: real articles as files, briefed by the real CLI, scored."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter

from benchmarks.shared import shared_path
from benchmarks.user_path import (
    Run,
    Story,
    bcubed,
    ecbplus_stories,
    has_body,
    neus_stories,
    run_stories,
)

ECB_SEEDS = (0, 1, 2, 3, 4)
NEUS_SEEDS = (0,)


def _runs(stories: list[Story], seeds: tuple[int, ...]) -> list[tuple[Run, float, float, float]]:
    """Brief each shuffled order; score over the articles that have a body."""
    gold = {s.key: s.event for s in stories if has_body(s)}
    out = []
    for seed in seeds:
        run = run_stories(stories, seed)
        scores = bcubed(run.predicted, gold)
        out.append((run, scores.precision, scores.recall, scores.f1))
    return out


def _table(name: str, stories: list[Story], seeds: tuple[int, ...]) -> tuple[list[str], float]:
    with_body = {s.key for s in stories if has_body(s)}
    lines = [
        f"| {name} seed | events | rejected (with a body) | B³ P | B³ R | B³ F1 | s/run |",
        "|---|---|---|---|---|---|---|",
    ]
    results = _runs(stories, seeds)
    reasons: Counter[str] = Counter()
    for run, precision, recall, f1 in results:
        lost = [k for k in run.rejected if k in with_body]
        reasons.update(run.rejected[k] for k in lost)
        lines.append(
            f"| {run.seed} | {run.events} | {len(run.rejected)} ({len(lost)}) | {precision:.3f} "
            f"| {recall:.3f} | {f1:.3f} | {run.seconds:.0f} |"
        )
    mean_f1 = statistics.mean(r[3] for r in results)
    lines.append(
        f"| **mean** | | | {statistics.mean(r[1] for r in results):.3f} "
        f"| {statistics.mean(r[2] for r in results):.3f} | **{mean_f1:.3f}** | |"
    )
    if reasons:
        lines += ["", "Articles with a body that were rejected, by reason (all seeds):", ""]
        lines += [f"- {n} × {reason}" for reason, n in reasons.most_common()]
    return lines, mean_f1


def _revision_section(stories: list[Story]) -> list[str]:
    """In-process: online pass, then one revision pass, per topic half and on all; ids changed."""
    from bot.briefing.cluster import cluster_documents
    from bot.briefing.model import Document
    from bot.briefing.revise import apply_revision, revise

    gold = {s.key: s.event for s in stories if has_body(s)}
    lines = [
        "Revision pass in-process on the same files' text (undated here; online pass in shuffled "
        "order, then one pass with every article changed), per ECB+ topic half and on all "
        "topics, default settings (chosen on the halves, see bot/briefing/revise.py). *moved*: "
        "articles whose event id changed; *merged away*: events whose id became an alias of "
        "the older one; *split off*: new events a split created (the larger part keeps its id):",
        "",
        "| topics | online B³ F1 | revised B³ F1 | articles moved | events merged away "
        "| parts split off | ms/article of the pass |",
        "|---|---|---|---|---|---|---|",
    ]
    for parity, name in ((0, "even"), (1, "odd"), (None, "all")):
        rows = []
        for seed in ECB_SEEDS:
            half = [
                s
                for s in stories
                if has_body(s) and (parity is None or int(s.event.split("_")[0]) % 2 == parity)
            ]
            order = half[:]
            random.Random(seed).shuffle(order)
            docs = [Document(id=n, title=s.headline, text=s.body) for n, s in enumerate(order)]
            keys = {n: s.key for n, s in enumerate(order)}
            online = cluster_documents(docs)
            started = time.perf_counter()
            revision = revise(docs, online, [d.id for d in docs])
            elapsed = time.perf_counter() - started
            revised = apply_revision(online, revision, max(online.values()) + 1)
            half_gold = {keys[n]: gold[keys[n]] for n in keys}
            rows.append(
                (
                    bcubed({keys[i]: e for i, e in online.items()}, half_gold).f1,
                    bcubed({keys[i]: e for i, e in revised.items()}, half_gold).f1,
                    len(revision.moves),
                    len(revision.merged),
                    sum(revision.split.values()),
                    1000 * elapsed / len(docs),
                )
            )
        means = [statistics.mean(r[i] for r in rows) for i in range(6)]
        lines.append(
            f"| {name} | {means[0]:.3f} | {means[1]:.3f} | {means[2]:.1f} | {means[3]:.1f} "
            f"| {means[4]:.1f} | {means[5]:.2f} |"
        )
    return lines


def run() -> str:
    """Brief ECB+ (5 shuffled orders) and NeuS val through `briefbot brief --json`."""
    lines = [
        "## Events through the user's path",
        "",
        "Real articles written as `.txt` files in outlet folders (headline line, blank line, body; "
        "file names shuffled by the seed), briefed by `briefbot brief --json --limit 100000 FOLDER` "
        "in its own process; B³ over the articles that have a body (a rejected or missing one "
        "counts as an event of its own). One-sentence articles are written too; rejecting them "
        "is fair and they are not scored.",
        "",
    ]
    ecb = shared_path("ecbplus", "ecbplus_docs.jsonl")
    if ecb is None:
        lines.append("ECB+: skipped, data not found beside the repository.")
    else:
        stories = ecbplus_stories(ecb)
        table, _ = _table("ECB+", stories, ECB_SEEDS)
        lines += [
            f"ECB+: {len(stories)} articles, {sum(map(has_body, stories))} with a body, "
            f"{len({s.event for s in stories})} events.",
            "",
            *table,
            "",
            *_revision_section(stories),
            "",
        ]
    neus = shared_path("neus", "val.source")
    if neus is None:
        lines.append("NeuS val: skipped, data not found beside the repository.")
    else:
        stories = neus_stories(neus)
        table, _ = _table("NeuS val", stories, NEUS_SEEDS)
        lines += [
            f"NeuS val: {len(stories)} articles (title + lead) from three outlets, "
            f"{len({s.event for s in stories})} stories (gold event = line).",
            "",
            *table,
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
