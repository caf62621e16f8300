"""Tell what changed between two versions of an article, and whether it matters to a reader.

Sentences are aligned with ``difflib.SequenceMatcher`` over spelling-insensitive keys, so a
change of quotes, dashes, spacing, case or accents leaves a sentence equal. Boilerplate (datelines,
"Updated:" stamps, "Click here to subscribe", "Follow us on...", links) is dropped before the
comparison: such edits are never substantive and are never reported. A sentence split in two (or
two merged into one) with the same words is not a change either. Inside a replaced block a removed
and an added sentence that read alike form a ``Reworded`` pair; figures that differ between them
become ``FigureChange`` entries. A sentence that only moved is reported as removed from its old
place and added at its new one: moving a paragraph is an editorial change.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence

from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from bot.briefing.changes import summarize_diff
from bot.briefing.model import FigureChange, HeadlineChange, Reworded, Version, VersionDiff
from bot.briefing.numbers import CATEGORIES, Quantity, find_quantities
from bot.briefing.text import iter_sentences, normalize_space, split_sentences


def _split(words: str) -> list[str]:
    return words.split()


# Sentences at least this alike (rapidfuzz ratio, 0-100) are one sentence reworded.
REWORDED_MIN_SIMILARITY = 60.0
_MAX_RESPLIT = 16

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_KEY_TOKEN = re.compile(r"\d+(?:\.\d+)*|[^\W\d_]+", re.UNICODE)
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_DATELINE_ONLY = re.compile(
    r"^[A-Z][A-Z .,'’/&]{1,40}(?:\([^)]{1,30}\))?\s*[—–-]+\s*$"
    r"|^\(?[A-Z][A-Za-z .]{1,30}\)?\s*[—–-]+\s*$"
)
# "WASHINGTON —", "NEW YORK (Reuters) -": up to three capitalised words, only on a first sentence.
_DATELINE_PREFIX = re.compile(
    r"^[A-Z][A-Z.'’]*(?:[ ,/&]+[A-Z][A-Z.'’]*){0,2}(?:\s*\([^)]{1,30}\))?\s*[—–-]+\s*"
)
_COPYRIGHT_TAIL = re.compile(r"(?:copyright|©)\s*(?:\d{4})?.{0,80}$", re.IGNORECASE)
_STAMP = re.compile(
    r"^\W*(?:last\s+)?(?:updated|published|posted|modified|first published)\b.{0,80}$",
    re.IGNORECASE,
)
_TRACKING = re.compile(
    r"^\W*(?:click here|tap here|subscribe\b|sign up\b|follow us\b|follow our\b|share this\b"
    r"|share on\b|download (?:our|the) app|advertisement\b|sponsored\b|copyright\b|©"
    r"|all rights reserved|get our\b|join our\b|like us on\b)",
    re.IGNORECASE,
)
# Photo captions and credits: "(Office of the Supreme Leader via AP)", "Photo: Reuters",
# "FILE - In this photo...", "Image copyright Getty Images".
_CREDIT_TAIL = re.compile(
    r"\((?:[^()]{0,80}\bvia\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2}|AP Photo[^()]{0,60}|(?:photo|image|picture|credit)s?\b"
    r"[^()]{0,60}|[^()]{0,60}/\s*(?:AP|AFP|Reuters|Getty Images|EPA|Bloomberg))\)\W*$",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"^\W*(?:FILE\s*(?:PHOTO)?\s*[-–—:]|(?:photo|photograph|image|picture|video|credit|caption)"
    r"(?:\s+(?:copyright|caption|credit))?\s*[:|/]|image (?:copyright|caption)\b|media caption\b"
    r"|(?:in )?this (?:undated |handout |file )*(?:photo|image|picture|video(?: grab)?|frame grab)"
    r"\b(?! (?:shows|is)\b)(?=.{0,80}\b(?:released|provided|taken|made|shows?|obtained|posted|"
    r"distributed|made available)\b))",
    re.IGNORECASE,
)
_CREDIT_SUFFIX = re.compile(
    r"\b(?:photograph|photo|picture|image|credit)s?\s*:\s*[^.:]{2,60}$", re.IGNORECASE
)
# "By Jane Doe", "By Jane Doe and John Roe, Reuters", "Reporting by ...; Editing by ...".
_NOT_A_TIME = (
    r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April"
    r"|May|June|July|August|September|October|November|December|Noon|Midnight|Then|Now|Late|Early"
    r"|Dawn|Nightfall|Evening|Morning|Afternoon|Tonight|Today|Yesterday)\b)"
)
_NAME = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}"
_BYLINE = re.compile(
    rf"^\W*[Bb][Yy]\s+{_NOT_A_TIME}{_NAME}(?:\s*(?:,|and|&)\s*{_NAME}){{0,3}}"
    r"(?:\s*[,|/]\s*[A-Z][\w.'’&-]*(?:\s+[A-Z][\w.'’&-]*){0,4})?\W*$"
    r"|(?i:^\W*(?:additional\s+)?(?:reporting|writing|editing)\s+by\b)"
    r"|(?i:^[\w .'’-]{0,60}\b(?:contributed (?:to )?(?:this )?report(?:ing)?\b"
    r"|is an? [\w ]{0,30}(?:correspondent|reporter|writer) (?:for|at|with)\b))"
)
_RELATED = re.compile(
    r"^\W*(?:related|read more|more|see also|also read|watch|listen|recommended|more on this story"
    r"|read next|most read|trending)\s*(?:stories|articles|coverage)?\s*[:|»>-]",
    re.IGNORECASE,
)
_SHARE_WORDS = frozenset(
    _split("""share shares sharing tweet email e-mail print facebook twitter x whatsapp pinterest linkedin
    reddit messenger telegram copy link comment comments save this article on via sms flipboard
    menu close""")
)


_SHARE_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?|\d+")


def _is_share_bar(line: str) -> bool:
    """Tell a row of share buttons ("Share · Tweet · Email") from a sentence."""
    # At most 12 tokens, all share words: reading stops at the first that says otherwise.
    count = 0
    for match in _SHARE_TOKEN.finditer(line.lower()):
        count += 1
        if count > 12 or match.group() not in _SHARE_WORDS:
            return False
    return count > 0


def is_furniture(sentence: str) -> bool:
    """Tell a photo caption, credit, byline or share bar from article text."""
    stripped = sentence.strip()
    return bool(
        _CREDIT_TAIL.search(stripped)
        or _CREDIT_SUFFIX.search(stripped)
        or _CAPTION.match(stripped)
        or _BYLINE.match(stripped)
        or _is_share_bar(stripped)
    )


def is_related_link(sentence: str) -> bool:
    """Tell a "Related:" or "Read more:" pointer to another story."""
    return bool(_RELATED.match(sentence.strip()))


def _fold(text: str) -> str:
    if text.isascii():  # nothing to decompose, and casefold is lower there
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sentence_key(sentence: str) -> str:
    """Return what a sentence says, ignoring spacing, punctuation, case, accents and links."""
    text = _COPYRIGHT_TAIL.sub("", _URL.sub(" ", sentence))
    text = _THOUSANDS_COMMA.sub("", _fold(text))
    return "".join(_KEY_TOKEN.findall(text))


def _has_key(sentence: str) -> bool:
    """Tell whether ``sentence_key(sentence)`` is not empty, without building the key."""
    text = _COPYRIGHT_TAIL.sub("", _URL.sub(" ", sentence))
    return _KEY_TOKEN.search(_fold(text)) is not None


def is_boilerplate(sentence: str) -> bool:
    """Tell whether a sentence or line is a dateline, stamp, link, promotion, caption or byline."""
    stripped = sentence.strip()
    if not stripped:
        return True
    if _DATELINE_ONLY.match(stripped) or _TRACKING.match(stripped) or is_furniture(stripped):
        return True
    if _STAMP.match(stripped) and any(c.isdigit() for c in stripped):
        return True
    if "utm_" in stripped.lower() and len(stripped.split()) < 25:
        return True
    return not _has_key(stripped)


def content_sentences(text: str) -> list[str]:
    """Split text into sentences, leaving out boilerplate lines and sentences."""
    return list(_content_sentences(text, split_sentences))


def iter_content_sentences(text: str) -> Iterator[str]:
    """Yield ``content_sentences(text)`` one by one, splitting only as far as they are read."""
    return _content_sentences(text, iter_sentences)


def _content_sentences(text: str, split: Callable[[str], Iterable[str]]) -> Iterator[str]:
    # Boilerplate lines are dropped whole and each kept line is a paragraph of its own for the
    # sentence splitter (a blank line between them): the same as splitting them joined.
    first = True
    for line in text.splitlines():
        if is_boilerplate(line):
            continue
        for sentence in split(line):
            if is_boilerplate(sentence):
                continue
            if first:
                # A dateline opens an article; elsewhere capitals and a dash are ordinary text.
                sentence = _DATELINE_PREFIX.sub("", sentence, count=1) or sentence
                first = False
            yield sentence


def _resplit_length(keys_old: Sequence[str], keys_new: Sequence[str]) -> tuple[int, int] | None:
    """Return (a, b) when the first a old and b new sentences hold the same words, re-split."""
    a, b = 1, 1
    joined_old, joined_new = keys_old[0], keys_new[0]
    while joined_old != joined_new:
        if a + b > _MAX_RESPLIT + 1:
            return None
        if len(joined_old) < len(joined_new) and joined_new.startswith(joined_old):
            if a >= len(keys_old):
                return None
            joined_old += keys_old[a]
            a += 1
        elif len(joined_new) < len(joined_old) and joined_old.startswith(joined_new):
            if b >= len(keys_new):
                return None
            joined_new += keys_new[b]
            b += 1
        else:
            return None
    return a, b


def _drop_resplits(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """Remove sentences that were only split or merged, keeping the real changes in order."""
    keys_old = [sentence_key(s) for s in old]
    keys_new = [sentence_key(s) for s in new]
    left_old = [True] * len(old)
    left_new = [True] * len(new)
    for i in range(len(old)):
        for j in range(len(new)):
            if not (left_old[i] and left_new[j]):
                continue
            span = _resplit_length(keys_old[i:], keys_new[j:])
            if span is None or not all(left_new[j : j + span[1]]):
                continue
            for k in range(i, i + span[0]):
                left_old[k] = False
            for k in range(j, j + span[1]):
                left_new[k] = False
            break
    return (
        [s for s, keep in zip(old, left_old, strict=True) if keep],
        [s for s, keep in zip(new, left_new, strict=True) if keep],
    )


def _pair_reworded(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """Pair removed with added sentences that read alike, most alike first, one to one."""
    if not old or not new:
        return []
    scores = cdist(old, new, scorer=fuzz.ratio, processor=lambda s: _fold(str(s)))
    candidates = sorted(
        ((float(scores[i][j]), i, j) for i in range(len(old)) for j in range(len(new))),
        reverse=True,
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for score, i, j in candidates:
        if score < REWORDED_MIN_SIMILARITY:
            break
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((i, j))
    return sorted(pairs, key=lambda pair: pair[1])


def _figure(quantity: Quantity) -> tuple[float, float | None]:
    return quantity.low, quantity.high


def _figure_changes(
    old_quantities: list[Quantity], new_quantities: list[Quantity], sentence_of: list[str]
) -> list[FigureChange]:
    """Match figures counting the same thing; report those whose value changed."""
    unmatched_old = list(old_quantities)
    unmatched_new: list[int] = []
    for index, quantity in enumerate(new_quantities):
        same = next(
            (
                q
                for q in unmatched_old
                if q.about == quantity.about and _figure(q) == _figure(quantity)
            ),
            None,
        )
        if same is not None:
            unmatched_old.remove(same)
        else:
            unmatched_new.append(index)
    changes: list[FigureChange] = []
    for index in unmatched_new:
        quantity = new_quantities[index]
        before = next((q for q in unmatched_old if q.about == quantity.about), None)
        if before is None:
            continue
        unmatched_old.remove(before)
        changes.append(FigureChange(before.phrase, quantity.phrase, sentence_of[index]))
    return changes


def _headline_change(old: str, new: str) -> HeadlineChange | None:
    if sentence_key(old) == sentence_key(new):
        return None
    return HeadlineChange(normalize_space(old), normalize_space(new))


def diff_versions(old: Version, new: Version) -> VersionDiff:
    """Compare two versions of one article sentence by sentence.

    Args:
        old: The earlier version.
        new: The later version.
    """
    old_sentences = content_sentences(old.text)
    new_sentences = content_sentences(new.text)
    matcher = difflib.SequenceMatcher(
        a=[sentence_key(s) for s in old_sentences],
        b=[sentence_key(s) for s in new_sentences],
        autojunk=False,
    )
    added: list[str] = []
    removed: list[str] = []
    reworded: list[Reworded] = []
    figures: list[FigureChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        block_old, block_new = _drop_resplits(old_sentences[i1:i2], new_sentences[j1:j2])
        pairs = _pair_reworded(block_old, block_new)
        paired_old = {i for i, _ in pairs}
        paired_new = {j for _, j in pairs}
        for i, j in pairs:
            reworded.append(Reworded(block_old[i], block_new[j]))
            figures.extend(
                _figure_changes(
                    find_quantities(block_old[i]),
                    find_quantities(block_new[j]),
                    [block_new[j]] * len(find_quantities(block_new[j])),
                )
            )
        removed.extend(s for i, s in enumerate(block_old) if i not in paired_old)
        added.extend(s for j, s in enumerate(block_new) if j not in paired_new)
    # Links to other stories are compared like text, so that a line break after one is no change,
    # but adding or dropping one is none of the reader's business.
    added = [s for s in added if not is_related_link(s)]
    removed = [s for s in removed if not is_related_link(s)]
    removed, added, moved_rewordings = _pair_across_blocks(removed, added)
    reworded.extend(moved_rewordings)
    figures.extend(_loose_figure_changes(removed, added))
    headline_change = _headline_change(old.title, new.title)
    return VersionDiff(
        headline_change=headline_change,
        added=tuple(added),
        removed=tuple(removed),
        reworded=tuple(reworded),
        figures=tuple(figures),
        substantive=bool(headline_change or added or removed or reworded),
        summary=summarize_diff(headline_change, added, removed, reworded, figures),
    )


def _pair_across_blocks(
    removed: list[str], added: list[str]
) -> tuple[list[str], list[str], list[Reworded]]:
    """Pair a sentence reworded and moved ("…,” he said" → "…,” Ms. Roe said" further down).

    Sentences that only moved, word for word, stay removed and added: moving is an edit.
    """
    moved = {sentence_key(s) for s in removed} & {sentence_key(s) for s in added}
    old = [s for s in removed if sentence_key(s) not in moved]
    new = [s for s in added if sentence_key(s) not in moved]
    pairs = _pair_reworded(old, new)
    paired_old = {old[i] for i, _ in pairs}
    paired_new = {new[j] for _, j in pairs}
    return (
        [s for s in removed if s not in paired_old],
        [s for s in added if s not in paired_new],
        [Reworded(old[i], new[j]) for i, j in pairs],
    )


def _loose_figure_changes(removed: list[str], added: list[str]) -> list[FigureChange]:
    """Match key figures (deaths, missiles...) between removed and added sentences."""
    old_quantities = [q for s in removed for q in find_quantities(s) if q.about in CATEGORIES]
    new_pairs = [(q, s) for s in added for q in find_quantities(s) if q.about in CATEGORIES]
    return _figure_changes(old_quantities, [q for q, _ in new_pairs], [s for _, s in new_pairs])
