"""Claim extraction on real sentences against hand-made gold claims.

ECB+ sentences are in benchmarks/claims_gold.yaml (by document id and sentence index), NeuS
validation sentences in benchmarks/claims_gold_neus.yaml (by story, article and sentence index);
the text is read from ../shared/data at run time.

A predicted claim matches a gold one in the same sentence when it counts the same thing and its
range agrees (within 1, or 15% for approximations such as "nearly 100"); open ranges ("at least
22") must be open on both sides. Precision and recall count matched claims; attribution and scope
accuracy are measured on the matched ones. The development half (odd topics) is the one the rules
were tuned on; the held-out half (even topics) was not looked at while tuning. NeuS is split by story the same
way (odd lines dev, even lines held-out).
"""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from syntok import segmenter

from benchmarks.shared import shared_path
from bot.briefing.claims import attribution_key, sentence_claims
from bot.briefing.model import Claim

GOLD = Path(__file__).with_name("claims_gold.yaml")
GOLD_NEUS = Path(__file__).with_name("claims_gold_neus.yaml")
_NEUS_PART = re.compile(r"TITLE=>\s*(?P<title>.*?)\s*ARTICLE=>\s*(?P<article>.*)", re.DOTALL)
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

    def add(self, other: Tally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

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
    doc_id, index, claims = raw[0], raw[1], raw[-1]
    gold = [
        Gold(str(a), float(lo), None if hi is None else float(hi), w, str(scope))
        for a, lo, hi, w, scope in claims
    ]
    return str(doc_id), int(index), gold


# Error classes, in the order the table lists them.
CLASSES = (
    "missed figure (shape not read)",
    "wrong quantity noun (value right)",
    "wrong value or range (noun right)",
    "spurious claim (not a count)",
    "scope: background missed",
    "scope: background wrongly",
    "scope: part missed",
    "scope: part wrongly",
    "attribution missed",
    "attribution wrong or invented",
)


def _classify_misses(predicted: list[Claim], gold: list[Gold], classes: Counter[str]) -> None:
    """Count the unmatched claims of one sentence by what went wrong."""
    left = list(gold)
    for claim in list(predicted):
        same_value = next(
            (g for g in left if claim.low is not None and _close(claim.low, g.low)), None
        )
        same_noun = next((g for g in left if g.about == claim.about), None)
        if same_value is not None:
            classes["wrong quantity noun (value right)"] += 1
            left.remove(same_value)
        elif same_noun is not None:
            classes["wrong value or range (noun right)"] += 1
            left.remove(same_noun)
        else:
            classes["spurious claim (not a count)"] += 1
    classes["missed figure (shape not read)"] += len(left)


def _classify_match(claim: Claim, gold: Gold, classes: Counter[str]) -> None:
    if not _same_speaker(claim.attributed_to, gold.attributed_to):
        missed = claim.attributed_to is None
        classes["attribution missed" if missed else "attribution wrong or invented"] += 1
    if claim.scope != gold.scope:
        if gold.scope == "background" or claim.scope == "background":
            wrong = claim.scope == "background"
            classes["scope: background wrongly" if wrong else "scope: background missed"] += 1
        else:
            wrong = claim.scope == "partial"
            classes["scope: part wrongly" if wrong else "scope: part missed"] += 1


def score(
    entries: list[Entry],
    sentences: dict[str, list[str]],
    errors: list[str],
    classes: Counter[str] | None = None,
) -> Tally:
    """Compare the extractor with the gold claims of ``entries``; collect readable errors.

    ``classes``, when given, counts the errors by class (``CLASSES``).
    """
    tally = Tally()
    classes = Counter() if classes is None else classes
    for doc_id, index, gold in entries:
        sentence = sentences[doc_id][index]
        # as on the user's path, a body sentence is read after the one before it
        first_body = 2 if doc_id.startswith("val-") else 1
        previous = sentences[doc_id][index - 1] if index >= first_body else ""
        predicted = sentence_claims(sentence, source="S", previous=previous)
        tally.predicted += len(predicted)
        tally.gold += len(gold)
        tally.casualty_gold += sum(g.about in CASUALTIES for g in gold)
        left = list(gold)
        unmatched = []
        for claim in predicted:
            match = next((g for g in left if _matches(claim, g)), None)
            if match is None:
                errors.append(f"extra   {doc_id}:{index} {claim.about} {claim.value!r}")
                unmatched.append(claim)
                continue
            left.remove(match)
            _classify_match(claim, match, classes)
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
        _classify_misses(unmatched, left, classes)
    return tally


def _read_gold(path: Path) -> dict[str, list[Entry]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {half: [_entry(e) for e in entries] for half, entries in raw.items()}


def _ecbplus() -> tuple[dict[str, list[Entry]], dict[str, list[str]]] | None:
    path = shared_path("ecbplus", "ecbplus_docs.jsonl")
    if path is None:
        return None
    gold = _read_gold(GOLD)
    wanted = {e[0] for half in gold.values() for e in half}
    sentences = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["doc_id"] in wanted:
                sentences[row["doc_id"]] = row["sentences"]
    return gold, sentences


def neus_sentences(title: str, body: str) -> list[str]:
    """Return a NeuS article's title and then its body's sentences, as the gold indexes them."""
    out = [title]
    for paragraph in segmenter.process(body):
        for sentence in paragraph:
            out.append("".join(t.spacing + t.value for t in sentence).strip())
    return out


def _neus() -> tuple[dict[str, list[Entry]], dict[str, list[str]]] | None:
    path = shared_path("neus", "val.source")
    if path is None:
        return None
    raw = yaml.safe_load(GOLD_NEUS.read_text(encoding="utf-8"))
    checks = {(e[0], e[1]): e[2] for entries in raw.values() for e in entries}
    gold = {half: [_entry(e) for e in entries] for half, entries in raw.items()}
    wanted = {e[0] for half in gold.values() for e in half}
    sentences = {}
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        for part_no, part in enumerate(line.split(" [SEP] ")):
            item = f"val-{line_no}-{part_no}"
            if item not in wanted:
                continue
            match = _NEUS_PART.match(part.strip())
            title, body = (match["title"], match["article"]) if match else ("", part)
            sentences[item] = neus_sentences(title.strip(), body.strip())
    for (item, index), check in checks.items():
        found = f"{zlib.crc32(sentences[item][index].encode()) % 4096:03x}"
        if found != str(check):
            raise ValueError(f"{item}:{index} is not the annotated sentence (check {found})")
    return gold, sentences


def load() -> dict[str, tuple[dict[str, list[Entry]], dict[str, list[str]]]]:
    """Return, per corpus found, the gold entries of each half and the sentences they name."""
    corpora = {"ECB+": _ecbplus(), "NeuS val": _neus()}
    return {name: loaded for name, loaded in corpora.items() if loaded is not None}


def run() -> str:
    corpora = load()
    if not corpora:
        return "## Claims\n\nSkipped: ECB+ and NeuS data not found.\n"
    counts = ", ".join(
        f"{sum(map(len, gold.values()))} {name}" for name, (gold, _) in corpora.items()
    )
    lines = [
        "## Claims (extraction on real sentences)",
        "",
        f"Hand-annotated sentences ({counts}; benchmarks/claims_gold.yaml and"
        " claims_gold_neus.yaml): what is counted, the value, who said it and whether it is this"
        " event's figure, an earlier event's (background) or a part of the total. Rules tuned on"
        " the development halves only (odd ECB+ topics, odd NeuS val stories); targets on"
        " held-out: precision >= 0.90, recall >= 0.80, scope accuracy >= 0.90.",
        "",
        "| corpus | half | gold claims | predicted | precision | recall | scope accuracy |"
        " attribution accuracy | casualty recall |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    kinds: Counter[str] = Counter()
    dev_classes: Counter[str] = Counter()
    for half in ("dev", "held_out"):
        total = Tally()
        for name, (gold, sentences) in corpora.items():
            errors: list[str] = []
            tally = score(gold[half], sentences, errors, dev_classes if half == "dev" else None)
            total.add(tally)
            lines.append(tally.line(f"{name} | {half.replace('_', '-')}"))
            if half == "held_out":
                kinds.update(e.split()[0] for e in errors)
        lines.append(total.line(f"all | {half.replace('_', '-')}"))
    lines += [
        "",
        "Held-out errors by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
        "",
        "Development-half errors by class (both corpora):",
        "",
        "| error class | errors |",
        "|---|---|",
        *(f"| {name} | {dev_classes[name]} |" for name in CLASSES),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Print every error of one half (``python -m benchmarks.bench_claims dev [ECB+|NeuS]``)."""
    import sys

    corpora = load()
    assert corpora, "no data found"
    half = sys.argv[1] if len(sys.argv) > 1 else "dev"
    wanted = sys.argv[2] if len(sys.argv) > 2 else ""
    classes: Counter[str] = Counter()
    for name, (gold, sentences) in corpora.items():
        if wanted and not name.startswith(wanted):
            continue
        errors: list[str] = []
        tally = score(gold[half], sentences, errors, classes)
        print("\n".join(errors))
        print(tally.line(f"{name} | {half}"))
    for name in CLASSES:
        print(f"| {name} | {classes[name]} |")


if __name__ == "__main__":
    main()
