"""Tell copies apart: an article's content hash and its near-duplicate fingerprint (pure).

Apart from the store so that a parsing worker can fingerprint an article without importing the
database layer.
"""

from __future__ import annotations

import hashlib

import numpy as np

from bot.briefing.text import normalize_space, words
from bot.ingest.minhash import MinHasher

NUM_PERM = 128
SHINGLE_WORDS = 3
# Too few shingles and two unrelated short texts look alike.
MIN_SHINGLES = 12
# Drawing the permutations is most of a MinHash's set-up; every fingerprint shares one draw.
_MINHASH = MinHasher(NUM_PERM)


def content_hash(title: str, text: str) -> str:
    """Hash an article's headline and text with white space normalised."""
    payload = normalize_space(title) + "\n" + normalize_space(text)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def fingerprint(text: str) -> bytes | None:
    """Return the MinHash of the text's word shingles, or None when it is too short to judge."""
    tokens = [w.lower() for w in words(text)]
    shingles = {
        " ".join(tokens[i : i + SHINGLE_WORDS]).encode("utf-8")
        for i in range(len(tokens) - SHINGLE_WORDS + 1)
    }
    if len(shingles) < MIN_SHINGLES:
        return None
    return bytes(_MINHASH.signature(shingles).astype(np.uint64).tobytes())


def similarity(a: bytes, b: bytes) -> float:
    """Estimate the Jaccard similarity of two fingerprints."""
    left = np.frombuffer(a, dtype=np.uint64)
    right = np.frombuffer(b, dtype=np.uint64)
    if left.shape != right.shape:
        return 0.0
    return float(np.mean(left == right))
