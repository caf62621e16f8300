"""Fold spelling variants of names so they do not split: Erbil/Irbil, Soleimani/Suleimani."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import fuzz

from bot.briefing.model import NameVariants, Spelling
from bot.briefing.text import STOP_WORDS


def _split(words: str) -> list[str]:
    return words.split()


# Letters that transliterations swap freely: e/i/y, o/u, q/k, ph/f.
_TRANSLIT = (("ph", "f"), ("ou", "u"), ("ee", "i"), ("q", "k"), ("c", "k"))
_VOWEL_CLASS = str.maketrans({"e": "i", "y": "i", "o": "u"})
_DOUBLE = re.compile(r"(.)\1+")
_NAME = re.compile(r"\b[A-Z][\w’'-]*(?:[ -](?:al|el|bin|ibn|de|van|von|[A-Z][\w’'-]*))*\b")
_POSSESSIVE = re.compile(r"['’]s?$")
_LOWER_WORD = re.compile(r"\b[a-z][\w’'-]*")
# Two spellings this far apart are different names even when they sound alike (Reuters/Rioters).
_VARIANT_RATIO = 80
_NOT_NAMES = frozenset(
    _split("""The A An In On At But And Or If As After Before When While It Its This That These Those
    He She They We I Mr Mrs Ms Dr Sen Gen Some Many Most One Two Three There Here According
    Later Earlier Meanwhile However Still Also Yet""")
)


def _ascii_fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if c.isalnum() or c == " ").lower()


def sound_key(name: str) -> str:
    """Return a spelling-tolerant key: accents dropped, common swaps merged, doubles collapsed."""
    key = _ascii_fold(name).replace(" ", "")
    for old, new in _TRANSLIT:
        key = key.replace(old, new)
    key = key.translate(_VOWEL_CLASS)
    key = key.replace("ai", "i").replace("ii", "i")
    return _DOUBLE.sub(r"\1", key)


def skeleton(name: str) -> str:
    """Return the consonant skeleton of a name ("Erbil" -> "rbl")."""
    return "".join(c for c in sound_key(name) if c not in "aiu")


def same_name(a: str, b: str) -> bool:
    """Tell whether two spellings very likely name the same person or place."""
    if a == b:
        return True
    key_a, key_b = sound_key(a), sound_key(b)
    if len(key_a) < 3 or len(key_b) < 3:
        return False
    if key_a == key_b:
        return True
    skel = skeleton(a)
    return (
        len(skel) >= 3 and skel == skeleton(b) and fuzz.ratio(_ascii_fold(a), _ascii_fold(b)) >= 85
    )


def canonical_name(name: str, known_names: Iterable[str]) -> str:
    """Return the first known spelling of ``name``, or ``name`` itself when none matches.

    Args:
        name: A name as written in an article.
        known_names: Spellings already chosen as canonical, in order of preference.
    """
    for known in known_names:
        if same_name(name, known):
            return known
    return name


def fold_names(names: Iterable[str]) -> dict[str, str]:
    """Map every spelling to one canonical spelling: the most frequent, then the first seen."""
    counts = Counter(names)
    order = sorted(counts, key=lambda n: -counts[n])
    canonical: list[str] = []
    mapping: dict[str, str] = {}
    for name in order:
        chosen = canonical_name(name, canonical)
        if chosen == name:
            canonical.append(name)
        mapping[name] = chosen
    return mapping


def proper_names(text: str) -> list[str]:
    """Return the capitalised names in ``text`` in order, skipping sentence-opening words."""
    found: list[str] = []
    for match in _NAME.finditer(text):
        name = match.group()
        words_ = name.split()
        while words_ and words_[0] in _NOT_NAMES:
            words_.pop(0)
        if words_:
            found.append(" ".join(words_))
    return found


def _plain(name: str) -> str:
    """Return a name without case, accents, spaces, hyphens or a possessive ending."""
    return _ascii_fold(_POSSESSIVE.sub("", name)).replace(" ", "").replace("-", "")


def _spellings_by_source(texts: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Return each name as written (possessive dropped) with the sources that write it."""
    sources: dict[str, set[str]] = {}
    for source, text in texts:
        lower_words = {w.lower() for w in _LOWER_WORD.findall(text)}
        for found in proper_names(text):
            name = _POSSESSIVE.sub("", found)
            lower = name.lower()
            # Headline capitals, short words and capitalised common words are not names.
            if name.isupper() or len(_plain(name)) < 4 or lower in STOP_WORDS:
                continue
            if lower in lower_words:
                continue
            sources.setdefault(name, set()).add(source)
    return sources


def _variant_pair(a: str, b: str) -> bool:
    """Tell whether b is another spelling of a, not the same spelling or a longer name."""
    plain_a, plain_b = _plain(a), _plain(b)
    if plain_a.startswith(plain_b) or plain_b.startswith(plain_a):
        return False  # "Israel"/"Israeli", "Hefner"/"Hugh Hefner", or only case differs
    tokens_a, tokens_b = a.split(), b.split()
    if len(tokens_a) != len(tokens_b):
        return False
    for word_a, word_b in zip(tokens_a, tokens_b, strict=True):
        if word_a != word_b and (word_a.isupper() or word_b.isupper()):
            return False  # "CEO Larry" and "COO Larry" are different titles, not spellings
    return same_name(a, b) and fuzz.ratio(plain_a, plain_b) >= _VARIANT_RATIO


def spelling_variants(texts: Iterable[tuple[str, str]]) -> list[NameVariants]:
    """Find names that different sources spell differently ("Erbil" in one, "Irbil" in another).

    A group is reported only when no source uses two of its spellings: an outlet writing both
    "Angels" and "Angeles" means two different things.

    Args:
        texts: (source, text) pairs, e.g. each article's body with its outlet.

    Returns:
        One entry per name, its spellings most widely used first, each with its sources.
    """
    sources = _spellings_by_source(texts)
    names = sorted(sources, key=lambda n: (-len(sources[n]), n))
    # Names that sound alike share a consonant skeleton (same_name requires it), so only names
    # in one bucket are compared: an event's hundreds of names cost no pairwise pass.
    buckets: dict[tuple[str, int], list[str]] = {}
    for name in names:
        buckets.setdefault((skeleton(name), len(name.split())), []).append(name)
    grouped: set[str] = set()
    found: list[NameVariants] = []
    for name in names:
        if name in grouped:
            continue
        bucket = buckets[(skeleton(name), len(name.split()))]
        group = [name] + [
            other for other in bucket if other not in grouped and _variant_pair(name, other)
        ]
        if len(group) < 2:
            continue
        users = [sources[n] for n in group]
        if sum(map(len, users)) != len(set().union(*users)):
            continue  # some source writes two of the spellings
        grouped.update(group)
        found.append(NameVariants(tuple(Spelling(n, tuple(sorted(sources[n]))) for n in group)))
    # A shorter group inside a longer one ("Hefner" inside "Hugh Hefner") says the same twice.
    return [
        v
        for v in found
        if not any(w is not v and all(_contained(s.name, w) for s in v.spellings) for w in found)
    ]


def _contained(name: str, variants: NameVariants) -> bool:
    return any(name in s.name and name != s.name for s in variants.spellings)
