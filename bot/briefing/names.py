"""Fold spelling variants of names so they do not split: Erbil/Irbil, Soleimani/Suleimani."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import fuzz


def _split(words: str) -> list[str]:
    return words.split()


# Letters that transliterations swap freely: e/i/y, o/u, q/k, ph/f.
_TRANSLIT = (("ph", "f"), ("ou", "u"), ("ee", "i"), ("q", "k"), ("c", "k"))
_VOWEL_CLASS = str.maketrans({"e": "i", "y": "i", "o": "u"})
_DOUBLE = re.compile(r"(.)\1+")
_NAME = re.compile(r"\b[A-Z][\w’'-]*(?:[ -](?:al|el|bin|ibn|de|van|von|[A-Z][\w’'-]*))*\b")
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
