"""Pick a few verbatim, attributed sentences that together cover an event."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.briefing.model import Article, SummarySentence
from bot.briefing.text import content_stems, split_sentences, words

# "WASHINGTON (Reuters) -", "KYIV, Ukraine, March 3 (AP) —", "(CNN) —": agency lead-ins that the
# reader does not need and that would read oddly in the middle of a summary.
_DATELINE = re.compile(
    r"""^(?:
        [A-Z][A-Z.'’\-]+(?:\s+[A-Z][A-Z.'’\-]+)*      # CITY in capitals
        (?:,\s*[^()\-–—]{1,40}?)?                     # optional ", Region, date"
        \s*(?:\([^()]{1,40}\))?                       # optional "(Agency)"
      | \([A-Za-z][\w .&']{1,30}\)                     # "(CNN)" alone
    )\s*[-–—]{1,2}\s+""",
    re.VERBOSE,
)
_BOILERPLATE = re.compile(
    r"""click\ here|sign\ up|follow\ us|subscribe|newsletter|read\ more|all\ rights\ reserved
      |copyright|©|getty\ images|ap\ photo|photo\ by|photo:|image:|credit:|file\ photo
      |advertisement|share\ this|download\ (?:the|our)\ app|^related:|^watch:|^listen:
      |reporting\ by|editing\ by|writing\ by|additional\ reporting|contributed\ to\ this""",
    re.VERBOSE | re.IGNORECASE,
)
_BYLINE = re.compile(r"^by\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\b", re.IGNORECASE)
# Titles before a name that syntok takes for a sentence end ("South Dakota Gov." | "Kristi Noem
# said ..."); a fragment ending in one is glued back to the sentence it was cut from.
_TITLE_ABBREVIATION = re.compile(
    r"(?:^|\s)(?:Gov|Rep|Reps|Sen|Sens|Lt|Gen|Col|Sgt|Capt|Cmdr|Adm|Maj|Cpl|Pvt|Gens|Pres|Supt|Det"
    r"|Insp|Atty|Amb|Prof|Dr|Rev|Hon|St|Mt|Ft|Jan|Feb|Aug|Sept|Oct|Nov|Dec)\.$"
)
_MIN_WORDS = 6
_MAX_WORDS = 55

# Chosen on NeuS val (benchmarks/bench_summary.py); the scores are flat around these values.
_CENTROID_WEIGHT = 1.0  # closeness to what all the sources say
_SUPPORT_WEIGHT = 0.5  # closeness to the *other* sources only
_POSITION_WEIGHT = 0.2  # news leads come first
_TITLE_WEIGHT = 0.5
_REDUNDANCY_WEIGHT = 0.6
_DUPLICATE_SIMILARITY = 0.5  # never pick a sentence this close to one already chosen
_ENOUGH_FRACTION = 0.67  # stop once this share of max_words is used (60 of 90 words)
# Stop when the next sentence scores below this share of the first: padding a summary with an
# off-topic sentence is worse than a short one. The owed minimum tolerates weaker sentences.
_FLOOR = 0.7
_FLOOR_BEFORE_MIN = 0.3

_NO_DATE = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _Candidate:
    text: str
    article_order: int
    position: int
    source: str
    article_id: int
    word_count: int
    vector: dict[str, float]


def summarize(
    articles: Sequence[Article],
    *,
    max_words: int = 90,
    min_sentences: int = 2,
    max_sentences: int = 5,
) -> tuple[SummarySentence, ...]:
    """Choose verbatim sentences that cover the event without repeating, in reading order.

    Args:
        articles: the event's articles; the latest version of each is read.
        max_words: word budget for the whole summary.
        min_sentences: keep adding sentences until this many, budget permitting.
        max_sentences: never more sentences than this.

    Returns:
        Sentences attributed to their article's source, ordered by article date then position.
    """
    ordered = sorted(
        enumerate(articles),
        key=lambda pair: (pair[1].published or pair[1].first_seen or _NO_DATE, pair[0]),
    )
    raw = [
        (order, position, article, text)
        for order, (_, article) in enumerate(ordered)
        for position, text in enumerate(_candidate_sentences(article.latest.text))
    ]
    if not raw:
        return ()
    idf = _idf([content_stems(text) for *_, text in raw])
    candidates = [
        _Candidate(
            text=text,
            article_order=order,
            position=position,
            source=article.source,
            article_id=article.id,
            word_count=len(words(text)),
            vector=_vector(content_stems(text), idf),
        )
        for order, position, article, text in raw
    ]
    titles = _vector(
        [s for _, article in ordered for s in content_stems(article.latest.title)], idf
    )
    relevance = _relevance(candidates, titles)
    chosen = _select(candidates, relevance, max_words, min_sentences, max_sentences)
    chosen.sort(key=lambda c: (c.article_order, c.position))
    return tuple(SummarySentence(c.text, c.source, c.article_id) for c in chosen)


def _candidate_sentences(text: str) -> list[str]:
    """Return the sentences worth quoting, with any leading dateline dropped."""
    kept = []
    # syntok cuts "CITY (Reuters)" from "- The lead...", so the dateline goes before splitting.
    text = _DATELINE.sub("", text.lstrip(), count=1)
    for sentence in _rejoin_abbreviations(split_sentences(text)):
        trimmed = _DATELINE.sub("", sentence, count=1)
        trimmed = trimmed if trimmed and trimmed[0].isupper() else sentence
        count = len(words(trimmed))
        if (
            _MIN_WORDS <= count <= _MAX_WORDS
            and not trimmed.rstrip("\"'”’ )").endswith("?")
            and trimmed[-1] in ".!\"'”’)"
            and not _BOILERPLATE.search(trimmed)
            and not _BYLINE.match(trimmed)
        ):
            kept.append(trimmed)
    return kept


def _rejoin_abbreviations(sentences: list[str]) -> list[str]:
    """Glue back sentences that syntok cut after a title such as "Gov." or "Sen."."""
    joined: list[str] = []
    for sentence in sentences:
        if joined and _TITLE_ABBREVIATION.search(joined[-1]) and sentence[:1].isupper():
            joined[-1] = f"{joined[-1]} {sentence}"
        else:
            joined.append(sentence)
    return joined


def _idf(documents: list[list[str]]) -> dict[str, float]:
    counts = Counter(stem for doc in documents for stem in set(doc))
    total = len(documents)
    return {stem: math.log((1 + total) / (1 + n)) + 1.0 for stem, n in counts.items()}


def _vector(stems: list[str], idf: dict[str, float]) -> dict[str, float]:
    """Return a unit-length TF-IDF vector (sub-linear term frequency)."""
    weights = {s: (1 + math.log(n)) * idf.get(s, 1.0) for s, n in Counter(stems).items()}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {s: w / norm for s, w in weights.items()} if norm else {}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(s, 0.0) for s, w in a.items())


def _unit(weights: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {s: w / norm for s, w in weights.items()} if norm else {}


def _add(total: dict[str, float], vector: dict[str, float]) -> None:
    for term, weight in vector.items():
        total[term] = total.get(term, 0.0) + weight


def _relevance(candidates: list[_Candidate], titles: dict[str, float]) -> list[float]:
    """Score each sentence by how much the other sources back it, its position and the titles."""
    per_article: dict[int, dict[str, float]] = {}
    for c in candidates:
        _add(per_article.setdefault(c.article_order, {}), c.vector)
    article_vectors = {order: _unit(summed) for order, summed in per_article.items()}
    # Each article contributes one unit vector to the centroid, so a long article cannot outvote
    # the others: what several sources say is what the event is about.
    centroid: dict[str, float] = {}
    for vector in article_vectors.values():
        _add(centroid, vector)
    unit_centroid = _unit(centroid)
    scores = []
    for c in candidates:
        others = [v for order, v in article_vectors.items() if order != c.article_order]
        support = sum(_cosine(c.vector, v) for v in others) / len(others) if others else 0.0
        scores.append(
            _CENTROID_WEIGHT * _cosine(c.vector, unit_centroid)
            + _SUPPORT_WEIGHT * support
            + _POSITION_WEIGHT / (1 + c.position)
            + _TITLE_WEIGHT * _cosine(c.vector, titles)
        )
    return scores


def _select(
    candidates: list[_Candidate],
    relevance: list[float],
    max_words: int,
    min_sentences: int,
    max_sentences: int,
) -> list[_Candidate]:
    """Greedily add the best sentence not too close to those already chosen (MMR)."""
    chosen: list[_Candidate] = []
    remaining = set(range(len(candidates)))
    used_words = 0
    first_score = 0.0
    enough_words = max_words * _ENOUGH_FRACTION
    while remaining and len(chosen) < max_sentences:
        if len(chosen) >= min_sentences and used_words >= enough_words:
            break
        # Leave room for the sentences still owed to min_sentences.
        owed = max(0, min_sentences - len(chosen) - 1) * _MIN_WORDS
        best, best_score = -1, -math.inf
        for i in sorted(remaining):
            c = candidates[i]
            if used_words + c.word_count + owed > max_words:
                continue
            overlap = max((_cosine(c.vector, s.vector) for s in chosen), default=0.0)
            if overlap >= _DUPLICATE_SIMILARITY:
                continue
            score = relevance[i] - _REDUNDANCY_WEIGHT * overlap
            if score > best_score:
                best, best_score = i, score
        if best < 0:
            break
        floor = _FLOOR if len(chosen) >= min_sentences else _FLOOR_BEFORE_MIN
        if chosen and best_score < floor * first_score:
            break
        if not chosen:
            first_score = best_score
        chosen.append(candidates[best])
        used_words += candidates[best].word_count
        remaining.discard(best)
    return chosen
