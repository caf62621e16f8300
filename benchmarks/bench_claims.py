"""Claim extraction on real ECB+ sentences against hand-made gold claims (benchmarks/claims_gold.yaml).

A predicted claim matches a gold one in the same sentence when it counts the same thing and its
range agrees (within 1, or 15% for approximations such as "nearly 100"); open ranges ("at least
22") must be open on both sides. Precision and recall count matched claims; attribution and scope
accuracy are measured on the matched ones. The development half (odd topics) is the one the rules
were tuned on; the held-out half (even topics) was not looked at while tuning.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from benchmarks.shared import shared_path
from bot.briefing.claims import attribution_key, sentence_claims
from bot.briefing.model import Claim

GOLD = Path(__file__).with_name("claims_gold.yaml")
# What the briefing compares first: a miss here costs the reader most.
CASUALTIES = frozenset({"killed", "injured", "casualties", "missing"})


@dataclass(frozen=True, slots=True)
class Gold:
    about: str
    low: float
    high: float | None
    attributed_to: str | None
    scope: str


@dataclass
class Tally:
    predicted: int = 0
    gold: int = 0
    matched: int = 0
    attribution_right: int = 0
    scope_right: int = 0
    casualty_gold: int = 0
    casualty_matched: int = 0

    def line(self, name: str) -> str:
        precision = self.matched / self.predicted if self.predicted else 0.0
        recall = self.matched / self.gold if self.gold else 0.0
        attribution = self.attribution_right / self.matched if self.matched else 0.0
        scope = self.scope_right / self.matched if self.matched else 0.0
        casualties = self.casualty_matched / self.casualty_gold if self.casualty_gold else 0.0
        return (
            f"| {name} | {self.gold} | {self.predicted} | {precision:.2f} | {recall:.2f} | "
            f"{scope:.2f} | {attribution:.2f} | {casualties:.2f} |"
        )


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(1.0, 0.15 * abs(b))


def _matches(claim: Claim, gold: Gold) -> bool:
    if claim.about != gold.about or claim.low is None or not _close(claim.low, gold.low):
        return False
    if gold.high is None or claim.high is None:
        return gold.high is None and claim.high is None
    return _close(claim.high, gold.high)


def _same_speaker(predicted: str | None, gold: str | None) -> bool:
    a, b = attribution_key(predicted), attribution_key(gold)
    if not a or not b:
        return a == b
    return a in b or b in a


def _scope(claim: Claim) -> str:
    return claim.scope


Entry = tuple[str, int, list[Gold]]


def _entry(raw: list[Any]) -> Entry:
    doc_id, index, claims = raw
    gold = [
        Gold(str(a), float(lo), None if hi is None else float(hi), w, str(scope))
        for a, lo, hi, w, scope in claims
    ]
    return str(doc_id), int(index), gold


def score(entries: list[Entry], sentences: dict[str, list[str]], errors: list[str]) -> Tally:
    """Compare the extractor with the gold claims of ``entries``; collect readable errors."""
    tally = Tally()
    for doc_id, index, gold in entries:
        sentence = sentences[doc_id][index]
        predicted = sentence_claims(sentence, source="S")
        tally.predicted += len(predicted)
        tally.gold += len(gold)
        tally.casualty_gold += sum(g.about in CASUALTIES for g in gold)
        left = list(gold)
        for claim in predicted:
            match = next((g for g in left if _matches(claim, g)), None)
            if match is None:
                errors.append(f"extra   {doc_id}:{index} {claim.about} {claim.value!r}")
                continue
            left.remove(match)
            tally.matched += 1
            tally.casualty_matched += match.about in CASUALTIES
            if _same_speaker(claim.attributed_to, match.attributed_to):
                tally.attribution_right += 1
            else:
                errors.append(
                    f"speaker {doc_id}:{index} {claim.attributed_to!r} != {match.attributed_to!r}"
                )
            if _scope(claim) == match.scope:
                tally.scope_right += 1
            else:
                errors.append(f"scope   {doc_id}:{index} {_scope(claim)} != {match.scope}")
        errors += [f"missed  {doc_id}:{index} {g.about} {g.low} {g.high}" for g in left]
    return tally


def load() -> tuple[dict[str, list[Entry]], dict[str, list[str]]] | None:
    """Return the gold entries of each half and the sentences of the documents they name."""
    path = shared_path("ecbplus", "ecbplus_docs.jsonl")
    if path is None:
        return None
    raw = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    gold = {half: [_entry(e) for e in entries] for half, entries in raw.items()}
    wanted = {e[0] for half in gold.values() for e in half}
    sentences = {}
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    for row in rows:
        if row["doc_id"] in wanted:
            sentences[row["doc_id"]] = row["sentences"]
    return gold, sentences


def run() -> str:
    loaded = load()
    if loaded is None:
        return "## Claims\n\nSkipped: ECB+ data not found.\n"
    gold, sentences = loaded
    lines = [
        "## Claims (extraction on real sentences)",
        "",
        f"{sum(map(len, gold.values()))} hand-annotated ECB+ sentences (benchmarks/claims_gold.yaml):"
        " what is counted, the value, who said it and whether it is this event's figure, an"
        " earlier event's (background) or a part of the total. Rules tuned on the development"
        " half only (odd topics); targets on held-out: precision >= 0.90, recall >= 0.80,"
        " scope accuracy >= 0.90.",
        "",
        "| half | gold claims | predicted | precision | recall | scope accuracy | attribution"
        " accuracy | casualty recall |",
        "|---|---|---|---|---|---|---|---|",
    ]
    kinds: Counter[str] = Counter()
    for half in ("dev", "held_out"):
        errors: list[str] = []
        lines.append(score(gold[half], sentences, errors).line(half.replace("_", "-")))
        if half == "held_out":
            kinds.update(e.split()[0] for e in errors)
    lines += [
        "",
        "Held-out errors by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Print every error of one half (``python -m benchmarks.bench_claims dev``)."""
    import sys

    loaded = load()
    assert loaded is not None, "ECB+ data not found"
    gold, sentences = loaded
    half = sys.argv[1] if len(sys.argv) > 1 else "dev"
    errors: list[str] = []
    tally = score(gold[half], sentences, errors)
    print("\n".join(errors))
    print(tally.line(half))


if __name__ == "__main__":
    main()
