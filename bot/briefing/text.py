"""Text primitives shared by the core: sentences, words, stems, stop words."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from syntok import segmenter

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SPACE = re.compile(r"\s+")

_STOP_WORD_LIST = """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    said says say told according one two new also mr mrs ms its it's would could may might must
    shall us via per"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORD_LIST.split())

_stemmer = snowballstemmer.stemmer("english")


def normalize_space(text: str) -> str:
    """Collapse runs of white space and normalise Unicode to NFC."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


# Titles that syntok takes for a sentence end ("South Dakota Gov." | "Kristi Noem said").
_TITLE_END = re.compile(
    r"\b(?:Gov|Sen|Rep|Gen|Lt|Col|Sgt|Capt|Cmdr|Adm|Maj|Cpl|Pvt|Gens|Sens|Reps|Rev|Prof|Mt|Ft|Supt|Insp)\.$"
)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences with syntok, keeping the original spelling of each."""
    sentences: list[str] = []
    for paragraph in segmenter.analyze(text):
        glue = False
        for sentence in paragraph:
            joined = normalize_space("".join(t.spacing + t.value for t in sentence))
            if not joined:
                continue
            if glue and sentences:
                sentences[-1] = f"{sentences[-1]} {joined}"
            else:
                sentences.append(joined)
            glue = bool(_TITLE_END.search(sentences[-1]))
    return sentences


def words(text: str) -> list[str]:
    """Return the words of ``text`` in order, as written."""
    return _WORD.findall(text)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the lower-cased Snowball stem of one word."""
    return str(_stemmer.stemWord(word.lower()))


def content_stems(text: str) -> list[str]:
    """Return the stems of the non-stop words of ``text``."""
    return [stem(w) for w in words(text) if w.lower() not in STOP_WORDS and len(w) > 1]
