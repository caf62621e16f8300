"""Compact sparse vectors: what the clusterer and the revision pass keep per held article.

A held window of tens of thousands of articles is mostly these vectors, so they are stored as
arrays, not dicts of floats: sorted 64-bit key hashes, and each weight as a one-byte index into
the article's own small table of distinct weights (an article's weights are sublinear counts,
so it has only a few distinct values). The weights read back are the same floats, bit for bit.
"""

from __future__ import annotations

import numpy as np


def encode(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (table, codes): the distinct weights, and each weight's index into them."""
    table, codes = np.unique(weights, return_inverse=True)
    return table.astype(np.float64), codes.astype(np.uint8 if len(table) <= 256 else np.uint16)


class SparseVector:
    """An article's weighted keys: sorted key hashes, each weight an index into a small table."""

    __slots__ = ("_codes", "_table", "keys")

    def __init__(self, keys: np.ndarray, weights: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.keys: np.ndarray = np.ascontiguousarray(keys[order], dtype=np.int64)
        """The key hashes, ascending (distinct)."""
        self._table, self._codes = encode(weights[order])

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


def distinct(keys: np.ndarray, *, chunk: int = 1 << 20) -> tuple[np.ndarray, np.ndarray]:
    """Return (inverse, counts) of ``np.unique(keys)``, with 32-bit indices and fewer copies.

    ``inverse[i]`` is the rank of ``keys[i]`` among the distinct keys, ascending; ``counts``
    how often each distinct key occurs. Over a whole held window these arrays are the biggest
    things a revision pass builds.
    """
    ranked = np.sort(keys, kind="stable")  # each vector's keys are sorted runs already
    first = np.ones(len(ranked), dtype=bool)
    np.not_equal(ranked[1:], ranked[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    unique = ranked[starts]
    del ranked, first
    counts = np.diff(np.append(starts, len(keys)))
    inverse = np.empty(len(keys), dtype=np.int32)
    for start in range(0, len(keys), chunk):
        part = slice(start, start + chunk)
        inverse[part] = np.searchsorted(unique, keys[part])
    return inverse, counts


CHANNELS = 4
"""Ids carry their channel (words, names, numbers) in their low two bits."""


class Vocabulary:
    """Give each key a small integer id and count the held vectors that have it.

    An id is freed when no held vector has its key any more, and handed out again, so the
    vocabulary stays as large as the window, not as every key ever seen.
    """

    __slots__ = ("_counts", "_free", "_ids", "_keys")

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._keys: list[str | None] = []
        self._counts = np.zeros(1024, dtype=np.int32)
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self._ids)

    def id_of(self, key: str) -> int | None:
        """Return the id of a key some held vector has, or None."""
        return self._ids.get(key)

    def count(self, key: str) -> int:
        """Return how many held vectors have the key."""
        found = self._ids.get(key)
        return 0 if found is None else int(self._counts[found >> 2])

    def acquire(self, keys: list[str], channel: int) -> np.ndarray:
        """Return the ids of a vector's (distinct) keys and count the vector in."""
        ids = np.empty(len(keys), dtype=np.int32)
        for n, key in enumerate(keys):
            found = self._ids.get(key)
            if found is None:
                if self._free:
                    slot = self._free.pop()
                    self._keys[slot] = key
                else:
                    slot = len(self._keys)
                    self._keys.append(key)
                    if slot >= len(self._counts):
                        self._counts = np.concatenate([self._counts, np.zeros_like(self._counts)])
                found = self._ids[key] = slot << 2 | channel
            ids[n] = found
        np.add.at(self._counts, ids >> 2, 1)
        return ids

    def release(self, ids: np.ndarray) -> None:
        """Count a vector out; free the ids no held vector has any more."""
        slots = ids >> 2
        np.subtract.at(self._counts, slots, 1)
        for slot in slots[self._counts[slots] == 0].tolist():
            key = self._keys[slot]
            assert key is not None
            del self._ids[key]
            self._keys[slot] = None
            self._free.append(slot)


class Centroid:
    """The sum of member vectors, per channel, as arrays of ids and sums.

    Entries stay in the order their keys first came in (as a dict's would), so each channel's
    length is summed in the same order as over a dict, and comes out the same float.
    """

    __slots__ = ("_norms", "_order", "ids", "sums")

    def __init__(self) -> None:
        self.ids = np.zeros(0, dtype=np.int32)
        self.sums = np.zeros(0, dtype=np.float64)
        self._order: np.ndarray | None = None
        self._norms: np.ndarray | None = None

    def _find(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (found, where): which of ids are entries, and the entry index of those."""
        if self._order is None:
            self._order = np.argsort(self.ids, kind="stable").astype(np.int32)
        ranked = self.ids[self._order]
        at = np.minimum(np.searchsorted(ranked, ids), max(len(ranked) - 1, 0))
        found = ranked[at] == ids if len(ranked) else np.zeros(len(ids), dtype=bool)
        return found, self._order[at[found]]

    def add(self, ids: np.ndarray, weights: np.ndarray, sign: float) -> None:
        """Add (sign 1) or take out (sign -1) a vector; drop sums that fall to about zero."""
        found, where = self._find(ids)
        sums = self.sums.copy()
        sums[where] = sums[where] + sign * weights[found]
        fresh = sign * weights[~found]
        keep, keep_fresh = sums > 1e-9, fresh > 1e-9
        self.ids = np.concatenate([self.ids[keep], ids[~found][keep_fresh]])
        self.sums = np.concatenate([sums[keep], fresh[keep_fresh]])
        self._order = self._norms = None

    def norms(self) -> np.ndarray:
        """Return the length of each channel's part."""
        if self._norms is None:
            squares = np.bincount(self.ids & 3, weights=self.sums * self.sums, minlength=CHANNELS)
            self._norms = np.sqrt(squares)
        return self._norms

    def dots(self, ids: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return each channel's dot product with a query, and which query ids are entries."""
        found, where = self._find(ids)
        products = weights[found] * self.sums[where]
        return np.bincount(ids[found] & 3, weights=products, minlength=CHANNELS), found


def scaled_entries(
    vectors: list[SparseVector],
    inverse: np.ndarray,
    kept: np.ndarray,
    scale: np.ndarray,
    *,
    chunk: int = 1 << 20,
) -> np.ndarray:
    """Return, as float32, each kept entry's weight times its distinct key's ``scale``.

    The concatenated vectors' entries in order, as ``(weights * scale[inverse])[kept[inverse]]``
    would give them, computed about ``chunk`` entries at a time: a whole window's worth of
    float64 temporaries would be the pass's largest allocation.
    """
    parts: list[np.ndarray] = []
    start = 0
    group: list[np.ndarray] = []
    size = 0
    for vector in [*vectors, None]:
        if vector is not None:
            group.append(vector.weights)
            size += len(vector)
        if group and (vector is None or size >= chunk):
            weights = np.concatenate(group)
            rank = inverse[start : start + size]
            parts.append((weights * scale[rank])[kept[rank]].astype(np.float32))
            start += size
            group, size = [], 0
    return np.concatenate([*parts, np.zeros(0, dtype=np.float32)])
