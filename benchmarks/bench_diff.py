"""Version diffs on real article versions, and claim extraction on ECB+ articles."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Sequence

from benchmarks.shared import peak_rss_mib, shared_path
from bot.briefing.changes import MAX_LINES
from bot.briefing.claims import compare_claims, extract_claims
from bot.briefing.diff import diff_versions, is_furniture, is_related_link
from bot.briefing.model import Claim, Version, VersionDiff
from bot.briefing.text import split_sentences
from bot.render.sections import change_summary_lines

# Measured with the sentence splitter before it kept quotations whole (commit a9e1fac).
SPLIT_QUOTES_BEFORE = {"ecbplus": (678, 69), "version_pairs": (24, 0)}
_OPEN, _CLOSE = "“«", "”»"
_SPEAKER_ONLY = re.compile(r"^(?:[\w.'’-]+\s+){0,3}(?:said|says|told|added|asked|wrote|tweeted)\b")


def _open(text: str) -> bool:
    curly = sum(text.count(q) for q in _OPEN) - sum(text.count(q) for q in _CLOSE)
    return curly > 0 or re.sub(r'(?<=\d)"', "", text).count('"') % 2 == 1


def _closes(text: str) -> bool:
    curly = sum(text.count(q) for q in _CLOSE) - sum(text.count(q) for q in _OPEN)
    return curly > 0 or re.sub(r'(?<=\d)"', "", text).count('"') % 2 == 1


def split_quotes(sentences: Sequence[str]) -> tuple[int, int]:
    """Count quotations cut in two, and speakers cut off their quotation, between neighbours."""
    inside = speaker = 0
    for a, b in itertools.pairwise(sentences):
        if _open(a) and _closes(b):
            inside += 1
        elif (
            (a.rstrip()[-1:] in '”"' or (_open(a) and a.rstrip()[-1:] in "!?."))
            and _SPEAKER_ONLY.match(b)
            and not any(q in b for q in '“”"')
        ):
            speaker += 1
    return inside, speaker


def _listed_lines(diff: VersionDiff) -> int:
    """Lines the change took when every changed sentence was listed (the layout before)."""
    return (
        (diff.headline_change is not None)
        + len(diff.figures)
        + len(diff.added)
        + len(diff.removed)
        + len(diff.reworded)
    )


def _change_sections(pairs: list[dict[str, list[str]]]) -> list[str]:
    """Per real pair: lines of its change section listed in full and as a summary."""
    rows = [
        "| pair | sentences old/new | every change listed | summary lines | +k more | "
        "caption/credit/byline lines | figures (revised) |",
        "|---|---|---|---|---|---|---|",
    ]
    within = furniture_total = 0
    for number, pair in enumerate(pairs, 1):
        old = Version(1, "", " ".join(pair["old_sentences"]))
        new = Version(2, "", " ".join(pair["new_sentences"]))
        diff = diff_versions(old, new)
        lines = change_summary_lines(diff.summary)
        furniture = sum(is_furniture(line) or is_related_link(line) for line in lines)
        furniture_total += furniture
        within += diff.summary.line_count <= MAX_LINES
        rows.append(
            f"| {number} | {len(pair['old_sentences'])}/{len(pair['new_sentences'])} | "
            f"{_listed_lines(diff)} | {diff.summary.line_count} | "
            f"{diff.summary.more_sentences} | {furniture} | {len(diff.summary.figures)} |"
        )
    rows += [
        "",
        f'Summaries within {MAX_LINES} lines (the "+k more sentences" line included): '
        f"{within} / {len(pairs)}; caption, credit, byline or related-link lines shown: "
        f"{furniture_total}.",
    ]
    return rows


def _quote_splits(pairs: list[dict[str, list[str]]]) -> list[str]:
    ecb = shared_path("ecbplus", "ecbplus_docs.jsonl")
    rows = [
        "| text | sentences | quotation cut in two (before → now) | "
        "speaker cut off (before → now) |",
        "|---|---|---|---|",
    ]
    corpora: list[tuple[str, list[str]]] = [
        ("version_pairs", [" ".join(p["old_sentences"] + p["new_sentences"]) for p in pairs])
    ]
    if ecb is not None:
        docs = [json.loads(line) for line in ecb.read_text(encoding="utf-8").splitlines() if line]
        corpora.append(("ecbplus", [d["text"] for d in docs]))
    for name, texts in corpora:
        count = inside = speaker = 0
        for text in texts:
            sentences = split_sentences(text)
            count += len(sentences)
            cut, alone = split_quotes(sentences)
            inside += cut
            speaker += alone
        before = SPLIT_QUOTES_BEFORE[name]
        rows.append(f"| {name} | {count} | {before[0]} → {inside} | {before[1]} → {speaker} |")
    return rows


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
    path = shared_path("version_pairs", "version_pairs.jsonl")
    if path is not None:
        text = path.read_text(encoding="utf-8")
        pairs = [json.loads(line) for line in text.splitlines() if line]
        lines += ["### What changed, per real version pair", "", *_change_sections(pairs), ""]
        lines += ["### Quotations kept whole by the sentence splitter", "", *_quote_splits(pairs)]
        lines.append("")
    lines.append(f"Peak memory: {peak_rss_mib():.0f} MiB.")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
