"""Compact sparse vectors: what the clusterer and the revision pass keep per held article.

A held window of tens of thousands of articles is mostly these vectors, so they are stored as
arrays, not dicts of floats: sorted 64-bit key hashes, and each weight as a one-byte index into
the article's own small table of distinct weights (an article's weights are sublinear counts,
so it has only a few distinct values). The weights read back are the same floats, bit for bit.
"""

from __future__ import annotations

import numpy as np


class SparseVector:
    """An article's weighted keys: sorted key hashes, each weight an index into a small table."""

    __slots__ = ("_codes", "_table", "keys")

    def __init__(self, keys: np.ndarray, weights: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.keys: np.ndarray = np.ascontiguousarray(keys[order], dtype=np.int64)
        """The key hashes, ascending (distinct)."""
        table, codes = np.unique(weights[order], return_inverse=True)
        self._table: np.ndarray = table.astype(np.float64)
        self._codes: np.ndarray = codes.astype(np.uint8 if len(table) <= 256 else np.uint16)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def weights(self) -> np.ndarray:
        """Return the weights in key order (float64, exactly as given)."""
        result: np.ndarray = self._table[self._codes]
        return result


def csr_parts(
    vectors: list[SparseVector], kept: np.ndarray, inverse: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (indptr, column) of the kept entries of the concatenated vectors' rows.

    ``kept`` marks each distinct key (ascending) as a column or not; ``inverse`` gives each
    concatenated entry its distinct key. The columns of a row come out ascending, since each
    vector's keys are sorted and columns follow key order.
    """
    lengths = np.fromiter((len(v) for v in vectors), dtype=np.int64, count=len(vectors))
    entry = kept[inverse]
    rows = np.repeat(np.arange(len(vectors), dtype=np.int32), lengths)
    per_row = np.bincount(rows[entry], minlength=len(vectors))
    indptr = np.r_[0, np.cumsum(per_row)].astype(np.int32)
    column = (np.cumsum(kept) - 1).astype(np.int32)
    return indptr, column[inverse[entry]]


def distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (inverse, counts) of ``np.unique(keys)``, with 32-bit indices and fewer copies.

    ``inverse[i]`` is the rank of ``keys[i]`` among the distinct keys, ascending; ``counts``
    how often each distinct key occurs. Over a whole held window these arrays are the biggest
    things a revision pass builds.
    """
    order = np.argsort(keys)
    ranked = keys[order]
    step = np.empty(len(keys), dtype=np.int32)
    if len(keys):
        step[0] = 0
        np.not_equal(ranked[1:], ranked[:-1], out=step[1:], casting="unsafe")
    del ranked
    np.cumsum(step, out=step)
    inverse = np.empty(len(keys), dtype=np.int32)
    inverse[order] = step
    del order, step
    counts = np.bincount(inverse, minlength=0)
    return inverse, counts
