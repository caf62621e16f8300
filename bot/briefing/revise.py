"""Revise the online grouping: re-cluster recent articles in a way that ignores arrival order.

The online clusterer decides once per article, so early mistakes stay. Every so often the held
window is grouped again by average-link over TF-IDF vectors (words, word pairs and names), but
only where something changed: the articles added since the last pass, their near neighbours and
their events form blocks, and only those blocks are grouped again, so a pass stays bounded
however many articles are held. Event ids are kept stable: a merged event keeps the older id,
a split one keeps its id on the larger part.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from bot.briefing.features import (
    REVISION_NAME_WEIGHT,
    REVISION_PAIR_WEIGHT,
    REVISION_TITLE_WEIGHT,
    revision_weights,
)
from bot.briefing.model import Document
from bot.briefing.sparse import SparseVector, groups, reversed_rows, shared_keys


@dataclass(frozen=True, slots=True)
class ReviseConfig:
    """Settings of a revision pass (chosen on ECB+ topic halves, see benchmarks/RESULTS.md)."""

    threshold: float = 0.20
    """Average-link stops when the closest two groups are less similar than this."""
    neighbour: float = 0.20
    """Articles at least this similar to a changed one join its block."""
    name_weight: float = REVISION_NAME_WEIGHT
    pair_weight: float = REVISION_PAIR_WEIGHT
    title_weight: float = REVISION_TITLE_WEIGHT
    """The headline's words again, as keys of their own that only another headline can share.

    Outlets that frame a happening differently still name it in their headlines with a few of
    the same words ("CDC", "testing"), while their leads wander; as keys of their own these
    match headline to headline only, not to a word anywhere in another article's body. Chosen
    on the even ECB+ topics and even NeuS val lines (mean 0.927 without, 0.932 at 0.75 and
    1.0, 0.925 at 1.5), measured on the odd ones (see benchmarks/RESULTS.md).
    """
    # Chosen on ECB+ topic halves and NeuS val after the online pass (in-process B³ F1, even /
    # odd / NeuS): threshold 0.20, names 1, word pairs 1: 0.921 / 0.920 / 0.860; 0.24, 1, 0.5:
    # 0.938 / 0.906 / 0.805; 0.20, 2, 1: 0.941 / 0.929 / 0.773 (through the CLI: ECB+ 0.932 but
    # NeuS 0.778); 0.28, 1, 1: 0.772 / 0.712 / 0.850. The one even on both halves and good on
    # NeuS was kept: names weighted up split stories that outlets frame differently.
    lone: float | None = 0.20
    """Then an article still alone joins a group whose average similarity with it reaches this.

    Most articles average-link leaves alone belong to an event whose other reports are written
    at more length or in other words (in ECB+, 14 of the 23 split events lost just one article).
    Chosen on the even ECB+ topics and the even NeuS val lines (0.12, 0.15, 0.16, 0.17 tie on
    ECB+ at 0.928; 0.16 and 0.17 best on NeuS, 0.895), measured on the other halves: odd ECB+
    topics 0.921 -> 0.938, odd NeuS lines 0.870 -> 0.871 (in-process, after one full pass).
    With the hub lowering below, 0.18 (even NeuS 0.900 at 0.16, 0.907 at 0.18; ECB+ equal);
    with closeness over the whole window, 0.20 (mean of the even halves 0.923 at 0.18, 0.926
    at 0.20; see benchmarks/RESULTS.md).
    """
    hub_k: int = 10
    hub_weight: float = 0.5
    """How much an article's closeness to its ``hub_k`` nearest neighbours is taken off its links.

    In a window dense in one subject, an article near many others (a hub: one more day of the
    same shutdown, the same trial) is near the look-alike stories too, and average-link joins
    them through it; an article written in other words than its story's other reports is near
    few, and its real links stay below the bar. So a pair's similarity is lowered by how close
    both articles are to their own nearest neighbours, less the block's typical closeness
    (cross-domain similarity local scaling, after Conneau et al. 2018): hubs link less, loners
    more. Closeness is over the whole window, not only links at the bar: every block member's
    similarity with the whole window is computed anyway when the pass looks for its links (see
    ``_Links``), so its nearest ``hub_k`` cost a partial sort of that row. The typical closeness
    is the window's, not the block's: a block of one dense subject then needs closer links to
    merge. Chosen on the even ECB+ topics and even NeuS val lines, measured on the odd ones
    (see benchmarks/RESULTS.md).
    """
    hub_sample: int = 128
    """The window's typical closeness is the mean over this many articles spread across it.

    A pass that regroups a few blocks does not see every article's row; a fixed sample bounds
    what the mean costs (128 rows with the window) and gives the same grouping on ECB+ and NeuS
    val as the mean over every article (64, 128 and 256 alike within 0.003 B³ F1).
    """
    max_block: int = 400
    """A block larger than this is grown again with only closer links (``stricter``)."""
    stricter: tuple[float, ...] = (0.25, 0.30, 0.35, 0.40)
    """Neighbour bars tried in turn on a block past ``max_block``; still too large: left alone.

    A window dense in one subject (a month of national politics) links into one block past
    the bound; dropping it left the very stories that need revising as the online pass had
    them (NeuS val with the bound at 200: B³ F1 0.810 instead of 0.860).
    """


@dataclass(frozen=True, slots=True)
class Revision:
    """What a pass changed: articles moved, events merged away, parts split off."""

    moves: dict[int, int]
    """Article id -> its new event id; a negative id stands for a new event split off."""
    merged: dict[int, int] = field(default_factory=dict)
    """Event id merged away -> the event id that absorbed it (kept as an alias)."""
    split: dict[int, int] = field(default_factory=dict)
    """Event id -> how many new parts were split off it."""


# An article's weighted words, word pairs and names, before IDF: key hashes (a key is a word, a
# pair or a name, each marked by kind) and their weights, compact (see sparse.py).
RevisionVector = SparseVector


def revision_vector(doc: Document, config: ReviseConfig) -> RevisionVector:
    """Return an article's weighted words, word pairs, names and headline words, before IDF."""
    weights = (config.name_weight, config.pair_weight, config.title_weight)
    analysis = doc.analysis
    if analysis is not None and analysis.revision_config == weights:
        vector = analysis.revision
    else:
        vector = revision_weights(
            doc.title,
            doc.text,
            name_weight=config.name_weight,
            pair_weight=config.pair_weight,
            title_weight=config.title_weight,
        )
    # Hashes, so a pass over thousands of held articles is array work, not a loop over strings.
    # Taken here, never in a parsing worker: a string's hash differs from process to process.
    return RevisionVector(
        np.fromiter(map(hash, vector), dtype=np.int64, count=len(vector)),
        np.fromiter(vector.values(), dtype=np.float64, count=len(vector)),
    )


_GROUP_ENTRIES = 1 << 18
"""Vector entries turned into rows at once: the temporaries of a group, not of the window."""


def _weighting(vectors: Sequence[RevisionVector]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the keys several vectors share (the columns, ascending), their counts and IDF."""
    keys, df = shared_keys(vectors)  # a key one article has cannot link it to another
    idf = np.log((1 + len(vectors)) / (1 + df)) + 1.0
    return keys, df, idf


def _rows_of(
    rows_of: Sequence[RevisionVector], keys: np.ndarray, idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (values, columns, bounds): the TF-IDF rows of some vectors, unit length, as CSR.

    Each row is the one ``diags(1 / norms) @ rows`` gives, bit for bit: the same float32
    products, its norm summed by the same call, its columns in the (descending) order that
    product leaves them in. A row depends on its vector and the window's keys only, so rows
    built in any grouping are the same.
    """
    last = max(len(keys) - 1, 0)
    entries = np.concatenate([v.keys for v in rows_of] + [np.zeros(0, dtype=np.int64)])
    rank = np.minimum(np.searchsorted(keys, entries), last)
    kept = keys[rank] == entries if len(keys) else np.zeros(len(entries), dtype=bool)
    del entries
    column = rank[kept]
    weights = np.concatenate([v.weights for v in rows_of] + [np.zeros(0)])[kept]
    values = (weights * idf[column]).astype(np.float32)
    lengths = np.fromiter((len(v) for v in rows_of), dtype=np.int64, count=len(rows_of))
    rows = np.repeat(np.arange(len(rows_of)), lengths)[kept]
    bounds = np.r_[0, np.cumsum(np.bincount(rows, minlength=len(rows_of)))]
    del rank, kept, weights, rows
    part = sparse.csr_matrix((values, column, bounds), shape=(len(rows_of), len(keys)))
    norms = np.sqrt(np.asarray(part.multiply(part).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    values *= np.repeat(1.0 / norms, np.diff(bounds))
    turned = reversed_rows(bounds)
    return values[turned], column[turned], bounds


def _index_dtype(*sizes: int) -> type[np.signedinteger]:
    return np.int32 if max(sizes, default=0) < 2**31 else np.int64


def _matrix(vectors: Sequence[RevisionVector], *, group: int = _GROUP_ENTRIES) -> sparse.csr_matrix:
    """Return sparse TF-IDF rows (IDF over these articles only), scaled to unit length.

    Written straight into the matrix's own arrays, a group of rows at a time, so a pass over a
    large window holds the matrix and one group's temporaries, not several copies of every
    entry (rows as ``_rows_of`` builds them).
    """
    total = len(vectors)
    keys, df, idf = _weighting(vectors)
    count = int(df.sum())
    index = _index_dtype(count, len(keys))
    data = np.empty(count, dtype=np.float32)
    indices = np.empty(count, dtype=index)
    indptr = np.zeros(total + 1, dtype=index)
    row = at = 0
    for rows_of in groups(vectors, group):
        values, column, bounds = _rows_of(rows_of, keys, idf)
        size = len(values)
        data[at : at + size] = values
        indices[at : at + size] = column
        indptr[row + 1 : row + len(rows_of) + 1] = at + bounds[1:]
        row += len(rows_of)
        at += size
    result = sparse.csr_matrix((data, indices, indptr), shape=(total, len(keys)))
    if not data.all():  # the product drops entries that come out zero
        result.eliminate_zeros()
    return result


class _Window:
    """The TF-IDF rows of a window (``_matrix``), held only by key: rows are rebuilt when asked.

    Finding links multiplies rows with the window by key (its transpose); the rows themselves
    are needed a few at a time (a poll's changes, one block), so holding them as well doubled
    a pass's largest arrays. The transpose is written group by group, straight into its arrays,
    each key's entries in row order, as ``_matrix(vectors).T.tocsr()`` has them, bit for bit;
    a row rebuilt from its vector is that matrix's row, bit for bit.
    """

    def __init__(self, vectors: Sequence[RevisionVector], *, group: int = _GROUP_ENTRIES) -> None:
        self._vectors = vectors
        keys, df, idf = _weighting(vectors)
        self._keys, self._idf = keys, idf
        self.shape = (len(vectors), len(keys))
        count = int(df.sum())
        self._index = index = _index_dtype(count, len(vectors), len(keys))
        data = np.empty(count, dtype=np.float32)
        indices = np.empty(count, dtype=index)
        indptr = np.zeros(len(keys) + 1, dtype=index)
        np.cumsum(df, out=indptr[1:])
        free = indptr[:-1].astype(np.int64)  # each key's next free entry
        row = 0
        for rows_of in groups(vectors, group):
            values, column, bounds = _rows_of(rows_of, keys, idf)
            rows = np.repeat(np.arange(row, row + len(rows_of), dtype=np.int64), np.diff(bounds))
            order = np.argsort(column, kind="stable")  # by key, rows ascending within a key
            column = column[order]
            first = np.ones(len(column), dtype=bool)
            np.not_equal(column[1:], column[:-1], out=first[1:])
            starts = np.flatnonzero(first)
            lengths = np.diff(np.append(starts, len(column)))
            at = free[column] + (np.arange(len(column)) - np.repeat(starts, lengths))
            indices[at] = rows[order]
            data[at] = values[order]
            free[column[starts]] += lengths
            row += len(rows_of)
            del values, column, bounds, rows, order, first, starts, lengths, at
        self._zeros = not data.all()
        self._rows: sparse.csr_matrix | None = None
        self.transposed = sparse.csr_matrix(
            (data, indices, indptr), shape=(len(keys), len(vectors))
        )
        if self._zeros:  # as the matrix drops entries that come out zero
            self.transposed.eliminate_zeros()

    def __getitem__(self, rows: Sequence[int] | np.ndarray) -> sparse.csr_matrix:
        """Return the given rows of the matrix, as ``_matrix(vectors)[rows]`` does."""
        if self._rows is not None:
            result: sparse.csr_matrix = self._rows[rows]
            return result
        values, column, bounds = _rows_of([self._vectors[r] for r in rows], self._keys, self._idf)
        index = self._index
        result = sparse.csr_matrix(
            (values, column.astype(index), bounds.astype(index)), shape=(len(rows), self.shape[1])
        )
        if self._zeros:
            result.eliminate_zeros()
        return result

    def keep_rows(self) -> None:
        """Hold the rows too, for a pass that reads most of them (many articles changed)."""
        if self._rows is None:
            rows = self.transposed.T.tocsr()  # each row's columns ascending: turn them
            turned = reversed_rows(rows.indptr)
            rows.data, rows.indices = rows.data[turned], rows.indices[turned]
            self._rows = rows


def average_link(similarity: np.ndarray, threshold: float, lone: float | None = None) -> list[int]:
    """Group items by average-link agglomeration; return a group label per item.

    Args:
        similarity: symmetric item-by-item similarities.
        threshold: stop when the best average similarity between two groups is below this.
        lone: then let an item still alone join a group (of two or more) whose average
            similarity with it reaches this lower bar.
    """
    n = similarity.shape[0]
    sums = similarity.astype(np.float64).copy()
    np.fill_diagonal(sums, -np.inf)
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    labels = list(range(n))
    for bar, lone_only in ((threshold, False), (lone, True)):
        if bar is None:
            continue
        while alive.sum() > 1:
            average = sums / np.outer(sizes, sizes)
            average[~alive, :] = -np.inf
            average[:, ~alive] = -np.inf
            if lone_only:
                single = sizes == 1
                average[~(single[:, None] ^ single[None, :])] = -np.inf
            flat = int(np.argmax(average))
            i, j = divmod(flat, n)
            if average[i, j] < bar:
                break
            # Merge j into i: link sums add up, so averages stay exact.
            sums[i, :] += sums[j, :]
            sums[:, i] = sums[i, :]
            sums[i, i] = -np.inf
            sizes[i] += sizes[j]
            alive[j] = False
            labels = [i if label == j else label for label in labels]
    return labels


_BOUND_CELLS = 4_000_000
"""Article pairs bounded at once (rows times the window): a few products, about 32 MB dense."""
_EXACT_ROWS = 32
"""Rows multiplied exactly at once (larger products are slower per row: their output is dense)."""
_COMMON = 0.05
"""A key in more than this share of the window (and at least 32 articles) is a common one."""


class _Links:
    """Each article's near neighbours in the window, found for many articles at a time.

    Multiplying an article with the whole window costs mostly a few keys nearly every article
    has. So candidates are found first, from the other keys plus a bound on what the common
    ones can add (their exact dot product, dense and small), and only candidates are then
    multiplied exactly. A similarity is computed the same way whichever rows and columns are
    multiplied with it (its terms in key order), so the links are the ones a product of each
    article with the whole window gives, bit for bit.
    """

    def __init__(self, matrix: sparse.csr_matrix | _Window, floor: float, k: int = 0) -> None:
        self._matrix = matrix
        self._floor = floor
        self._k = k
        self._close: dict[int, float] = {}
        # Once, as rows: a product with a column matrix would convert it at every step.
        self._transposed: sparse.csr_matrix = (
            matrix.transposed if isinstance(matrix, _Window) else matrix.T.tocsr()
        )
        self._split: tuple[np.ndarray, sparse.csr_matrix, np.ndarray] | None = None
        self._near: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _parts(self) -> tuple[np.ndarray, sparse.csr_matrix, np.ndarray]:
        """Return the rare keys' mask, the window by rare key, and its rows over the common keys.

        From the transpose only: a copy of the rows without the common keys is built for the
        rows bounded at a time, not for the whole window.
        """
        if self._split is None:
            transposed = self._transposed
            df = np.diff(transposed.indptr)
            common = df > max(32, _COMMON * self._matrix.shape[0])
            rare_t = sparse.csr_matrix(sparse.diags((~common).astype(np.float64)) @ transposed)
            rare_t.eliminate_zeros()
            dense = np.ascontiguousarray(transposed[np.flatnonzero(common)].toarray().T)
            self._split = (~common).astype(np.float64), rare_t, dense
        return self._split

    def fetch(self, rows: Iterable[int]) -> None:
        """Find the links of ``rows`` not known yet."""
        missing = sorted({row for row in rows if row not in self._near})
        total = self._matrix.shape[0]
        if len(missing) <= max(_EXACT_ROWS, _COMMON * total):
            # A few rows (a poll's changes, a block's next step): bounding costs what it saves.
            for at in range(0, len(missing), _EXACT_ROWS):
                part = missing[at : at + _EXACT_ROWS]
                near = sparse.csr_matrix(self._matrix[part] @ self._transposed)
                if self._k:
                    self._nearest_of_sparse(part, near)
                self._keep(part, near, None)
            return
        if isinstance(self._matrix, _Window):
            self._matrix.keep_rows()  # most rows are read again below
        rare_keys, rare_t, common = self._parts()
        step = max(_EXACT_ROWS, _BOUND_CELLS // max(1, total))
        for at in range(0, len(missing), step):
            part = missing[at : at + step]
            rare = sparse.csr_matrix(self._matrix[part] @ sparse.diags(rare_keys))
            rare.eliminate_zeros()
            bound = common[part] @ common.T
            bound += (rare @ rare_t).toarray()
            if self._k:  # the whole rows are here: their nearest cost a partial sort
                self._nearest_of_dense(part, bound)
            # Rounding in either sum is far below this margin.
            candidates = bound >= self._floor - 1e-9
            for sub in range(0, len(part), _EXACT_ROWS):
                self._exact(part[sub : sub + _EXACT_ROWS], candidates[sub : sub + _EXACT_ROWS])

    def _exact(self, part: list[int], candidates: np.ndarray) -> None:
        columns = np.flatnonzero(candidates.any(axis=0))
        self._keep(part, sparse.csr_matrix(self._matrix[part] @ self._matrix[columns].T), columns)

    def _keep(self, part: list[int], near: sparse.csr_matrix, columns: np.ndarray | None) -> None:
        """Keep each row's links at least the floor (``columns``: the window rows multiplied)."""
        keep = near.data >= self._floor
        cols, sims = near.indices[keep], near.data[keep]
        if columns is not None:
            cols = columns[cols]
        # Where each row's kept entries start: kept entries before its first one.
        bounds = np.concatenate(([0], np.cumsum(keep)))[near.indptr]
        for n, row in enumerate(part):
            self._near[row] = (cols[bounds[n] : bounds[n + 1]], sims[bounds[n] : bounds[n + 1]])

    def _nearest_of_dense(self, part: list[int], sims: np.ndarray) -> None:
        """Keep each row's closeness from its similarities with the whole window (dense rows)."""
        width = sims.shape[1]
        k = min(self._k, width - 1)
        if k <= 0:
            self._close.update(dict.fromkeys(part, 0.0))
            return
        own = np.arange(len(part)), np.asarray(part)
        saved = sims[own].copy()
        sims[own] = -np.inf  # an article is not its own neighbour
        top = np.partition(sims, width - k, axis=1)[:, width - k :].sum(axis=1)
        sims[own] = saved
        for n, row in enumerate(part):
            self._close[row] = float(top[n]) / self._k

    def _nearest_of_sparse(self, part: list[int], near: sparse.csr_matrix) -> None:
        """Keep each row's closeness from its products with the whole window (zeros left out)."""
        for n, row in enumerate(part):
            lo, hi = near.indptr[n], near.indptr[n + 1]
            sims = near.data[lo:hi][near.indices[lo:hi] != row]
            if len(sims) > self._k:
                sims = np.partition(sims, len(sims) - self._k)[len(sims) - self._k :]
            self._close[row] = float(sims.sum()) / self._k

    def closeness(self, rows: Sequence[int]) -> np.ndarray:
        """Return each row's mean similarity with its ``k`` nearest others in the whole window."""
        if not self._k:
            raise ValueError("links built without a neighbour count")
        self.fetch(rows)
        return np.array([self._close[row] for row in rows])

    def linked(self, rows: Sequence[int], bar: float) -> set[int]:
        """Return the articles at least ``bar`` (not below the floor) similar to one of ``rows``."""
        self.fetch(rows)
        out: set[int] = set()
        for row in rows:
            cols, sims = self._near[row]
            out.update(cols[sims >= bar].tolist())
        return out


def _blocks(
    ids: Sequence[int],
    matrix: sparse.csr_matrix | _Window,
    events: Mapping[int, int],
    changed: Iterable[int],
    neighbour: float,
    max_block: int,
    stricter: Sequence[float] = (),
    links: _Links | None = None,
) -> list[list[int]]:
    """Return the connected groups of articles that a change can affect.

    Two articles are linked when they are near neighbours or share an event; only groups that
    hold a changed article are returned. They are grown outward from the changed articles, so a
    pass costs what the changes reach, not the whole window. A group growing past ``max_block``
    is grown again with only the closer links of each bar in ``stricter`` in turn, outside the
    groups already taken; one still too large at the last bar is left alone.
    """
    index = {doc_id: n for n, doc_id in enumerate(ids)}
    by_event: dict[int, list[int]] = defaultdict(list)
    for doc_id in ids:
        by_event[events[doc_id]].append(index[doc_id])
    seen: set[int] = set()
    blocks: list[list[int]] = []
    starts = [index[d] for d in changed if d in index]
    # Every bar tried is at least ``neighbour``: links found once serve every bar.
    if links is None:
        links = _Links(matrix, neighbour)
    # The changed articles' links in a few products, not one product per block and step.
    links.fetch(starts)

    def grow(start: int, bar: float) -> tuple[set[int], bool]:
        """Return the group reached from ``start`` by links of at least ``bar``, and if whole."""
        block = {start}
        frontier = [start]
        while frontier:
            rows = sorted(frontier)
            frontier = []
            linked = links.linked(rows, bar)
            for row in rows:
                linked.update(by_event[events[ids[row]]])
            # A whole event is in one group, so groups taken before are never reached again.
            for other in linked - block - seen:
                block.add(other)
                frontier.append(other)
            if len(block) > max_block:
                return block, False
        return block, True

    # Reached from a start whose group stayed too large at every bar: theirs is as large.
    dropped: set[int] = set()
    for start in starts:
        if start in seen or start in dropped:
            continue
        for bar in (neighbour, *(b for b in stricter if b > neighbour)):
            block, whole = grow(start, bar)
            if whole:
                seen |= block
                blocks.append([ids[n] for n in sorted(block)])
                break
        else:
            dropped |= block
    return blocks


def _less_hubs(
    similarity: np.ndarray, closeness: np.ndarray, weight: float, typical: float
) -> np.ndarray:
    """Lower each pair's similarity by how close both are to their neighbours, past ``typical``.

    ``typical`` is the window's mean closeness, not a fixed level: how close articles are to
    their neighbours depends on the window (NeuS val, all politics, against ECB+'s many
    subjects), and a fixed level lowered every pair of one and none of the other.
    """
    excess = closeness - typical
    out: np.ndarray = similarity - weight * (excess[:, None] + excess[None, :]) / 2
    np.fill_diagonal(out, similarity.diagonal())
    return out


def _stable_ids(
    block: Sequence[int], labels: Sequence[int], events: Mapping[int, int], fresh: list[int]
) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Give each new group an old event id: the older one on a merge, the larger part's on a split."""
    groups: dict[int, list[int]] = defaultdict(list)
    for doc_id, label in zip(block, labels, strict=True):
        groups[label].append(doc_id)
    # Each old event's id goes to the new group holding most of its articles (ties: older group).
    owner: dict[int, int] = {}
    for event in sorted({events[d] for d in block}):
        counts = Counter(
            label for d, label in zip(block, labels, strict=True) if events[d] == event
        )
        owner[event] = max(counts, key=lambda label: (counts[label], -min(groups[label])))
    claims: dict[int, list[int]] = defaultdict(list)
    for event, label in owner.items():
        claims[label].append(event)
    new_id: dict[int, int | None] = {}
    merged: dict[int, int] = {}
    for label, olds in claims.items():
        keep = min(olds)  # the older event (ids grow with time)
        new_id[label] = keep
        merged.update({old: keep for old in olds if old != keep})
    split: Counter[int] = Counter()
    moves: dict[int, int] = {}
    for label, members in groups.items():
        target = new_id.get(label)
        if target is None:
            biggest = Counter(events[d] for d in members).most_common(1)[0][0]
            split[biggest] += 1
            fresh[0] -= 1
            target = fresh[0]
        for doc_id in members:
            if events[doc_id] != target:
                moves[doc_id] = target
    return moves, merged, dict(split)


def revise(
    docs: Sequence[Document],
    events: Mapping[int, int],
    changed: Iterable[int],
    config: ReviseConfig | None = None,
    vector_of: Callable[[Document], RevisionVector] | None = None,
) -> Revision:
    """Re-cluster the blocks of held articles that hold a changed article.

    Args:
        docs: the held articles.
        events: article id -> its current event id (event ids grow with time).
        changed: ids of the articles added or changed since the last pass.
        config: revision settings; the tuned defaults when omitted.
        vector_of: an article's weighted words, pairs and names (``revision_vector``); pass a
            memoised one so a pass does not extract every held article again.
    """
    cfg = config or ReviseConfig()
    changed = [d for d in changed if d in events]
    if not docs or not changed:
        return Revision(moves={})
    by_id = {d.id: d for d in docs}
    ids = list(by_id)
    vector = vector_of or (lambda doc: revision_vector(doc, cfg))
    matrix = _Window([vector(by_id[d]) for d in ids])
    moves: dict[int, int] = {}
    merged: dict[int, int] = {}
    split: dict[int, int] = {}
    fresh = [0]
    position = {doc_id: n for n, doc_id in enumerate(ids)}
    links = _Links(matrix, cfg.neighbour, cfg.hub_k if cfg.hub_weight else 0)
    blocks = _blocks(
        ids, matrix, events, changed, cfg.neighbour, cfg.max_block, cfg.stricter, links
    )
    typical = 0.0
    if cfg.hub_weight and any(len(block) > 1 for block in blocks):
        total = matrix.shape[0]
        spread = np.linspace(0, total - 1, min(cfg.hub_sample, total))
        typical = float(links.closeness(sorted({int(n) for n in spread})).mean())
    for block in blocks:
        if len(block) < 2:
            continue
        at = [position[d] for d in block]
        rows = matrix[at]
        similarity = (rows @ rows.T).toarray()
        if cfg.hub_weight:
            similarity = _less_hubs(similarity, links.closeness(at), cfg.hub_weight, typical)
        labels = average_link(similarity, cfg.threshold, cfg.lone)
        block_moves, block_merged, block_split = _stable_ids(block, labels, events, fresh)
        moves.update(block_moves)
        merged.update(block_merged)
        split.update(block_split)
    return Revision(moves=moves, merged=merged, split=split)


def apply_revision(events: Mapping[int, int], revision: Revision, next_id: int) -> dict[int, int]:
    """Return the assignment after a revision, numbering split-off parts from ``next_id``."""
    result = dict(events)
    for doc_id, target in revision.moves.items():
        result[doc_id] = target if target > 0 else next_id - 1 - target
    return result
