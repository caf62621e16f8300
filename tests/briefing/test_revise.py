"""Revision passes: order-independent regrouping with stable event ids."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from scipy import sparse

from bot.briefing.model import Document
from bot.briefing.revise import (
    ReviseConfig,
    _blocks,
    _less_hubs,
    _Links,
    _matrix,
    _Window,
    apply_revision,
    average_link,
    revise,
    revision_vector,
)
from bot.briefing.sparse import SparseVector

FERRY = [
    (
        "Skerry Star ferry runs aground off Port Ellis",
        "The Skerry Star ferry ran aground near Port Ellis harbour on Tuesday and forty "
        "passengers were taken off by lifeboats, coast guard chief Maren Holt said.",
    ),
    (
        "Passengers rescued as Skerry Star grounds near Port Ellis",
        "Lifeboats took forty passengers off the Skerry Star after the ferry ran aground at the "
        "mouth of Port Ellis harbour, Maren Holt of the coast guard said on Tuesday.",
    ),
    (
        "Tide to lift grounded Skerry Star ferry, says Maren Holt",
        "Coast guard chief Maren Holt said the tide would lift the Skerry Star ferry, aground "
        "off Port Ellis harbour since Tuesday, once its forty passengers were ashore.",
    ),
]
BRIDGE = [
    (
        "Dunmore council votes to rebuild Kell stone bridge",
        "Dunmore valley council voted on Monday to rebuild the Kell stone bridge over the river "
        "Avon, mayor Ilse Varga said, with work to start in spring.",
    ),
    (
        "Kell bridge to be rebuilt after Dunmore council vote",
        "Mayor Ilse Varga said the Dunmore council vote means the old Kell stone bridge across "
        "the Avon will be rebuilt, starting in spring, after Monday's meeting.",
    ),
    (
        "Ilse Varga: Kell bridge road closed until summer",
        "The road over the Kell stone bridge in Dunmore stays closed until summer while the "
        "bridge over the Avon is rebuilt, mayor Ilse Varga told the council on Monday.",
    ),
]


def docs() -> list[Document]:
    stories = FERRY + BRIDGE
    return [Document(id=n, title=t, text=b) for n, (t, b) in enumerate(stories, 1)]


def test_words_shared_headline_to_headline_link_more_than_the_same_words_in_a_body() -> None:
    # The second and third articles hold the same words, in the headline or in the body.
    docs = [
        Document(
            id=1, title="harbour dredging plan unveiled", text="work on the quay starts soon."
        ),
        Document(id=2, title="harbour dredging delayed", text="the council met on friday."),
        Document(id=3, title="the council met on friday", text="harbour dredging delayed."),
    ]
    rows = _matrix([revision_vector(doc, ReviseConfig()) for doc in docs])
    similarity = (rows @ rows.T).toarray()
    assert similarity[0, 1] > similarity[0, 2] + 0.1


def test_average_link_joins_only_groups_close_on_average() -> None:
    similarity = np.array(
        [[1.0, 0.9, 0.1, 0.0], [0.9, 1.0, 0.2, 0.0], [0.1, 0.2, 1.0, 0.8], [0.0, 0.0, 0.8, 1.0]]
    )
    labels = average_link(similarity, threshold=0.5)
    assert labels[0] == labels[1] != labels[2] == labels[3]
    assert len(set(average_link(similarity, threshold=0.05))) == 1


def test_a_lone_article_joins_a_group_at_the_lower_bar_but_two_lone_ones_never_pair() -> None:
    # 0 and 1 are one group; 2 is near it on average (0.35) but below the threshold; 3 and 4
    # are as near each other (0.35), with no group to join.
    similarity = np.array(
        [
            [1.0, 0.9, 0.4, 0.0, 0.0],
            [0.9, 1.0, 0.3, 0.0, 0.0],
            [0.4, 0.3, 1.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 1.0, 0.35],
            [0.0, 0.0, 0.0, 0.35, 1.0],
        ]
    )
    assert len(set(average_link(similarity, threshold=0.5))) == 4
    labels = average_link(similarity, threshold=0.5, lone=0.3)
    assert labels[0] == labels[1] == labels[2]
    assert len({labels[0], labels[3], labels[4]}) == 3


def test_a_hub_links_look_alike_stories_less_and_a_loner_its_own_story_more() -> None:
    # Stories 0-2 and 3-5 on one subject; 2 is a hub, near all of 3-5 too, so average-link
    # joins the stories through it. 6 belongs to 3-5 but is written in other words: near them
    # only below the bar, and near nothing else.
    similarity = np.full((7, 7), 0.05)
    similarity[:3, 3:6] = similarity[3:6, :3] = 0.1
    similarity[:3, :3] = similarity[3:6, 3:6] = 0.5
    similarity[2, 3:6] = similarity[3:6, 2] = 0.45
    similarity[6, 3:6] = similarity[3:6, 6] = 0.17
    np.fill_diagonal(similarity, 1.0)
    plain = average_link(similarity, threshold=0.2)
    assert len({plain[n] for n in range(6)}) == 1
    assert plain[6] != plain[3]
    # Closeness: each one's mean similarity with its four nearest others.
    closeness = np.sort(similarity - np.eye(7), axis=1)[:, -4:].mean(axis=1)
    labels = average_link(_less_hubs(similarity, closeness, 1.0, closeness.mean()), threshold=0.2)
    assert labels[0] == labels[1] == labels[2] != labels[3] == labels[4] == labels[5] == labels[6]


def test_closeness_is_the_mean_of_the_nearest_others_in_the_whole_window() -> None:
    far = np.sqrt(1 - 0.25**2)
    rows = np.array(
        [[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0], [0.25, 0.0, far]]
    )
    links = _Links(sparse.csr_matrix(rows), floor=0.3, k=2)
    # Row 0 is near 1 (0.8) and 2 (0.6); itself does not count. Row 4 is near 3 (0.97) and 0
    # (0.25): a link below the floor still counts in how close it is to the window.
    assert links.closeness([0, 1, 3, 4]) == pytest.approx([0.7, 0.88, far / 2, (far + 0.25) / 2])


def test_closeness_is_the_same_from_a_few_rows_and_from_the_whole_window() -> None:
    rng = np.random.default_rng(5)
    rows = sparse.random(300, 40, density=0.2, random_state=rng, format="csr")
    rows = sparse.csr_matrix(sparse.diags(1 / np.sqrt(rows.multiply(rows).sum(axis=1).A1)) @ rows)
    few = _Links(rows, floor=0.3, k=5)
    many = _Links(rows, floor=0.3, k=5)
    many.fetch(range(300))  # every row at once: the bounded, dense path
    at = [0, 7, 150, 299]
    dense = rows.toarray() @ rows.toarray().T
    np.fill_diagonal(dense, -1)
    expected = np.sort(dense[at], axis=1)[:, -5:].mean(axis=1)
    assert few.closeness(at) == pytest.approx(expected, abs=1e-5)
    assert many.closeness(at) == pytest.approx(expected, abs=1e-5)


def test_a_merge_keeps_the_older_id_and_a_split_keeps_the_larger_part() -> None:
    # The online pass split the ferry story (events 4 and 7) and put one ferry article into
    # the bridge event 5.
    events = {1: 4, 2: 7, 3: 5, 4: 5, 5: 5, 6: 5}
    revision = revise(docs(), events, changed=[2, 3])
    after = apply_revision(events, revision, next_id=8)
    assert after == {1: 4, 2: 4, 3: 4, 4: 5, 5: 5, 6: 5}
    assert revision.merged == {7: 4}
    assert revision.split == {}


def test_a_part_split_off_gets_a_new_id_and_the_rest_keeps_its_own() -> None:
    events = dict.fromkeys(range(1, 7), 3)  # both stories in one event
    revision = revise(docs(), events, changed=[6])
    after = apply_revision(events, revision, next_id=9)
    assert sorted(after.values()) == [3, 3, 3, 9, 9, 9]
    assert after[1] == after[2] == after[3]
    assert sum(revision.split.values()) == 1


def test_blocks_without_a_change_are_left_alone() -> None:
    events = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6}
    # Only a bridge article changed: the ferry articles are another block, not regrouped.
    after = apply_revision(events, revise(docs(), events, changed=[4]), next_id=7)
    assert {after[1], after[2], after[3]} == {1, 2, 3}
    assert after[4] == after[5] == after[6] == 4


def test_a_block_past_the_bound_is_grouped_again_by_its_closer_links() -> None:
    # A roundup shares a few words with both stories: by any shared word the seven articles
    # are one block, past the bound of three; by their closer links they are three blocks.
    roundup = Document(
        id=7,
        title="Weekend roundup from the coast and the valley",
        text="Anglers at the lake reported record pike catches, the orchard fair drew crowds "
        "to taste cider and honey, a choir sang in the old chapel, and farmers sold lambs at "
        "the market. The coast guard at Port Ellis and the Dunmore council both met.",
    )
    articles = [*docs(), roundup]
    events = {n: n for n in range(1, 8)}
    loose = ReviseConfig(neighbour=0.0, max_block=3, stricter=(0.5,))
    after = apply_revision(events, revise(articles, events, range(1, 8), loose), next_id=8)
    assert after == {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 4, 7: 7}
    # Without a stricter bar the block is left as it was.
    unbounded = ReviseConfig(neighbour=0.0, max_block=3, stricter=())
    assert revise(articles, events, range(1, 8), unbounded).moves == {}


def _blocks_one_product_per_step(
    ids: list[int],
    matrix: sparse.csr_matrix,
    events: dict[int, int],
    changed: list[int],
    neighbour: float,
    max_block: int,
    stricter: tuple[float, ...],
) -> list[list[int]]:
    """The block discovery as it was: one product of the frontier with the window per step."""
    index = {doc_id: n for n, doc_id in enumerate(ids)}
    by_event: dict[int, list[int]] = defaultdict(list)
    for doc_id in ids:
        by_event[events[doc_id]].append(index[doc_id])
    seen: set[int] = set()
    blocks: list[list[int]] = []
    transposed = matrix.T.tocsr()

    def grow(start: int, bar: float) -> tuple[set[int], bool]:
        block = {start}
        frontier = [start]
        while frontier:
            rows = sorted(frontier)
            frontier = []
            near = (matrix[rows] @ transposed).tocoo()
            linked = set(near.col[near.data >= bar].tolist())
            for row in rows:
                linked.update(by_event[events[ids[row]]])
            for other in linked - block - seen:
                block.add(other)
                frontier.append(other)
            if len(block) > max_block:
                return block, False
        return block, True

    dropped: set[int] = set()
    for start in (index[d] for d in changed if d in index):
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


@pytest.mark.parametrize("seed", range(4))
def test_blocks_found_in_batches_are_the_ones_found_step_by_step(seed: int) -> None:
    # A random stream past one batch of rows: words drawn from a few topics, events from an
    # imperfect online pass (some topics split, some merged), some articles changed.
    rng = np.random.default_rng(seed)
    count, topics = 1600, 320
    topic = rng.integers(0, topics, count)
    vectors = []
    for n in range(count):
        own = rng.choice(14, size=10, replace=False) + 14 * topic[n]
        common = rng.choice(30, size=int(rng.integers(0, 7)), replace=False) + 14 * topics
        keys = np.concatenate([own, common]).astype(np.int64)
        weights = rng.choice([1.0, 1.5, 2.0, 3.0], size=len(keys))
        vectors.append(SparseVector(keys, weights))
    matrix = _matrix(vectors)
    ids = list(rng.permutation(np.arange(1, count + 1)).tolist())
    events = {
        doc_id: int(topic[n] if rng.random() < 0.98 else rng.integers(0, topics))
        for n, doc_id in enumerate(ids)
    }
    changed = [d for d in ids if rng.random() < 0.6] + [count + 5]  # one not held
    for neighbour, max_block, stricter in (
        (0.20, 60, (0.25, 0.40)),
        (0.15, 12, (0.3, 0.5)),
        (0.40, 400, ()),
    ):
        old = _blocks_one_product_per_step(
            ids, matrix, events, changed, neighbour, max_block, stricter
        )
        new = _blocks(ids, matrix, events, changed, neighbour, max_block, stricter)
        assert new == old
        assert len(old) > 100


def _matrix_of_the_whole_window(vectors: list[SparseVector]) -> sparse.csr_matrix:
    """The TF-IDF rows as built from every entry at once: (row, column) pairs, then diags @."""
    keys = np.concatenate([v.keys for v in vectors] + [np.zeros(0, dtype=np.int64)])
    weights = np.concatenate([v.weights for v in vectors] + [np.zeros(0)])
    _, inverse, df = np.unique(keys, return_inverse=True, return_counts=True)
    kept = (df > 1)[inverse]
    idf = np.log((1 + len(vectors)) / (1 + df)) + 1.0
    rows = np.repeat(np.arange(len(vectors)), [len(v) for v in vectors])[kept]
    columns = (np.cumsum(df > 1) - 1)[inverse][kept]
    data = (weights * idf[inverse])[kept].astype(np.float32)
    shape = (len(vectors), int((df > 1).sum()))
    matrix = sparse.csr_matrix((data, (rows, columns)), shape=shape)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def _window_vectors(rng: np.random.Generator) -> list[SparseVector]:
    """Words of a few topics, common words, names weighted up, and an article sharing no key."""
    vectors = []
    for n in range(300):
        own = rng.choice(40, size=12, replace=False) + 40 * (n % 9)
        common = rng.choice(20, size=int(rng.integers(0, 6)), replace=False) + 1000
        keys = np.concatenate([own, common]).astype(np.int64) * 7_919_000_000_003
        weights = rng.choice([1.0, 1.0 + np.log(2), 1.0 + np.log(3), 3.0, 0.7], size=len(keys))
        vectors.append(SparseVector(keys, weights))
    vectors.append(SparseVector(np.array([-5, 5], dtype=np.int64), np.array([1.0, 2.0])))
    vectors.append(SparseVector(np.zeros(0, dtype=np.int64), np.zeros(0)))
    return vectors


@pytest.mark.parametrize("group", [1, 7, 100, 1 << 18])
def test_the_matrix_built_group_by_group_is_the_whole_window_s_bit_for_bit(group: int) -> None:
    rng = np.random.default_rng(group)
    vectors = _window_vectors(rng)
    expected = _matrix_of_the_whole_window(vectors)
    built = _matrix(vectors, group=group)
    assert built.shape == expected.shape
    for got, want in (
        (built.indptr, expected.indptr),
        (built.indices, expected.indices),
        (built.data, expected.data),
    ):
        assert got.dtype == want.dtype
        assert got.tobytes() == want.tobytes()


def _same(got: sparse.csr_matrix, want: sparse.csr_matrix) -> None:
    assert got.shape == want.shape
    for a, b in ((got.indptr, want.indptr), (got.indices, want.indices), (got.data, want.data)):
        assert a.dtype == b.dtype
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("group", [1, 7, 100, 1 << 18])
def test_the_window_held_by_key_is_the_matrix_s_transpose_and_its_rows_bit_for_bit(
    group: int,
) -> None:
    rng = np.random.default_rng(group)
    vectors = _window_vectors(rng)
    matrix = _matrix(vectors)
    window = _Window(vectors, group=group)
    assert window.shape == matrix.shape
    _same(window.transposed, matrix.T.tocsr())
    picks = [
        [0],
        [5, 3, 301, 300],
        list(range(len(vectors))),
        [int(r) for r in rng.permutation(302)],
    ]
    for rows in picks:
        _same(window[rows], matrix[rows])
    window.keep_rows()  # held, not rebuilt: the same rows
    for rows in picks:
        _same(window[rows], matrix[rows])
