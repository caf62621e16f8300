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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from sys import intern

import numpy as np

from bot.briefing.features import extract
from bot.briefing.model import Document, Features
from bot.briefing.sparse import Centroid, Vocabulary, encode

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
        self.keys: list[str] = []
        """Its index keys (distinct): where its postings are."""
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

    def __len__(self) -> int:
        return len(self._events)

    def assign(self, doc: Document) -> int | None:
        """Return the id of the event doc belongs to, or None when it starts a new event."""
        cfg = self.config
        features = extract(doc)
        query = self._query(features)
        best: tuple[float, int] | None = None
        for event_id in self._candidates(features, doc.published):
            score, shared_names = self._similarity(query, self._events[event_id])
            joins = score >= cfg.threshold or (
                score >= cfg.second_chance and shared_names >= cfg.second_chance_names
            )
            if joins and (best is None or score > best[0]):
                best = (score, event_id)
        return None if best is None else best[1]

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
        for key in _keys(features, self.config.key_terms):
            key = intern(key)
            posting = self._postings.get(key)
            if posting is None:
                posting = self._postings[key] = array("q")
            elif event_id in posting:
                posting.remove(event_id)
            if key not in event.keys:
                event.keys.append(key)
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

    def _idf(self, key: str) -> float:
        return math.log((len(self._docs) + 1) / (self._vocabulary.count(key) + 1)) + 1.0

    def _weighted(self, features: Features) -> dict[str, dict[str, float]]:
        """Return the article's channel vectors weighted by IDF and scaled to unit length."""
        weighted: dict[str, dict[str, float]] = {}
        for channel, prefix in _CHANNELS:
            vector = {k: w * self._idf(prefix + k) for k, w in getattr(features, channel).items()}
            norm = math.sqrt(sum(w * w for w in vector.values()))
            weighted[channel] = {k: w / norm for k, w in vector.items()} if norm else {}
        return weighted

    def _query(self, features: Features) -> tuple[np.ndarray, np.ndarray]:
        """Return the weighted vectors as ids and weights, in order; unheld keys left out."""
        ids: list[int] = []
        weights: list[float] = []
        weighted = self._weighted(features)
        for channel, prefix in _CHANNELS:
            for key, weight in weighted[channel].items():
                found = self._vocabulary.id_of(prefix + key)
                if found is not None:
                    ids.append(found)
                    weights.append(weight)
        return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float64)

    def _similarity(self, query: tuple[np.ndarray, np.ndarray], event: _Event) -> tuple[float, int]:
        """Return the channel-weighted cosine with an event, and how many names they share."""
        cfg = self.config
        weights = (cfg.term_weight, cfg.name_weight, cfg.number_weight)
        dots, found = event.centroid.dots(*query)
        norms = event.centroid.norms()
        cosines = [float(dots[n] / norms[n]) if dots[n] else 0.0 for n in range(len(_CHANNELS))]
        score = sum(weight * cosine for weight, cosine in zip(weights, cosines, strict=True))
        shared_names = int(np.count_nonzero(query[0][found] & 3 == _NAMES))
        return score / sum(weights), shared_names

    def _acquire(self, features: Features) -> tuple[np.ndarray, np.ndarray]:
        """Return an article's channel vectors as key ids and weights, counted in."""
        ids = []
        weights = []
        for n, (channel, prefix) in enumerate(_CHANNELS):
            vector: dict[str, float] = getattr(features, channel)
            ids.append(self._vocabulary.acquire([intern(prefix + k) for k in vector], n))
            weights.append(np.fromiter(vector.values(), dtype=np.float64, count=len(vector)))
        return np.concatenate(ids), np.concatenate(weights)

    def _candidates(self, features: Features, published: datetime | None) -> list[int]:
        """Return the events sharing the most IDF-weighted keys, within the time window."""
        votes: dict[int, float] = {}
        for key in _keys(features, self.config.key_terms):
            posting = self._postings.get(key)
            if posting:
                weight = self._idf(key)
                for event_id in posting:
                    votes[event_id] = votes.get(event_id, 0.0) + weight
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        gap = self.config.max_gap
        chosen: list[int] = []
        for event_id, _ in ranked:
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
