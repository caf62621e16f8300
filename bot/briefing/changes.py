"""Say in a few verbatim lines what one update of an article changed.

A reader gets, in this order and within ``MAX_LINES``: correction notes, the headline change,
revised figures (old → new, with who gives the new one), who made new statements with the one or
two that matter most quoted, a removed claim, then other new sentences that carry a figure or
open the update; the rest is counted as "+k more sentences". A sentence that only moved, or that
was reworded without a new figure, is not news; captions, credits and bylines never reach here
(``diff.content_sentences`` drops them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.briefing.claims import attribution
from bot.briefing.model import (
    Change,
    ChangeSummary,
    FigureChange,
    HeadlineChange,
    RevisedFigure,
    Reworded,
)
from bot.briefing.numbers import CATEGORIES, find_quantities
from bot.briefing.text import SPEECH_VERBS, normalize_space


def _split(words: str) -> list[str]:
    return words.split()


MAX_LINES = 6
"""Lines one update may take, its "+k more sentences" line included."""
BRIEF_UPDATES = 3
"""Updates a briefing shows; the rest are counted and left to the full history."""
MAX_FIGURES = 2
MAX_QUOTES = 2
MAX_SPEAKERS = 3

_CORRECTION = re.compile(
    r"^\W*(?:correction|clarification|editor['’]s note)\b"
    r"|\b(?:an? (?:earlier|previous) version of this (?:article|story|report)"
    r"|this (?:article|story|report) (?:has been|was) (?:corrected|amended|updated to correct))",
    re.IGNORECASE,
)
_QUOTE_MARKS = '“”"«»'
_SPEECH = "|".join(sorted(SPEECH_VERBS))
_NAME_WORD = r"(?:[A-Z](?:\.[A-Z])+\.?|[A-Z][\w'’-]*\.?|[A-Z]\.)"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"
_TITLES = frozenset(_split("Mr. Mrs. Ms. Dr. Mr Mrs Ms Dr Sir Dame Prof. President"))
_ROLE = (
    r"(?:spokes(?:man|woman|person)|official|minister|secretary|director|chief|head|adviser"
    r"|advisor|envoy|ambassador|commander|general|president|chairman|leader|governor|mayor"
    r"|analyst|professor|lawyer|attorney)"
)
# "Pentagon spokesman Jonathan Hoffman said", "said Jonathan Hoffman", "Hoffman said".
_ORG_ROLE_NAME = re.compile(
    rf"\b(?P<org>{_NAME}(?:\s+(?:ministry|department|office|police|army|government))?)"
    rf"\s+(?:press\s+)?{_ROLE}\s+(?P<name>{_NAME})"
)
_NAME_THEN_VERB = re.compile(rf"(?P<name>{_NAME})(?:,[^,]{{1,90}},)?\s+(?:{_SPEECH})\b")
_VERB_THEN_NAME = re.compile(rf"\b(?:{_SPEECH})\s+(?P<name>{_NAME})")
_ROLE_FOR_ORG = re.compile(
    rf"^,\s*(?:an?|the)\s+[\w\s-]{{0,40}}?{_ROLE}\s+(?:for|of|at|with)\s+(?:the\s+)?(?P<org>{_NAME})"
)
# Last words of the names of institutions, which are named whole.
_BODIES = frozenset(
    _split("""Organization Organisation Department Ministry Agency Office Council Committee Court Police
    Army Navy Government University Institute Service Commission Board Party Times News Post TV
    Television Agency Bureau Authority Guard Corps Pentagon Kremlin""")
)
_NOT_NAMES = frozenset(
    _split("""He She It They We I You This That There The A An But And In On At As When After Officials
    Police Witnesses Residents Critics Analysts Experts""")
)


def summarize_diff(
    headline_change: HeadlineChange | None,
    added: Sequence[str],
    removed: Sequence[str],
    reworded: Sequence[Reworded],
    figures: Sequence[FigureChange],
) -> ChangeSummary:
    """Choose the few lines that tell a reader what an update changed.

    Args:
        headline_change: the headline before and after, if it changed.
        added: sentences only in the new version, in order.
        removed: sentences only in the old version, in order.
        reworded: sentences rewritten between versions.
        figures: figures whose value changed.
    """
    moves = len(added)
    added, removed = _without_moves(list(added), list(removed))
    moves -= len(added)
    corrections = [s for s in added if _CORRECTION.search(s)]
    new = [s for s in added if s not in corrections]
    revised = [_revised(f) for f in _unique_figures(figures)]
    figure_sentences = {f.sentence for f in revised}
    statements = [s for s in new if _is_statement(s) and s not in figure_sentences]
    removed_claims = [s for s in removed if find_quantities(s) or _is_statement(s)]
    others = sorted(
        (s for s in new if s not in statements and s not in figure_sentences),
        key=lambda s: (not _has_key_figure(s), new.index(s)),
    )

    # One line stays free for "+k more sentences".
    budget = MAX_LINES - 1
    shown_corrections = corrections[:budget]
    budget -= len(shown_corrections)
    shown_headline = headline_change if headline_change and budget > 0 else None
    budget -= shown_headline is not None
    shown_figures = revised[: max(0, min(MAX_FIGURES, budget))]
    budget -= len(shown_figures)
    speakers: list[str] = []
    quotes: list[str] = []
    if statements and budget >= 2:
        speakers = _distinct_speakers(speaker_of(s) for s in statements)
        quotes = _most_important(statements, min(MAX_QUOTES, budget - 1))
        budget -= 1 + len(quotes)
    shown_removed = removed_claims[: 1 if budget > 0 else 0]
    budget -= len(shown_removed)
    changed_total = len(added) + len(removed) + len(reworded)
    # Reworded sentences whose figure is shown as revised are told already.
    told = len(shown_corrections) + len(quotes) + len(shown_removed)
    shown_sentences = {f.sentence for f in shown_figures}
    told += len(shown_sentences & ({r.new for r in reworded} | set(added)))
    left = changed_total - told
    shown_added = others[: max(0, budget)]
    budget -= len(shown_added)
    shown_moves = moves if budget > 0 and moves else 0
    budget -= bool(shown_moves)
    plain_rewordings = [r for r in reworded if r.new not in figure_sentences]
    shown_rewordings = plain_rewordings[: max(0, budget)]
    # Moved sentences are not in ``left``; those not shown as "moved" count as one each.
    more = max(0, left - len(shown_added) - len(shown_rewordings)) + moves - shown_moves
    return ChangeSummary(
        headline=shown_headline,
        figures=tuple(shown_figures),
        speakers=tuple(speakers[:MAX_SPEAKERS]),
        quotes=tuple(quotes),
        added=tuple(shown_added),
        removed=tuple(shown_removed),
        rewordings=tuple(shown_rewordings),
        corrections=tuple(shown_corrections),
        moved=shown_moves,
        more_sentences=more,
    )


def _key(sentence: str) -> str:
    return "".join(ch for ch in sentence.casefold() if ch.isalnum())


def _without_moves(added: list[str], removed: list[str]) -> tuple[list[str], list[str]]:
    """Drop the sentences that only moved: removed from one place, added at another."""
    removed_keys = [_key(s) for s in removed]
    kept_added: list[str] = []
    for sentence in added:
        key = _key(sentence)
        if key in removed_keys:
            index = removed_keys.index(key)
            removed_keys[index] = ""
            removed[index] = ""
            continue
        kept_added.append(sentence)
    return kept_added, [s for s in removed if s]


def _unique_figures(figures: Sequence[FigureChange]) -> list[FigureChange]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for figure in figures:
        if (figure.old, figure.new) not in seen:
            seen.add((figure.old, figure.new))
            unique.append(figure)
    return unique


def _revised(figure: FigureChange) -> RevisedFigure:
    """Attach who gives the new figure, using the sentence it stands in."""
    who = None
    for quantity in find_quantities(figure.sentence):
        if quantity.phrase == figure.new:
            who = attribution(
                figure.sentence, quantity.start, max(quantity.end, quantity.phrase_end)
            )
            break
    return RevisedFigure(figure.old, figure.new, who, figure.sentence)


def _has_key_figure(sentence: str) -> bool:
    return any(q.about in CATEGORIES for q in find_quantities(sentence))


def _is_statement(sentence: str) -> bool:
    """Tell a sentence that reports what someone said: a quotation or a speech verb."""
    if any(mark in sentence for mark in _QUOTE_MARKS):
        return True
    return bool(re.search(rf"\b(?:{_SPEECH})\b", sentence))


def _most_important(statements: Sequence[str], count: int) -> list[str]:
    """Return the ``count`` statements that matter most, in article order.

    Direct quotations first, then those with a key figure, then those with a named speaker;
    earlier sentences win ties: an update puts its news first.
    """
    ranked = sorted(
        statements,
        key=lambda s: (
            not any(mark in s for mark in _QUOTE_MARKS),
            not _has_key_figure(s),
            speaker_of(s) is None,
            statements.index(s),
        ),
    )
    chosen = set(ranked[: max(0, count)])
    return [s for s in statements if s in chosen]


def _distinct_speakers(names: Iterable[str | None]) -> list[str]:
    """Return each speaker once, in the first form given ("Kasprisin (T.S.A.)" over "Kasprisin")."""
    seen: dict[str, str] = {}
    for name in names:
        if name:
            seen.setdefault(name.split(" (", 1)[0], name)
    return list(seen.values())


def _surname(name: str) -> str | None:
    parts = [p for p in name.split() if p not in _TITLES]
    if len(parts) > 1 and parts[-1] in _BODIES:
        # "World Health Organization", "The Labor Department": institutions are named whole.
        return " ".join(parts[1:] if parts[0] in ("The", "A", "An") else parts)
    if not parts or parts[0] in _NOT_NAMES:
        return None
    return parts[-1].rstrip(".,") if len(parts) > 1 or not parts[0].endswith(".") else None


def _without_full_stop(name: str) -> str:
    """Drop a sentence's full stop from a name, keeping an abbreviation's ("T.S.A.")."""
    return name if re.search(r"\b[A-Z]\.(?:[A-Z]\.)+$", name) else name.rstrip(".")


def speaker_of(sentence: str) -> str | None:
    """Return who a statement is by, as written: "Hoffman (Pentagon)", "Cohen", or None."""
    text = normalize_space(sentence)
    org_role = _ORG_ROLE_NAME.search(text)
    if org_role:
        org = " ".join(w for w in org_role["org"].split() if w not in _NOT_NAMES)
        name = _surname(org_role["name"])
        if name and org:
            return f"{name} ({org})"
    for pattern in (_VERB_THEN_NAME, _NAME_THEN_VERB):
        for match in pattern.finditer(text):
            name = _surname(match["name"])
            if name is None:
                continue
            role = _ROLE_FOR_ORG.match(text[match.end("name") :])
            if role:
                return f"{name} ({_without_full_stop(role['org'])})"
            return name
    return None


def _weight(change: Change) -> tuple[int, int, int]:
    summary = change.diff.summary
    return (
        len(summary.corrections) + len(summary.figures),
        (summary.headline is not None) + bool(summary.speakers or summary.quotes),
        summary.line_count,
    )


def updates_to_brief(
    changes: Sequence[Change], limit: int = BRIEF_UPDATES
) -> tuple[list[Change], int]:
    """Return the substantive updates a briefing shows, in their order, and how many it leaves out.

    Corrections and revised figures first, then a new headline or statements, then the longest.

    Args:
        changes: an event's version changes.
        limit: how many updates to show at most.
    """
    substantive = [c for c in changes if c.diff.substantive]
    ranked = sorted(range(len(substantive)), key=lambda i: _weight(substantive[i]), reverse=True)
    chosen = sorted(ranked[:limit])
    return [substantive[i] for i in chosen], max(0, len(substantive) - limit)
