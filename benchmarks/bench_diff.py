"""Version diffs on real article versions, and claim extraction on ECB+ articles."""

from __future__ import annotations

import json
import time
from collections import Counter

from benchmarks.shared import peak_rss_mib, shared_path
from bot.briefing.claims import compare_claims, extract_claims
from bot.briefing.diff import diff_versions
from bot.briefing.model import Claim, Version

_QUOTES = str.maketrans({"'": "’", '"': "”", "-": "–"})


def _cosmetic(text: str) -> str:
    """Restyle quotes, dashes, spacing and case, and add a footer: nothing a reader needs."""
    restyled = [s.translate(_QUOTES).replace(" ", "  ") for s in text.split(". ")]
    return ". ".join(restyled).upper() + "\n\nFollow us on Twitter for more updates."


def _version_pairs() -> list[str]:
    path = shared_path("version_pairs", "version_pairs.jsonl")
    if path is None:
        return ["Version pairs: skipped (evaluation data absent)."]
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    substantive = cosmetic_flagged = 0
    added = removed = reworded = figures = 0
    started = time.perf_counter()
    for pair in pairs:
        old = Version(1, "", " ".join(pair["old_sentences"]))
        new = Version(2, "", " ".join(pair["new_sentences"]))
        diff = diff_versions(old, new)
        substantive += diff.substantive
        added += len(diff.added)
        removed += len(diff.removed)
        reworded += len(diff.reworded)
        figures += len(diff.figures)
        cosmetic_flagged += diff_versions(old, Version(2, "", _cosmetic(old.text))).substantive
    elapsed = time.perf_counter() - started
    return [
        "| measure | value |",
        "|---|---|",
        f"| real version pairs judged substantive | {substantive} / {len(pairs)} |",
        f"| sentences added / removed / reworded | {added} / {removed} / {reworded} |",
        f"| figure changes found | {figures} |",
        f"| cosmetic restyles wrongly judged substantive | {cosmetic_flagged} / {len(pairs)} |",
        f"| time for {2 * len(pairs)} diffs | {elapsed * 1000:.0f} ms |",
    ]


def _claims() -> list[str]:
    path = shared_path("ecbplus", "ecbplus_docs.jsonl")
    if path is None:
        return ["Claims on ECB+: skipped (evaluation data absent)."]
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    started = time.perf_counter()
    by_topic: dict[str, list[Claim]] = {}
    total = attributed = 0
    about: Counter[str] = Counter()
    for doc in docs:
        claims = extract_claims(doc["text"], source=doc["doc_id"])
        total += len(claims)
        attributed += sum(c.attributed_to is not None for c in claims)
        about.update(c.about for c in claims)
        by_topic.setdefault(str(doc["subtopic"]), []).extend(claims)
    extract_seconds = time.perf_counter() - started
    started = time.perf_counter()
    kinds: Counter[str] = Counter()
    for claims in by_topic.values():
        kinds.update(d.kind for d in compare_claims(claims))
    compare_seconds = time.perf_counter() - started
    top = ", ".join(f"{name} {count}" for name, count in about.most_common(8))
    return [
        "| measure | value |",
        "|---|---|",
        f"| ECB+ articles | {len(docs)} |",
        f"| claims extracted (attributed) | {total} ({attributed / max(total, 1):.0%}) |",
        f"| most frequent categories | {top} |",
        f"| extraction speed | {len(docs) / extract_seconds:.0f} articles/s |",
        f"| differences over {len(by_topic)} gold events | "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        + f" ({compare_seconds * 1000:.0f} ms) |",
    ]


def run() -> str:
    """Return the Markdown section for version diffs and claims."""
    lines = ["## Version diffs and claims", "", *_version_pairs(), "", *_claims(), ""]
    lines.append(f"Peak memory: {peak_rss_mib():.0f} MiB.")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
