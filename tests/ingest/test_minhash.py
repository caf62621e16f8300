"""The numpy MinHash gives datasketch's signatures, and the store path loads no scipy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from bot.ingest.dedupe import NUM_PERM, fingerprint
from bot.ingest.minhash import MinHasher
from tests.ingest.test_store import STORY


@pytest.mark.parametrize("count", [0, 1, 12, 400])
def test_signature_equals_datasketch(count: int) -> None:
    items = {f"word{n} shingle {n * 7919 % 1000}".encode() for n in range(count)}
    reference = MinHash(num_perm=NUM_PERM)
    reference.update_batch(list(items))
    assert np.array_equal(MinHasher(NUM_PERM).signature(items), reference.hashvalues)


def test_fingerprint_is_the_one_stored_before() -> None:
    """Fingerprints already in a database were made by datasketch: they must still compare."""
    tokens = [w.lower() for w in STORY.replace(".", " ").replace(",", " ").split()]
    shingles = {" ".join(tokens[i : i + 3]).encode() for i in range(len(tokens) - 2)}
    reference = MinHash(num_perm=NUM_PERM)
    reference.update_batch(list(shingles))
    expected = np.asarray(reference.hashvalues, dtype=np.uint64).tobytes()
    assert fingerprint(STORY) == expected


def test_store_path_imports_no_scipy() -> None:
    """scipy's integrators and datasketch's indexes cost about 40 MB of every process."""
    code = "import sys, bot.ingest.pipeline; print(sorted(sys.modules))"
    root = Path(__file__).resolve().parents[2]
    run = [sys.executable, "-c", code]
    out = subprocess.run(run, capture_output=True, text=True, check=True, cwd=root)
    assert "'datasketch'" not in out.stdout
    assert "'scipy.integrate'" not in out.stdout
