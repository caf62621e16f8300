"""Compact sparse vectors give back exactly what they were given, and build the same rows."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bot.briefing.sparse import (
    Centroid,
    SparseVector,
    Vocabulary,
    groups,
    reversed_rows,
    shared_keys,
)

# Distinct keys with weights like an article's: sublinear counts, and a few arbitrary floats.
_WEIGHTS = st.one_of(
    st.integers(1, 40).map(lambda n: 1.0 + math.log(n)),
    st.floats(1e-6, 10.0, allow_nan=False),
)
_VECTOR = st.dictionaries(st.integers(-(2**63), 2**63 - 1), _WEIGHTS, max_size=60)


def _vector(items: dict[int, float]) -> SparseVector:
    keys = np.fromiter(items, dtype=np.int64, count=len(items))
    return SparseVector(keys, np.fromiter(items.values(), dtype=np.float64, count=len(items)))


@given(_VECTOR)
def test_a_vector_gives_back_its_weights_bit_for_bit_in_key_order(items: dict[int, float]) -> None:
    vector = _vector(items)
    assert vector.keys.tolist() == sorted(items)
    assert vector.weights.tolist() == [items[k] for k in sorted(items)]
    assert len(vector) == len(items)


def test_a_vector_with_many_distinct_weights_keeps_them_all() -> None:
    items = {n: 1.0 + n / 1000 for n in range(700)}
    assert _vector(items).weights.tolist() == list(items.values())


@given(st.lists(_VECTOR, max_size=12), st.integers(1, 9))
def test_shared_keys_are_the_keys_several_vectors_have_with_their_counts(
    rows: list[dict[int, float]], parts: int
) -> None:
    # Small keys too, so that vectors share some and every range of the key space is tried.
    rows += [{k % 7 - 3: w for k, w in items.items()} for items in rows]
    vectors = [_vector(items) for items in rows]
    keys, counts = shared_keys(vectors, parts=parts)
    every = np.concatenate([v.keys for v in vectors] + [np.zeros(0, dtype=np.int64)])
    expected_keys, expected_counts = np.unique(every, return_counts=True)
    assert keys.tolist() == expected_keys[expected_counts > 1].tolist()
    assert counts.tolist() == expected_counts[expected_counts > 1].tolist()


@given(st.lists(st.integers(0, 5), max_size=20))
def test_reversed_rows_turns_each_row_around_in_place(lengths: list[int]) -> None:
    indptr = np.r_[0, np.cumsum(lengths, dtype=np.int64)]
    values = np.arange(int(indptr[-1]))
    turned = values[reversed_rows(indptr)]
    for start, end in itertools.pairwise(indptr.tolist()):
        assert turned[start:end].tolist() == values[start:end][::-1].tolist()


@given(st.lists(st.integers(0, 30), max_size=30), st.integers(1, 200))
def test_groups_cut_the_vectors_in_order_into_runs_of_about_the_entries(
    lengths: list[int], entries: int
) -> None:
    vectors = [_vector({k: 1.0 for k in range(n)}) for n in lengths]
    runs = list(groups(vectors, entries))
    assert [v for run in runs for v in run] == vectors
    assert all(sum(map(len, run[:-1])) < entries for run in runs)
    assert all(sum(map(len, run)) >= entries for run in runs[:-1])
    assert all(run for run in runs)


def test_the_vocabulary_frees_the_ids_of_keys_no_held_vector_has() -> None:
    vocabulary = Vocabulary()
    first = vocabulary.acquire(["t:quake", "t:chile"], 0)
    second = vocabulary.acquire(["t:quake", "n:boric"], 1)
    assert vocabulary.count("t:quake") == 2
    assert len(vocabulary) == 3
    vocabulary.release(first)
    assert (vocabulary.count("t:quake"), vocabulary.count("t:chile")) == (1, 0)
    assert vocabulary.id_of("t:chile") is None
    assert len(vocabulary) == 2
    # The freed id is handed out again, so ids stay as many as the held keys.
    third = vocabulary.acquire(["#:6.8"], 2)
    assert int(third[0]) >> 2 == int(first[1]) >> 2
    assert int(third[0]) & 3 == 2
    vocabulary.release(second)
    vocabulary.release(third)
    assert len(vocabulary) == 0


_CHANNEL_VECTOR = st.dictionaries(
    st.tuples(st.integers(0, 2), st.integers(0, 30)), st.floats(0.01, 1.0), max_size=20
)


@given(st.lists(st.tuples(_CHANNEL_VECTOR, st.booleans()), max_size=10), _CHANNEL_VECTOR)
def test_a_centroid_scores_as_dicts_of_floats_do_bit_for_bit(
    changes: list[tuple[dict[tuple[int, int], float], bool]],
    query: dict[tuple[int, int], float],
) -> None:
    centroid = Centroid()
    sums: list[dict[int, float]] = [{}, {}, {}]
    for vector, out in changes:
        sign = -1.0 if out else 1.0
        ids = np.array([key << 2 | channel for channel, key in vector], dtype=np.int32)
        centroid.add(ids, np.array(list(vector.values())), sign)
        for (channel, key), weight in vector.items():
            value = sums[channel].get(key, 0.0) + sign * weight
            if value > 1e-9:
                sums[channel][key] = value
            else:
                sums[channel].pop(key, None)
    norms = [math.sqrt(sum(w * w for w in channel.values())) for channel in sums]
    assert centroid.norms()[:3].tolist() == norms
    ids = np.array([key << 2 | channel for channel, key in query], dtype=np.int32)
    dots, found = centroid.dots(ids, np.array(list(query.values()), dtype=np.float64))
    expected = [0.0, 0.0, 0.0]
    for (channel, key), weight in query.items():
        if key in sums[channel]:
            expected[channel] += weight * sums[channel][key]
    assert dots[:3].tolist() == expected
    assert found.tolist() == [key in sums[channel] for channel, key in query]
