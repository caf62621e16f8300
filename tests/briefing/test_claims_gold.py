"""The hand-made gold claims point at the real sentences they were written for."""

from __future__ import annotations

import re

from tests.shared import shared_path


def test_neus_gold_names_the_annotated_sentences_split_by_story() -> None:
    shared_path("neus", "val.source")
    shared_path("ecbplus", "ecbplus_docs.jsonl")
    from benchmarks.bench_claims import load

    corpora = load()  # refuses a reference whose sentence no longer matches its check

    gold, sentences = corpora["NeuS val"]
    assert sum(map(len, gold.values())) >= 150
    for half, parity in (("dev", 1), ("held_out", 0)):
        for item, index, _ in gold[half]:
            match = re.fullmatch(r"val-(\d+)-(\d+)", item)
            assert match is not None
            assert int(match[1]) % 2 == parity
            assert sentences[item][index].strip()
    ecb, _ = corpora["ECB+"]
    assert sum(map(len, ecb.values())) + sum(map(len, gold.values())) >= 300
