"""Assign each incoming article to an event, incrementally, as it arrives.

An event is the sum of its articles' unit vectors in three channels: content words (headline
weighted up), names (capitalised words) and numbers. A new article, weighted by IDF, is compared
by cosine with a bounded set of candidate events fetched through an inverted index of its
distinctive keys, so the cost per article stays flat however many articles are held.

Document frequencies count only the articles currently held and event vectors are plain sums,
so replaying the held (article, event) pairs through ``add`` after a restart rebuilds the same
index, and ``assign`` answers as it did before.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from sys import intern

import numpy as np

from bot.briefing.features import extract
from bot.briefing.model import Document, Features
from bot.briefing.sparse import CHANNELS, Centroid, Vocabulary, encode

# Channel name and the prefix that keeps its keys apart in the shared index and counts.
# A key's id tells its channel by its place here (see sparse.Vocabulary).
_CHANNELS = (("terms", "t:"), ("names", "n:"), ("numbers", "#:"))
_NAMES = 1


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """Settings of the online clusterer.

    The defaults were chosen on ECB+ by coordinate search on each half of its topics (even and
    odd) in turn, keeping only what helped on both: a headline weight of 2 (features.py); the
    other values are the starting guesses, since changes that helped one half hurt the other.
    """

    threshold: float = 0.40
    """Join the most similar candidate event when the similarity reaches this."""
    second_chance: float = 0.30
    """Also join when the similarity reaches this and the article shares enough names."""
    second_chance_names: int = 2
    term_weight: float = 1.0
    name_weight: float = 1.0
    number_weight: float = 0.3
    max_gap: timedelta = timedelta(days=365)
    """A dated article cannot join an event whose dated articles are all further away than this.

    Read from real datelines, ECB+ events run for weeks (follow-ups a month or more later), and
    both topic halves scored best with the widest gap tried (3 days: 0.833 / 0.846, 30: 0.873 /
    0.856, 365: 0.877 / 0.868, none: 0.887 / 0.870); a year still keeps apart look-alike events
    that recur (the same race, the same kind of quake in the same place) in other years.
    """
    max_candidates: int = 12
    """Score at most this many events per article, those sharing the most distinctive keys."""
    posting_cap: int = 64
    """Index only the most recent events per key, so frequent keys cannot slow retrieval."""
    key_terms: int = 16
    """Index and look up this many of an article's strongest words, besides its names/numbers."""


class _Event:
    """One event: its centroid, members, dated span, arrival and index keys."""

    __slots__ = ("arrived", "centroid", "first", "keys", "last", "members")

    def __init__(self) -> None:
        self.centroid = Centroid()
        # Member id -> (its date, or None when undated; when it arrived, when known).
        self.members: dict[int, tuple[datetime | None, datetime | None]] = {}
        self.keys: dict[str, None] = {}
        """Its index keys (distinct, in the order they came): where its postings are."""
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.arrived: datetime | None = None
        """The latest time a member was dated, or arrived when undated: the window's clock."""

    def include(
        self,
        doc_id: int,
        vector: tuple[np.ndarray, np.ndarray],
        published: datetime | None,
        arrived: datetime | None,
    ) -> None:
        self.centroid.add(*vector, 1.0)
        self.members[doc_id] = (published, arrived)
        if published is not None:
            self.first = published if self.first is None else min(self.first, published)
            self.last = published if self.last is None else max(self.last, published)
        seen = published or arrived
        if seen is not None:
            self.arrived = seen if self.arrived is None else max(self.arrived, seen)

    def exclude(self, doc_id: int, vector: tuple[np.ndarray, np.ndarray]) -> None:
        self.centroid.add(*vector, -1.0)
        self.members.pop(doc_id, None)
        dates = [d for d, _ in self.members.values() if d is not None]
        self.first = min(dates, default=None)
        self.last = max(dates, default=None)
        seen = [t for d, a in self.members.values() if (t := d or a) is not None]
        self.arrived = max(seen, default=None)


class _Held:
    """What the index keeps of a member article: only what taking it out again needs.

    Its key ids and its weights, compact (an index into a small table of its distinct
    weights): a few hundred bytes an article instead of several kilobytes of dicts.
    """

    __slots__ = ("arrived", "codes", "event_id", "ids", "table")

    def __init__(
        self, event_id: int, ids: np.ndarray, weights: np.ndarray, arrived: datetime | None
    ) -> None:
        self.event_id = event_id
        self.arrived = arrived
        # Bytes: an array's own header would cost as much as a short article's entries.
        self.ids = ids.astype(np.int32).tobytes()
        table, codes = encode(weights)
        self.table = table.tobytes()
        self.codes = codes.tobytes() if codes.dtype == np.uint8 else codes

    def vector(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the key ids and weights as they were added."""
        codes = self.codes
        if isinstance(codes, bytes):
            codes = np.frombuffer(codes, dtype=np.uint8)
        table = np.frombuffer(self.table, dtype=np.float64)
        return np.frombuffer(self.ids, dtype=np.int32), table[codes]


def _keys(features: Features, key_terms: int) -> list[str]:
    """Return an article's index keys: its strongest words, all its names and numbers."""
    strongest = heapq.nsmallest(key_terms, features.terms.items(), key=lambda kv: (-kv[1], kv[0]))
    keys = [f"t:{term}" for term, _ in strongest]
    keys += [f"n:{name}" for name in features.names]
    keys += [f"#:{number}" for number in features.numbers]
    return keys


class EventIndex:
    """Hold recent events and tell which one a new article belongs to."""

    def __init__(self, config: ClusterConfig | None = None) -> None:
        self.config = config or ClusterConfig()
        self._events: dict[int, _Event] = {}
        self._docs: dict[int, _Held] = {}
        # Key ids, and how many held articles have each key (document frequencies).
        self._vocabulary = Vocabulary()
        # Event ids per key, least recently extended first; at most config.posting_cap each.
        self._postings: dict[str, array[int]] = {}
        # The last features' index keys: placing an article assigns it, then adds it.
        self._last_keys: tuple[Features, list[str]] | None = None
        # The last features' keys of every channel, prefixed (looked up, then acquired).
        self._last_prefixed: tuple[Features, list[str]] | None = None

    def __len__(self) -> int:
        return len(self._events)

    def assign(self, doc: Document) -> int | None:
        """Return the id of the event doc belongs to, or None when it starts a new event."""
        cfg = self.config
        best: tuple[float, int] | None = None
        for event_id, score, shared_names in self.scores(doc):
            joins = score >= cfg.threshold or (
                score >= cfg.second_chance and shared_names >= cfg.second_chance_names
            )
            if joins and (best is None or score > best[0]):
                best = (score, event_id)
        return None if best is None else best[1]

    def scores(self, doc: Document) -> list[tuple[int, float, int]]:
        """Return (event id, similarity, shared names) of each candidate event of doc, in rank order.

        What depends only on the article (its keys, IDF weights, query vector, which of its
        keys are names) is worked out once; the candidates are then scored together.
        """
        features = extract(doc)
        idf = self._idf_table()
        query = self._query(features, idf)
        candidates = self._candidates(self._keys_of(features), idf, doc.published)
        return self._similarities(query, candidates)

    def add(self, doc: Document, event_id: int, *, arrived: datetime | None = None) -> None:
        """Record doc as a member of event_id (new or existing); replaces an earlier add of doc.id.

        ``arrived`` is when the article reached us: an undated article leaves the window by it
        (``evict_before``). Re-adding a held article without it keeps the arrival it had.
        """
        held = self._docs.get(doc.id)
        if arrived is None and held is not None:
            arrived = held.arrived
        self._remove_doc(doc.id)
        features = extract(doc)
        event = self._events.get(event_id)
        if event is None:
            event = self._events[event_id] = _Event()
        vector = self._acquire(features)
        event.include(doc.id, vector, doc.published, arrived)
        self._docs[doc.id] = _Held(event_id, *vector, arrived)
        cap = self.config.posting_cap
        keys = event.keys
        for key in self._keys_of(features):
            key = intern(key)
            posting = self._postings.get(key)
            if posting is None:
                posting = self._postings[key] = array("q")
            elif event_id in posting:
                posting.remove(event_id)
            keys[key] = None
            posting.append(event_id)
            if len(posting) > cap:
                del posting[0]

    def evict_before(self, cutoff: datetime) -> int:
        """Forget events whose latest member is older than cutoff; return how many.

        A member's time is its date, or when it arrived if it has none, so undated articles
        leave the window too. An event none of whose members has either time is kept.
        """
        stale = [
            eid
            for eid, ev in self._events.items()
            if ev.arrived is not None and ev.arrived < cutoff
        ]
        for event_id in stale:
            for doc_id in self._events[event_id].members:
                self._vocabulary.release(self._docs.pop(doc_id).vector()[0])
            self._drop_event(event_id)
        return len(stale)

    # --- scoring --------------------------------------------------------------------------

    def _idf_table(self) -> Callable[[int], float]:
        """Return the IDF of a key by its document frequency, each frequency worked out once."""
        held = len(self._docs) + 1
        table: dict[int, float] = {}

        def idf(count: int) -> float:
            found = table.get(count)
            if found is None:
                found = table[count] = math.log(held / (count + 1)) + 1.0
            return found

        return idf

    def _keys_of(self, features: Features) -> list[str]:
        """Return ``_keys`` of the features, remembered for the next call (assign, then add)."""
        last = self._last_keys
        if last is not None and last[0] is features:
            return last[1]
        keys = _keys(features, self.config.key_terms)
        self._last_keys = (features, keys)
        return keys

    def _prefixed(self, features: Features) -> list[str]:
        """Return the keys of every channel in turn, prefixed; remembered for the next call."""
        last = self._last_prefixed
        if last is not None and last[0] is features:
            return last[1]
        keys = [prefix + key for (c, prefix) in _CHANNELS for key in getattr(features, c)]
        self._last_prefixed = (features, keys)
        return keys

    def _query(
        self, features: Features, idf: Callable[[int], float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the article's channel vectors weighted by IDF, at unit length, as ids and weights.

        Keys no held article has are left out of the result, not of each channel's length.
        """
        channels: list[dict[str, float]] = [getattr(features, c) for c, _ in _CHANNELS]
        found, counts = self._vocabulary.lookup(self._prefixed(features))
        ids: list[int] = []
        weights: list[float] = []
        start = 0
        for vector in channels:
            end = start + len(vector)
            scaled = [w * idf(c) for w, c in zip(vector.values(), counts[start:end], strict=True)]
            norm = math.sqrt(sum([w * w for w in scaled]))
            if norm:
                for key_id, weight in zip(found[start:end], scaled, strict=True):
                    if key_id is not None:
                        ids.append(key_id)
                        weights.append(weight / norm)
            start = end
        return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float64)

    def _similarities(
        self, query: tuple[np.ndarray, np.ndarray], candidates: list[int]
    ) -> list[tuple[int, float, int]]:
        """Return each candidate's channel-weighted cosine with the query and its shared names.

        All candidates at once, each dot product summed in the query's order as one event's
        alone would be, so every score is the same float.
        """
        if not candidates:
            return []
        cfg = self.config
        q_ids, q_weights = query
        centroids = [self._events[event_id].centroid for event_id in candidates]
        lengths = [len(c.ids) for c in centroids]
        entries = np.concatenate([c.ids for c in centroids])
        sums = np.concatenate([c.sums for c in centroids])
        owner = np.repeat(np.arange(len(candidates), dtype=np.int64), lengths)
        # Which centroid entries are query keys, and where in the query.
        order = np.argsort(q_ids, kind="stable")
        ranked = q_ids[order]
        at = np.minimum(np.searchsorted(ranked, entries), max(len(ranked) - 1, 0))
        hit = ranked[at] == entries if len(ranked) else np.zeros(len(entries), dtype=bool)
        place = order[at[hit]]
        owner = owner[hit]
        # In the query's order within each candidate, as one event's dot product sums them.
        by_query = np.argsort(owner * len(q_ids) + place)
        place, owner, sums = place[by_query], owner[by_query], sums[hit][by_query]
        channel = q_ids[place] & 3
        products = q_weights[place] * sums
        dots = np.bincount(
            owner * CHANNELS + channel, weights=products, minlength=len(candidates) * CHANNELS
        ).reshape(len(candidates), CHANNELS)
        norms = np.concatenate([c.norms() for c in centroids]).reshape(len(candidates), CHANNELS)
        cosines = np.divide(dots, norms, out=np.zeros_like(dots), where=dots != 0)
        weights = (cfg.term_weight, cfg.name_weight, cfg.number_weight)
        score = np.zeros(len(candidates))
        for n, weight in enumerate(weights):
            score = score + weight * cosines[:, n]
        score = score / sum(weights)
        shared = np.bincount(owner[channel == _NAMES], minlength=len(candidates))
        return list(zip(candidates, score.tolist(), shared.tolist(), strict=True))

    def _acquire(self, features: Features) -> tuple[np.ndarray, np.ndarray]:
        """Return an article's channel vectors as key ids and weights, counted in."""
        ids = []
        weights = []
        prefixed = self._prefixed(features)
        start = 0
        for n, (channel, _) in enumerate(_CHANNELS):
            vector: dict[str, float] = getattr(features, channel)
            end = start + len(vector)
            ids.append(self._vocabulary.acquire(prefixed[start:end], n))
            weights.append(np.fromiter(vector.values(), dtype=np.float64, count=len(vector)))
            start = end
        return np.concatenate(ids), np.concatenate(weights)

    def _candidates(
        self, keys: list[str], idf: Callable[[int], float], published: datetime | None
    ) -> list[int]:
        """Return the events sharing the most IDF-weighted keys, within the time window."""
        postings: list[np.ndarray] = []
        voting: list[str] = []
        for key in keys:
            posting = self._postings.get(key)
            if posting:
                postings.append(np.frombuffer(posting, dtype=np.int64))
                voting.append(key)
        if not postings:
            return []
        votes = [idf(count) for count in self._vocabulary.lookup(voting)[1]]
        # Each event's votes summed key by key, in the keys' order, as a running total would.
        voters = np.concatenate(postings)
        order = np.argsort(voters, kind="stable")
        ranked = voters[order]
        starts = np.empty(len(ranked), dtype=bool)
        starts[0] = True
        np.not_equal(ranked[1:], ranked[:-1], out=starts[1:])
        where = np.empty(len(ranked), dtype=np.int64)
        where[order] = np.cumsum(starts) - 1
        totals = np.bincount(where, weights=np.repeat(votes, [len(p) for p in postings]))
        events = ranked[starts]
        # Most votes first, then the lower id (events are in ascending id order).
        ranked = events[np.argsort(-totals, kind="stable")].tolist()
        gap = self.config.max_gap
        chosen: list[int] = []
        for event_id in ranked:
            event = self._events[event_id]
            if (
                published is None
                or event.first is None
                or event.last is None
                or event.first - gap <= published <= event.last + gap
            ):
                chosen.append(event_id)
                if len(chosen) == self.config.max_candidates:
                    break
        return chosen

    # --- bookkeeping ----------------------------------------------------------------------

    def _remove_doc(self, doc_id: int) -> None:
        held = self._docs.pop(doc_id, None)
        if held is None:
            return
        vector = held.vector()
        self._vocabulary.release(vector[0])
        event = self._events[held.event_id]
        event.exclude(doc_id, vector)
        if not event.members:
            self._drop_event(held.event_id)

    def _drop_event(self, event_id: int) -> None:
        event = self._events.pop(event_id)
        for key in event.keys:
            posting = self._postings.get(key)
            if posting is not None:
                if event_id in posting:
                    posting.remove(event_id)
                if not posting:
                    del self._postings[key]


def cluster_documents(
    docs: Iterable[Document], config: ClusterConfig | None = None
) -> dict[int, int]:
    """Cluster docs one by one in the given order; return doc id -> event id (event ids 1..n).

    Args:
        docs: the articles, in the order they arrive.
        config: clusterer settings; the tuned defaults when omitted.
    """
    index = EventIndex(config)
    assignment: dict[int, int] = {}
    events = 0
    for doc in docs:
        event_id = index.assign(doc)
        if event_id is None:
            events += 1
            event_id = events
        index.add(doc, event_id)
        assignment[doc.id] = event_id
    return assignment
