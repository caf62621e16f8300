"""MinHash signatures of word shingles, in numpy alone.

The same values as datasketch 2.0's ``MinHash`` with its default "affine32" scheme (seed 1,
SHA-1 truncated to 32 bits, the MurmurHash3 finalizer, then ``a * h + b`` modulo 2**32), so
fingerprints stored before stay comparable. datasketch itself is not imported: it pulls in
scipy's integrators and LSH indexes at import, about 60 MB the bot never uses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

SEED = 1


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw the affine permutations exactly as datasketch does for a seed."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """Apply MurmurHash3's 32-bit finalizer: a bijection that spreads structured inputs."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    mixed: np.ndarray = hv ^ (hv >> np.uint32(16))
    return mixed


class MinHasher:
    """Signatures of byte strings under one fixed draw of permutations (drawn once, reused)."""

    def __init__(self, num_perm: int) -> None:
        a, b = _permutations(num_perm)
        self._a = a.reshape(1, -1)
        self._b = b.reshape(1, -1)

    def signature(self, items: Iterable[bytes]) -> np.ndarray:
        """Return the minimum of each permutation over the items' hashes (uint32, all 2**32-1
        when there are none)."""
        hashes = np.fromiter(
            (int.from_bytes(hashlib.sha1(item).digest()[:4], "little") for item in items),
            dtype=np.uint32,
        )
        if not len(hashes):
            return np.full(self._a.shape[1], np.uint32(0xFFFFFFFF), dtype=np.uint32)
        mixed = _fmix32(hashes).reshape(-1, 1)
        with np.errstate(over="ignore"):
            permuted = mixed * self._a + self._b
        result: np.ndarray = permuted.min(axis=0)
        return result
