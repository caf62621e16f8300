"""Text primitives shared by the core: sentences, words, stems, stop words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

import snowballstemmer
from syntok import segmenter
from syntok.tokenizer import Token

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


def _split(words: str) -> list[str]:
    return words.split()


def normalize_space(text: str) -> str:
    """Collapse runs of white space and normalise Unicode to NFC."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


# Titles that syntok takes for a sentence end ("South Dakota Gov." | "Kristi Noem said").
_TITLE_END = re.compile(
    r"\b(?:Gov|Sen|Rep|Gen|Lt|Col|Sgt|Capt|Cmdr|Adm|Maj|Cpl|Pvt|Gens|Sens|Reps|Rev|Prof|Mt|Ft|Supt|Insp)\.$"
)


SPEECH_VERBS: frozenset[str] = frozenset(
    _split("""said says say told tells asked asks added adds wrote writes tweeted posted declared
    insisted replied explained stated continued recalled warned announced shouted noted""")
)
"""Verbs that report what someone said."""
# A sentence that is only the speaker of the quotation before it: "Trump said on Twitter.",
# "he added", "— the minister, on Friday".
_SPEECH = "|".join(sorted(SPEECH_VERBS))
_SPEAKER_TAIL = re.compile(
    rf"^(?:[—–-]\s*\S|(?:[\w.'’-]+,?\s+){{0,4}}(?:{_SPEECH})\b|(?:{_SPEECH})\b|[a-z])"
)
_OPEN_QUOTES = "“«"
_CLOSE_QUOTES = "”»"
# How far a quotation may run on before the sentence that closes it: further than this, an
# unmatched straight quote is more likely a stray mark than a long quotation.
_MAX_QUOTED_SENTENCES = 3
_MAX_QUOTED_CHARS = 450


# A straight double quote after a digit is an inch mark (a 17" screen), not a quotation.
_INCH = re.compile(r'(?<=\d)"')


def _leaves_quotation_open(text: str) -> bool:
    """Tell whether ``text`` opens a quotation that it does not close."""
    curly = sum(text.count(q) for q in _OPEN_QUOTES) - sum(text.count(q) for q in _CLOSE_QUOTES)
    return curly > 0 or _INCH.sub("", text).count('"') % 2 == 1


def _reattach_closing_quotes(sentences: Iterable[str]) -> Iterator[str]:
    """Give a closing quote that starts a sentence back to the quotation it closes."""
    last: str | None = None
    for sentence in sentences:
        mark = sentence[:1]
        # A mark standing alone ("… ” Then") closes; one touching a word ("“Then) opens.
        alone = sentence[1:2] in ("", " ")
        if (
            last is not None
            and alone
            and mark in _CLOSE_QUOTES + '"'
            and _leaves_quotation_open(last)
        ):
            last = f"{last} {mark}"  # syntok splits there only after a space
            sentence = sentence[1:].lstrip()
            if not sentence:
                continue
        if last is not None:
            yield last
        if _leaves_quotation_open(sentence):
            last = sentence  # the next sentence may close its quotation
        else:
            last = None
            yield sentence
    if last is not None:
        yield last


def _ends_quotation(sentence: str) -> bool:
    """Tell whether a sentence ends on a quotation: "…well!”" or "“All is well!" left open."""
    stripped = sentence.rstrip()
    if stripped[-1:] in _CLOSE_QUOTES or stripped.endswith('"'):
        return True
    return _leaves_quotation_open(stripped) and stripped[-1:] in "!?.…"


class _Ahead:
    """The items of an iterator, drawn from it only as far as they are looked at."""

    def __init__(self, items: Iterator[str]) -> None:
        self._items = items
        self._seen: list[str] = []

    def has(self, index: int) -> bool:
        """Tell whether there is an item at ``index``, drawing up to it."""
        while len(self._seen) <= index:
            item = next(self._items, None)
            if item is None:
                return False
            self._seen.append(item)
        return True

    def __getitem__(self, index: int) -> str:
        return self._seen[index]

    def between(self, start: int, stop: int) -> list[str]:
        """Return the items from ``start`` up to ``stop`` (all drawn already)."""
        return self._seen[start:stop]


def _keep_quotations(pieces: Iterator[str]) -> Iterator[str]:
    """Join a quotation running over several sentences, and a quotation with its speaker.

    Lazily: a sentence is given as soon as the few after it that could join it are read.
    """
    sentences = _Ahead(_reattach_closing_quotes(pieces))
    i = 0
    while sentences.has(i):
        current = sentences[i]
        i += 1
        if _leaves_quotation_open(current):
            # Join up to the sentence that closes the quotation, if one closes it soon.
            k = i
            while k < i + _MAX_QUOTED_SENTENCES and sentences.has(k):
                candidate = " ".join([current, *sentences.between(i, k + 1)])
                if len(candidate) > _MAX_QUOTED_CHARS:
                    break
                if not _leaves_quotation_open(candidate):
                    current, i = candidate, k + 1
                    break
                k += 1
        if _ends_quotation(current) and sentences.has(i) and _SPEAKER_TAIL.match(sentences[i]):
            current = f"{current} {sentences[i]}"
            i += 1
        yield current


def split_sentences(text: str) -> list[str]:
    """Split text into sentences with syntok, keeping the original spelling of each.

    A quotation stays one sentence with its speaker: "“All is well!” Trump said." is one.
    """
    return list(_sentences(text))


def iter_sentences(text: str) -> Iterator[str]:
    """Yield the sentences ``split_sentences`` gives, splitting the text only as far as read.

    The headline reads an article's first sentences only: syntok is most of its cost.
    """
    for paragraph in segmenter.analyze(text):
        yield from _keep_quotations(_glue_titles(paragraph))


def _glue_titles(paragraph: Iterable[list[Token]]) -> Iterator[str]:
    """Yield a paragraph's syntok sentences, a sentence ending on a title joined to the next."""
    piece: str | None = None
    for sentence in paragraph:
        joined = normalize_space("".join(t.spacing + t.value for t in sentence))
        if not joined:
            continue
        if piece is not None:
            joined = f"{piece} {joined}"
        if _TITLE_END.search(joined):
            piece = joined  # the next sentence goes on from this one
        else:
            piece = None
            yield joined
    if piece is not None:
        yield piece


# An article just stored is split for its claims and again for its headline profile; syntok
# is most of the cost of either, so the last few texts' sentences are kept.
@lru_cache(maxsize=1024)
def _sentences(text: str) -> tuple[str, ...]:
    return tuple(iter_sentences(text))


def words(text: str) -> list[str]:
    """Return the words of ``text`` in order, as written."""
    return _WORD.findall(text)


# About 200 bytes an entry: the common words of a long stream, not every name and typo in it.
@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """Return the lower-cased Snowball stem of one word."""
    return str(_stemmer.stemWord(word.lower()))


def content_stems(text: str) -> list[str]:
    """Return the stems of the non-stop words of ``text``."""
    return [stem(w) for w in words(text) if w.lower() not in STOP_WORDS and len(w) > 1]
