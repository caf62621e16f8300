"""Compact sparse vectors: what the clusterer and the revision pass keep per held article.

A held window of tens of thousands of articles is mostly these vectors, so they are stored as
arrays, not dicts of floats: sorted 64-bit key hashes, and each weight as a one-byte index into
the article's own small table of distinct weights (an article's weights are sublinear counts,
so it has only a few distinct values). The weights read back are the same floats, bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from sys import intern

import numpy as np


def encode(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (table, codes): the distinct weights, and each weight's index into them."""
    # What np.unique(weights, return_inverse=True) gives, in a third of its time on the short
    # arrays of one article (every article held is encoded once).
    ranked = np.sort(np.asarray(weights, dtype=np.float64))
    first = np.ones(len(ranked), dtype=bool)
    np.not_equal(ranked[1:], ranked[:-1], out=first[1:])
    table = ranked[first]
    codes = np.searchsorted(table, weights)
    return table, codes.astype(np.uint8 if len(table) <= 256 else np.uint16)


class SparseVector:
    """An article's weighted keys: sorted key hashes, each weight an index into a small table.

    All in one bytes object (the keys, the table, the codes): a window of tens of thousands
    of these pays one object header each, not an array's header per part.
    """

    __slots__ = ("_blob", "_count", "_distinct")

    def __init__(self, keys: np.ndarray, weights: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        table, codes = encode(weights[order])
        self._count = len(keys)
        self._distinct = len(table)
        self._blob = b"".join(
            (
                np.ascontiguousarray(keys[order], dtype=np.int64).tobytes(),
                table.tobytes(),
                codes.tobytes(),
            )
        )

    def __len__(self) -> int:
        return self._count

    @property
    def keys(self) -> np.ndarray:
        """Return the key hashes, ascending (distinct)."""
        return np.frombuffer(self._blob, dtype=np.int64, count=self._count)

    @property
    def weights(self) -> np.ndarray:
        """Return the weights in key order (float64, exactly as given)."""
        count, distinct = self._count, self._distinct
        table = np.frombuffer(self._blob, dtype=np.float64, count=distinct, offset=8 * count)
        codes = np.frombuffer(
            self._blob,
            dtype=np.uint8 if distinct <= 256 else np.uint16,
            offset=8 * (count + distinct),
        )
        result: np.ndarray = table[codes]
        return result


def shared_keys(
    vectors: Sequence[SparseVector], *, parts: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Return the keys more than one of the vectors has (ascending), and how many have each.

    The key space is cut into ``parts`` ranges counted one after another (a vector's keys are
    sorted, so its keys in a range are one slice): only a share of the window's keys is ever
    gathered and sorted at once, where one sort of every key would hold two copies of them all.
    """
    edges = np.array([-(2**63) + (2**64 * n) // parts for n in range(1, parts)], dtype=np.int64)
    every = [v.keys for v in vectors]
    cuts = np.empty((len(vectors), parts + 1), dtype=np.int64)
    cuts[:, 0] = 0
    for n, keys in enumerate(every):
        cuts[n, 1:parts] = np.searchsorted(keys, edges)
        cuts[n, parts] = len(keys)
    found: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    counts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    for part in range(parts):
        ranked = np.concatenate(
            [k[c[part] : c[part + 1]] for k, c in zip(every, cuts.tolist(), strict=True)]
            + [np.zeros(0, dtype=np.int64)]
        )
        ranked.sort()
        first = np.ones(len(ranked), dtype=bool)
        np.not_equal(ranked[1:], ranked[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        many = np.diff(np.append(starts, len(ranked)))
        shared = many > 1
        found.append(ranked[starts[shared]])
        counts.append(many[shared])
        del ranked, first, starts
    return np.concatenate(found), np.concatenate(counts)


def groups(vectors: Sequence[SparseVector], entries: int) -> Iterator[Sequence[SparseVector]]:
    """Yield consecutive runs of the vectors holding about ``entries`` keys each."""
    start = size = 0
    for n, vector in enumerate(vectors):
        size += len(vector)
        if size >= entries:
            yield vectors[start : n + 1]
            start, size = n + 1, 0
    if start < len(vectors):
        yield vectors[start:]


def reversed_rows(indptr: np.ndarray) -> np.ndarray:
    """Return the permutation that reverses the order of entries within each CSR row."""
    lengths = np.diff(indptr)
    last = np.repeat(indptr[:-1] + indptr[1:] - 1, lengths)
    result: np.ndarray = last - np.arange(int(indptr[-1]), dtype=np.int64)
    return result


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

    def lookup(self, keys: list[str]) -> tuple[list[int | None], list[int]]:
        """Return each key's id (None: no held vector has it) and how many held vectors have it."""
        get = self._ids.get
        found = [get(key) for key in keys]
        held = iter(self._counts[[f >> 2 for f in found if f is not None]].tolist())
        return found, [0 if f is None else next(held) for f in found]

    def acquire(self, keys: list[str], channel: int) -> np.ndarray:
        """Return the ids of a vector's (distinct) keys and count the vector in."""
        get = self._ids.get
        found = [get(key) for key in keys]
        if None in found:
            for n, key in enumerate(keys):
                if found[n] is None:
                    key = intern(key)  # kept: one string however many vectors have it
                    if self._free:
                        slot = self._free.pop()
                        self._keys[slot] = key
                    else:
                        slot = len(self._keys)
                        self._keys.append(key)
                        if slot >= len(self._counts):
                            grown = np.zeros_like(self._counts)
                            self._counts = np.concatenate([self._counts, grown])
                    found[n] = self._ids[key] = slot << 2 | channel
        ids = np.array(found, dtype=np.int32)
        # A vector's keys are distinct, so no slot is counted twice in one step.
        self._counts[ids >> 2] += 1
        return ids

    def release(self, ids: np.ndarray) -> None:
        """Count a vector out; free the ids no held vector has any more."""
        slots = ids >> 2
        self._counts[slots] -= 1  # distinct, as in acquire
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
