"""Turn a document into the sparse vectors the event clusterer compares: words, names, numbers."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from itertools import pairwise

from bot.briefing.model import Document, Features
from bot.briefing.names import sound_key
from bot.briefing.text import STOP_WORDS, content_stems, stem

# The same word pattern as bot.briefing.text.words, kept here to see where each word starts.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# Digits with optional decimal or thousands parts: "6.1", "1,200", "2013".
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"[.!?:;\n]")
_URL_LIKE = re.compile(r"^\s*(?:https?\s*:|www\s*\.)", re.IGNORECASE)

# Capitalised words that start sentences or headlines without naming anyone or anything.
_NOT_NAMES = STOP_WORDS | frozenset(
    """monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec am pm gmt utc est pst pt et bst
    breaking update updated exclusive watch video photos live report reports news""".split()  # noqa: SIM905
)

TITLE_WEIGHT = 2.0
"""How much more a headline word counts than a body word: the headline says what happened."""


def _unit(counts: dict[str, float]) -> dict[str, float]:
    """Return sublinear term frequencies scaled to unit length, so every article weighs the same."""
    weights = {key: 1.0 + math.log(count) for key, count in sorted(counts.items())}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {key: w / norm for key, w in weights.items()} if norm else {}


def _tokens(text: str) -> Iterator[tuple[str, bool]]:
    """Yield each word of ``text`` and whether it starts a sentence or a line."""
    ends = iter(m.start() for m in _SENTENCE_END.finditer(text))
    next_end = next(ends, len(text))
    initial = True
    for match in _WORD.finditer(text):
        start = match.start()
        if next_end < start:
            initial = True
            while next_end < start:
                next_end = next(ends, len(text))
        yield match.group(), initial
        initial = False


def _is_title_case(text: str) -> bool:
    """Tell headline-style capitalisation ("Quake Hits Chile") from ordinary prose."""
    content = [w for w, _ in _tokens(text) if w.lower() not in STOP_WORDS and w[0].isalpha()]
    return len(content) >= 3 and sum(w[0].isupper() for w in content) >= 0.75 * len(content)


def numbers_in(text: str) -> list[str]:
    """Return the numbers written in digits, normalised ("03" -> "3", "1,200" -> "1200")."""
    found: list[str] = []
    for raw in _NUMBER.findall(text):
        plain = raw.replace(",", "")
        if "." in plain:
            plain = plain.rstrip("0").rstrip(".")
        found.append(plain.lstrip("0") or "0")
    return found


def strip_url_lead(sentences: list[str]) -> list[str]:
    """Drop a leading sentence that is only the article's web address."""
    if sentences and _URL_LIKE.match(sentences[0]):
        return sentences[1:]
    return sentences


def extract(doc: Document) -> Features:
    """Return the word, name and number vectors of a document, its headline weighted up."""
    if doc.analysis is not None:  # worked out already, in a parsing worker
        return doc.analysis.features
    # By its words alone: placing an article assigns it before it has an id, then adds it.
    return _extract(doc.title, doc.text)


def text_features(title: str, text: str) -> Features:
    """Return the word, name and number vectors of a title and text (see ``extract``)."""
    return _extract(title, text)


# Bounded small: it holds whole texts. Placing an article extracts it twice in a row
# (assign, then add); revision passes memoise their own vectors.
@lru_cache(maxsize=1024)
def _extract(title: str, text: str) -> Features:
    """Return the word, name and number vectors of a title and text, the title weighted up.

    Names are the stems of capitalised words (people, places, organisations). A capitalised
    word is left out when it is a stop word, weekday or month, or when it starts a sentence (or
    sits in a title-case headline) and the article also writes it in lower case elsewhere.
    """
    parts = ((TITLE_WEIGHT, title, _is_title_case(title)), (1.0, text, False))
    tokens = [
        (weight, title_case, tok) for weight, text, title_case in parts for tok in _tokens(text)
    ]
    lower_words = frozenset(word for _, _, (word, _) in tokens if word[0].islower())

    terms: dict[str, float] = {}
    names: dict[str, float] = {}
    for weight, title_case, (word, initial) in tokens:
        lower = word.lower()
        acronym = word.isupper() and len(word) <= 5
        if len(word) < 2 or (lower in STOP_WORDS and not acronym) or word[0].isdigit():
            continue
        key = stem(word)
        terms[key] = terms.get(key, 0.0) + weight
        if (
            word[0].isupper()
            and lower not in _NOT_NAMES
            and not ((initial or title_case) and lower in lower_words)
        ):
            # Spelling variants of one name (Erbil/Irbil, Soleimani/Suleimani) share a key.
            name = sound_key(word)
            names[name] = names.get(name, 0.0) + weight
    numbers: dict[str, float] = {}
    for weight, text, _ in parts:
        for number in numbers_in(text):
            numbers[number] = numbers.get(number, 0.0) + weight
    return Features(terms=_unit(terms), names=_unit(names), numbers=_unit(numbers))


# The revision pass's default weights of names, word pairs and headline words (the defaults of
# revise.ReviseConfig, and what the parsing workers work out: analysis.analyse_text).
REVISION_NAME_WEIGHT = 1.0
REVISION_PAIR_WEIGHT = 1.0
REVISION_TITLE_WEIGHT = 0.75


def revision_weights(
    title: str, text: str, *, name_weight: float, pair_weight: float, title_weight: float
) -> dict[str, float]:
    """Return a revision pass's weighted words, word pairs, names and headline words, before IDF.

    Keys are marked by kind ("t:", "p:", "n:", "h:"); revise.py hashes them into its vectors.
    """
    stems = content_stems(f"{title}\n{text}")
    counts: Counter[str] = Counter(f"t:{s}" for s in stems)
    counts.update(f"p:{a}_{b}" for a, b in pairwise(stems))
    vector: dict[str, float] = {}
    for key, n in counts.items():
        weight = pair_weight if key.startswith("p:") else 1.0
        vector[key] = weight * (1.0 + math.log(n))
    for name, w in _extract(title, text).names.items():
        vector[f"n:{name}"] = name_weight * w * 3.0
    if title_weight:
        for stem_, n in Counter(content_stems(title)).items():
            vector[f"h:{stem_}"] = title_weight * (1.0 + math.log(n))
    return vector
