"""Online event clustering: look-alike events, time, replay after a restart, ECB+ quality."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.briefing.cluster import _CHANNELS, ClusterConfig, EventIndex, cluster_documents
from bot.briefing.features import extract, strip_url_lead
from bot.briefing.model import Document
from tests.shared import shared_path

T0 = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)

# Two earthquakes told in the same words; only places, people and figures tell them apart.
CHILE = [
    (
        "Strong earthquake shakes central Chile near Valparaiso",
        "A magnitude 6.8 earthquake struck off the coast of central Chile on Tuesday, "
        "shaking buildings in Valparaiso and Santiago. Chile's emergency office Senapred said "
        "at least 4 people were injured and several homes collapsed. No tsunami warning was issued.",
    ),
    (
        "Chile quake: Valparaiso residents sleep outside after 6.8 tremor",
        "Thousands of residents of Valparaiso spent the night outdoors after the 6.8 earthquake. "
        "President Gabriel Boric visited damaged homes and said Senapred teams were assessing "
        "the damage. Four people were injured, officials in Chile said.",
    ),
    (
        "Boric promises aid after earthquake near Valparaiso",
        "Gabriel Boric promised emergency aid to families whose homes were damaged when the "
        "magnitude 6.8 earthquake hit the Valparaiso region of Chile. Senapred counted 4 injured "
        "and 120 damaged houses.",
    ),
]
TURKEY = [
    (
        "Strong earthquake shakes western Turkey near Izmir",
        "A magnitude 5.9 earthquake struck western Turkey on Tuesday, shaking buildings in Izmir "
        "and Manisa. Turkey's disaster agency AFAD said at least 11 people were injured and "
        "several homes collapsed. No tsunami warning was issued.",
    ),
    (
        "Turkey quake: Izmir residents sleep outside after 5.9 tremor",
        "Thousands of residents of Izmir spent the night outdoors after the 5.9 earthquake. "
        "Interior minister Ali Yerlikaya visited damaged homes and said AFAD teams were assessing "
        "the damage. Eleven people were injured, officials in Turkey said.",
    ),
    (
        "Yerlikaya promises aid after earthquake near Izmir",
        "Ali Yerlikaya promised emergency aid to families whose homes were damaged when the "
        "magnitude 5.9 earthquake hit the Izmir region of Turkey. AFAD counted 11 injured and "
        "85 damaged buildings.",
    ),
]
OTHER = [
    (
        "Parliament passes budget after all-night session",
        "Lawmakers approved the national budget early on Wednesday after a debate that lasted "
        "through the night. The finance minister called the vote a relief for public services.",
    ),
    (
        "Harbour strike halts container traffic",
        "Dock workers walked out over pay, leaving container ships waiting at anchor. The union "
        "said the strike would last until employers improved their offer.",
    ),
    (
        "City council approves new tram line",
        "The council voted to build a tram line linking the station with the university campus. "
        "Construction is due to start next spring and take three years.",
    ),
]


def _docs(
    stories: list[tuple[str, str]], first_id: int, published: datetime | None = None
) -> list[Document]:
    return [
        Document(id=first_id + i, title=title, text=text, published=published, source=f"S{i}")
        for i, (title, text) in enumerate(stories)
    ]


def _groups(assignment: dict[int, int], ids: list[int]) -> set[int]:
    return {assignment[i] for i in ids}


def test_lookalike_earthquakes_stay_apart_while_reports_of_each_join() -> None:
    chile, turkey, other = _docs(CHILE, 1), _docs(TURKEY, 11), _docs(OTHER, 21)
    # Interleave so each quake's reports arrive while the other quake is already held.
    stream = [d for trio in zip(other, chile, turkey, strict=True) for d in trio]

    assignment = cluster_documents(stream)

    chile_events = _groups(assignment, [d.id for d in chile])
    turkey_events = _groups(assignment, [d.id for d in turkey])
    assert len(chile_events) == 1
    assert len(turkey_events) == 1
    assert chile_events != turkey_events
    assert len(_groups(assignment, [d.id for d in other])) == 3
    assert sorted(set(assignment.values())) == list(range(1, 6))


def test_articles_more_than_the_gap_apart_start_a_new_event() -> None:
    index = EventIndex()
    first, second, third = _docs(CHILE, 1, published=T0)
    index.add(first, 1)

    next_day = Document(id=2, title=second.title, text=second.text, published=T0 + timedelta(1))
    next_year = Document(id=3, title=third.title, text=third.text, published=T0 + timedelta(400))
    assert index.assign(next_day) == 1
    assert index.assign(next_year) is None


def test_undated_articles_cluster() -> None:
    assignment = cluster_documents(_docs(CHILE, 1) + _docs(OTHER, 21))

    assert len(_groups(assignment, [1, 2, 3])) == 1
    assert len(set(assignment.values())) == 4


def _answers_before_and_after_restart(
    config: ClusterConfig,
) -> tuple[list[int | None], list[int | None], int]:
    """Run a dated stream with eviction, replay the held pairs into a fresh index, probe both."""
    stories = CHILE + TURKEY + OTHER
    stream = [
        Document(id=i, title=t, text=x, published=T0 + timedelta(hours=20 * i), source="wire")
        for i, (t, x) in enumerate(stories)
    ]
    before = EventIndex(config)
    stored: list[tuple[Document, int]] = []
    for doc in stream:
        event_id = before.assign(doc) or 100 + doc.id
        before.add(doc, event_id)
        stored.append((doc, event_id))
    cutoff = T0 + timedelta(days=3)
    evicted = before.evict_before(cutoff)

    # The bot replays every article of each event still held: those with a recent article.
    latest: dict[int, datetime] = {}
    for doc, event_id in stored:
        assert doc.published is not None
        latest[event_id] = max(latest.get(event_id, doc.published), doc.published)
    after = EventIndex(config)
    for doc, event_id in stored:
        if latest[event_id] >= cutoff:
            after.add(doc, event_id)
    assert len(after) == len(before)

    # Whole articles, headlines alone and bodies alone score at many levels against each event.
    variants = [(t, x) for t, x in stories] + [(t, "") for t, _ in stories]
    variants += [("", x) for _, x in stories]
    probes = [
        Document(id=1000 + i, title=t, text=x, published=T0 + timedelta(days=2, hours=5 * i))
        for i, (t, x) in enumerate(variants)
    ]
    return [before.assign(p) for p in probes], [after.assign(p) for p in probes], evicted


def test_replaying_held_articles_after_a_restart_answers_as_before() -> None:
    before, after, evicted = _answers_before_and_after_restart(ClusterConfig())

    assert evicted > 0
    assert after == before
    assert any(answer is not None for answer in before)


def test_replay_matches_at_every_threshold() -> None:
    # Near a threshold any drift in the rebuilt weights (say, counts of evicted articles that
    # linger) would flip an answer; sweeping thresholds puts every score near one.
    evictions = 0
    for step in range(1, 40):
        threshold = step / 40
        config = ClusterConfig(threshold=threshold, second_chance=threshold)
        before, after, evicted = _answers_before_and_after_restart(config)
        assert after == before, threshold
        evictions += evicted > 0
    assert evictions >= 30


def test_add_replaces_an_earlier_add_of_the_same_article() -> None:
    index = EventIndex()
    quake = _docs(CHILE, 1)[0]
    index.add(quake, 1)
    index.add(quake, 2)

    assert len(index) == 1
    assert index.assign(_docs(CHILE, 50)[1]) == 2


def test_evict_before_forgets_events_whose_latest_article_is_older() -> None:
    index = EventIndex()
    old, recent = _docs(CHILE[:1], 1, T0), _docs(TURKEY[:1], 2, T0 + timedelta(days=5))
    index.add(old[0], 1)
    index.add(recent[0], 2)
    index.add(_docs(OTHER[:1], 3)[0], 3)  # undated: no date to judge it by, so kept

    assert index.evict_before(T0 + timedelta(days=1)) == 1
    assert len(index) == 2
    assert index.assign(_docs(CHILE[1:2], 9, T0)[0]) is None


# --- quality on ECB+ ------------------------------------------------------------------------


def _ecbplus() -> tuple[list[Document], dict[int, str]]:
    docs: list[Document] = []
    gold: dict[int, str] = {}
    path = shared_path("ecbplus", "ecbplus_docs.jsonl")
    with path.open(encoding="utf-8") as lines:
        for doc_id, line in enumerate(lines):
            row = json.loads(line)
            sentences = strip_url_lead(row["sentences"])
            title, body = (sentences[0], sentences[1:]) if sentences else ("", [])
            docs.append(Document(id=doc_id, title=title, text="\n".join(body)))
            gold[doc_id] = row["subtopic"]
    return docs, gold


def bcubed_f1(predicted: dict[int, int], gold: dict[int, str]) -> float:
    """Return the B-cubed F1 of a clustering against gold labels."""
    pairs = Counter((predicted[d], gold[d]) for d in predicted)
    cluster_sizes = Counter(predicted.values())
    gold_sizes = Counter(gold[d] for d in predicted)
    precision = recall = 0.0
    for (cluster, label), overlap in pairs.items():
        precision += overlap * overlap / cluster_sizes[cluster]
        recall += overlap * overlap / gold_sizes[label]
    precision /= len(predicted)
    recall /= len(predicted)
    return 2 * precision * recall / (precision + recall)


def test_bcubed_f1_scores_known_cases() -> None:
    gold = {1: "a", 2: "a", 3: "b", 4: "b"}
    assert bcubed_f1({1: 1, 2: 1, 3: 2, 4: 2}, gold) == 1.0
    assert bcubed_f1({1: 1, 2: 1, 3: 1, 4: 1}, gold) == pytest.approx(2 * 0.5 / 1.5)
    assert bcubed_f1({1: 1, 2: 2, 3: 3, 4: 4}, gold) == pytest.approx(2 * 0.5 / 1.5)


@pytest.mark.shared_data
def test_ecbplus_bcubed_f1_with_default_settings() -> None:
    docs, gold = _ecbplus()
    scores = []
    for seed in range(5):
        order = docs[:]
        random.Random(seed).shuffle(order)
        scores.append(bcubed_f1(cluster_documents(order, ClusterConfig()), gold))
    assert sum(scores) / len(scores) >= 0.88, scores


def _scored_alone(index: EventIndex, doc: Document, event_id: int) -> tuple[float, int]:
    """Return doc's similarity with one event and their shared names, in plain sums.

    The form the scores are defined by: IDF over the held articles, each channel at unit
    length, each dot product and length a running sum in key order.
    """
    features = extract(doc)
    vocabulary = index._vocabulary
    held = len(index._docs)
    centroid = index._events[event_id].centroid
    entries = dict(zip(centroid.ids.tolist(), centroid.sums.tolist(), strict=True))
    cosines, shared = [], 0
    for n, (channel, prefix) in enumerate(_CHANNELS):
        vector = {
            key: w * (math.log((held + 1) / (vocabulary.count(prefix + key) + 1)) + 1.0)
            for key, w in getattr(features, channel).items()
        }
        norm = math.sqrt(sum(w * w for w in vector.values()))
        dot = 0.0
        for key, w in vector.items():
            key_id = vocabulary.id_of(prefix + key)
            if key_id is not None and key_id in entries:
                dot += w / norm * entries[key_id]
                shared += n == 1
        length = 0.0
        for key_id, total in entries.items():
            if key_id & 3 == n:
                length += total * total
        cosines.append(dot / math.sqrt(length) if dot else 0.0)
    cfg = index.config
    weights = (cfg.term_weight, cfg.name_weight, cfg.number_weight)
    score = sum(w * c for w, c in zip(weights, cosines, strict=True)) / sum(weights)
    return score, shared


def test_candidates_scored_together_score_as_each_alone() -> None:
    rng = random.Random(4)
    stories = CHILE + TURKEY + OTHER
    docs = [
        Document(id=i, title=title, text=text, source=f"S{i % 3}")
        for i, (title, text) in enumerate(rng.choice(stories) for _ in range(120))
    ]
    index, compared = EventIndex(), 0
    for doc in docs:
        scores = index.scores(doc)
        for event_id, score, shared in scores:
            assert (score, shared) == _scored_alone(index, doc, event_id)
            compared += 1
        joined = index.assign(doc)
        index.add(doc, joined if joined is not None else 1000 + doc.id)
    assert compared > 200
