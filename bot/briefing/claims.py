"""Pull attributed figures out of articles and show where an event's sources differ.

Rules for ``compare_claims`` (what a reader is told):

- Claims are grouped by ``about``. A "no casualties" claim (value 0) also joins the ``killed`` and
  ``injured`` groups when those exist, so "none" is set against any positive death or injury count;
  a positive "casualties" figure stays in its own group, since it mixes dead and wounded.
- Two claims carry the *same figure* when their normalised ranges are equal ("15" and "fifteen",
  "no" and "none"). Approximations ("about 80") count as the figure they approximate.
- **conflict**: a group holds at least two different figures coming from different sources or
  different attributions. Every distinct figure is listed, even when one range contains another
  ("more than a dozen", 15 and 22 are three figures), because the reader should see who said what.
  For generic counted nouns ("two bases") a conflict needs two different sources.
- **agreement**: one figure backed by two or more sources.
- **single_source**: a significant figure (deaths, injuries, missiles, troops, money...) that
  only one source carries.

A figure is never invented: ``Claim.value`` is always text as written in ``Claim.sentence``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from bot.briefing.model import Claim, Difference, DifferenceKind
from bot.briefing.numbers import CATEGORIES, find_quantities
from bot.briefing.scope import before_event, event_day, figure_day, figure_scope
from bot.briefing.text import normalize_space, split_sentences


def _split(words: str) -> list[str]:
    return words.split()


# Verbs that introduce a speaker. Words that double as plural nouns ("states", "reports",
# "claims") are left out: "serves 14 states" must not read as an attribution.
_SPEECH_VERBS = frozenset(
    _split(
        """said says say told tells reported confirmed confirms claimed announced announces
        stated added estimated insisted insists acknowledged admitted admits denied suggested
        showed warned warns indicated accused accuses"""
    )
)
# Speech verbs that are plural nouns too: only a speaker's verb when they close the sentence
# (", the Washington Post reports.").
_CLOSING_SPEECH_VERBS = frozenset(_split("reports claims"))
# Speech verbs that also take a thing as object: "employers added 943,000 jobs" says nothing.
_OBJECT_VERBS = frozenset(_split("added adds"))
_BEFORE_ADJECTIVE = frozenset(_split("the a an previous previously unconfirmed widely other first"))
_PASSIVE = frozenset(_split("was were is are be been being has have had"))
# Words of a finite verb: after "said" they begin what was said, not who said it.
_FINITE = _PASSIVE | frozenset(_split("will would could should can may might must"))
_SUBJECT_STOP = frozenset(
    _split("""that but and or while which who whom as because after before when where if than so though
    although whereas since until with in on at""")
)
_SUBORDINATORS = frozenset(_split("after before because when since although though if unless"))
_PRONOUNS = frozenset(_split("he she it they we i you this there"))
_NOT_SPEAKERS = frozenset(
    _split("casualties fatalities deaths injuries dead injured killed damage")
)
# "Officials in Lagos", "doctors at the clinic": a speaker placed by a preposition.
_PLACE_LINKS = frozenset(_split("in at"))
_SPEAKER_NOUNS = frozenset(
    _split(
        """officials official doctors doctor police authorities witnesses residents hospital
        hospitals clinic spokesman spokeswoman spokesperson director officers medics rescuers
        sources source paramedics nurses investigators prosecutors workers staff volunteers"""
    )
)
_TIME_WORDS = frozenset(
    _split("""later also earlier initially separately previously then first again now already
    yesterday today tonight""")
)
# "Florida on Sunday reported": a day between the speaker and the verb is not the speaker.
_DAYS = frozenset(
    _split("monday tuesday wednesday thursday friday saturday sunday night morning evening")
)
_DAY_LEADS = frozenset(_split("on late early last this"))
_CLAUSE_BREAK = re.compile(r";|,\s*(?:but|while|whereas)\b|\s(?:but|while|whereas)\s|\s—\s")
# Words keep inner dots, apostrophes, hyphens and ampersands: "U.N.", "O'Brien", "AT&T".
_WORD_TOKEN = re.compile(r"[^\W_]+(?:[.'’&-][^\W_]+)*\.?|[^\w\s]", re.UNICODE)
_TITLES = frozenset(_split("Mr Mrs Ms Dr Gov Sen Rep Sgt Capt Lt Col Gen Maj Prof St Rev Det Insp"))
_ABBREVIATION = re.compile(r"(?:[A-Za-z]\.){2,}|(?:Co|Inc|Corp|Ltd|Jr|Sr|Bros)\.")
_ATTRIBUTION_SYNONYMS = (
    ("television", "tv"),
    ("defense", "defence"),
    ("ministry of defence", "defence ministry"),
    ("officials", "official"),
)
_IMPORTANT = {name: rank for rank, name in enumerate(CATEGORIES)}
_ACCORDING = re.compile(r"\baccording to ([^,;.]+(?:\.[A-Z][^,;.]*)*)", re.IGNORECASE)


def extract_claims(
    text: str,
    *,
    source: str,
    article_id: int = 0,
    title: str = "",
    version: int = 1,
    at: datetime | None = None,
) -> list[Claim]:
    """Return every attributed figure in an article, headline first.

    Args:
        text: The article body.
        source: The outlet the article comes from.
        article_id: The article's id, kept on each claim.
        title: The headline; its figures are claims too, unattributed unless it says who.
        version: The article version the text is from.
        at: When that version was published or updated.
    """
    claims: list[Claim] = []
    seen: set[tuple[str, float | None, float | None, str | None, str]] = set()
    headline = [normalize_space(title)] if title.strip() else []
    sentences = headline + split_sentences(text)
    for index, sentence in enumerate(sentences):
        in_headline = bool(headline) and index == 0
        for claim in sentence_claims(
            sentence,
            source=source,
            article_id=article_id,
            version=version,
            at=at,
            in_headline=in_headline,
            previous="" if index == 0 or (headline and index == 1) else sentences[index - 1],
        ):
            key = (claim.about, claim.low, claim.high, claim.attributed_to, sentence)
            if key not in seen:
                seen.add(key)
                claims.append(claim)
    return claims


def sentence_claims(
    sentence: str,
    *,
    source: str,
    article_id: int = 0,
    version: int = 1,
    at: datetime | None = None,
    in_headline: bool = False,
    previous: str = "",
) -> list[Claim]:
    """Return the figures of one sentence, each with its speaker and scope.

    ``previous`` is the sentence before it, which may tell that this one goes on about an
    earlier event ("It killed 612 people").
    """
    claims = []
    for quantity in find_quantities(sentence):
        end = max(quantity.end, quantity.phrase_end)
        claims.append(
            Claim(
                about=quantity.about,
                value=quantity.value,
                low=quantity.low,
                high=quantity.high,
                source=source,
                attributed_to=attribution(sentence, quantity.start, end),
                sentence=sentence,
                article_id=article_id,
                scope=figure_scope(
                    sentence,
                    quantity.start,
                    quantity.end,
                    end,
                    year=at.year if at else None,
                    month=at.month if at else None,
                    previous=previous,
                ),
                version=version,
                at=at,
                in_headline=in_headline,
                on=figure_day(sentence, quantity.start, end, at),
            )
        )
    return claims


# --- who said it ------------------------------------------------------------------------------


def _clause_bounds(sentence: str, start: int) -> tuple[int, int]:
    """Return the span of the clause holding offset ``start``."""
    clause_start, clause_end = 0, len(sentence)
    for match in _CLAUSE_BREAK.finditer(sentence):
        if match.end() <= start:
            clause_start = match.end()
        elif match.start() >= start:
            clause_end = match.start()
            break
    return clause_start, clause_end


def _subject_before(tokens: list[re.Match[str]], verb: int, min_start: int = 0) -> str | None:
    """Return the noun phrase just before a speech verb: "the defence ministry" confirmed."""
    k = verb - 1
    if k >= 0 and tokens[k].group().lower() in ("a", "an", "the"):
        return None  # "an estimated $1 million", "the reported offer": an adjective, not a verb
    while k >= 0 and (tokens[k].group().lower() in _TIME_WORDS or tokens[k].group().endswith("ly")):
        k -= 1
    while k >= 0 and tokens[k].group().lower() in _DAYS:
        k -= 1
        while k >= 0 and tokens[k].group().lower() in _DAYS | _DAY_LEADS:
            k -= 1
    if k >= 0 and tokens[k].group().lower() in _PASSIVE:
        return None
    words_: list[re.Match[str]] = []
    while k >= 0 and len(words_) < 7 and tokens[k].start() >= min_start:
        word = tokens[k].group()
        # "Howard said other jurors told him": the nearest reporting verb's subject speaks
        if (
            word.lower() in _PLACE_LINKS
            and words_
            and k > 0
            and tokens[k - 1].group().lower() in _SPEAKER_NOUNS
            and tokens[k - 1].start() >= min_start
        ):
            # "Doctors in Lagos said", "the head of the clinic in Ikeja told": the
            # place says where the speaker is, it is not the speaker.
            words_.insert(0, tokens[k])
            k -= 1
            continue
        if not word[0].isalpha() or word.lower() in _SUBJECT_STOP or word.lower() in _SPEECH_VERBS:
            break
        # "... for 101 yards. Ratliff said": the sentence before ends at its full stop
        stop = word.endswith(".") and word.rstrip(".") not in _TITLES
        if words_ and stop and not _ABBREVIATION.fullmatch(word):
            break
        words_.insert(0, tokens[k])
        k -= 1
    while words_ and words_[0].group().lower() in ("the", "of", "for"):
        words_.pop(0)
    if not words_ or words_[-1].group().lower() in _PRONOUNS:
        return None  # "he", and "had you told me": an inverted auxiliary, no speaker named
    if words_[-1].group().lower() in _NOT_SPEAKERS:
        return None  # "no casualties or fatalities confirmed": what was confirmed, not who
    return " ".join(w.group() for w in words_)


def _is_name(phrase: str) -> bool:
    return all(w[:1].isupper() for w in phrase.split() if w.lower() not in ("of", "al", "el", "de"))


def _appositive_subject(tokens: list[re.Match[str]], verb: int, min_start: int) -> str | None:
    """Return the speaker of "Mr Lang, the county commissioner, said": the name of the two."""
    if verb < 2 or tokens[verb - 1].group() != ",":
        return None
    comma = next(
        (
            j
            for j in range(verb - 2, max(-1, verb - 22), -1)
            if not tokens[j].group()[0].isalnum() or tokens[j].start() < min_start
        ),
        None,
    )
    if comma is None or tokens[comma].group() != "," or tokens[comma].start() < min_start:
        return None
    inner = [t.group() for t in tokens[comma + 1 : verb - 1]]
    while inner and inner[0].lower() in ("the", "a", "an"):
        inner.pop(0)
    appositive = " ".join(inner)
    head = _subject_before(tokens, comma, min_start)
    if head is not None and _is_name(head):
        return head
    if appositive and _is_name(appositive):
        return appositive
    return head or appositive or None


def _speaker_before_told(tokens: list[re.Match[str]], verb: int, min_start: int) -> str | None:
    """Return the speaker of "..., Ema Suryani, a doctor at a clinic, told AFP": the name first."""
    parts: list[list[str]] = [[]]
    for token in tokens[:verb]:
        if token.start() < min_start:
            continue
        if token.group() == ",":
            parts.append([])
        elif token.group()[0].isalnum():
            parts[-1].append(token.group())
    phrases = [" ".join(p) for p in parts if p]
    named = [p for p in phrases if _is_name(p)]
    chosen = named or phrases
    return chosen[0] if chosen else None


def _relative_subject(tokens: list[re.Match[str]], verb: int, subject: str) -> str:
    """Return "an American activist" for "an American activist who spoke to ... later said"."""
    for k in range(verb - 1, max(-1, verb - 12), -1):
        word = tokens[k].group()
        if not word[0].isalnum():
            break
        if word.lower() == "who":
            head = _subject_before(tokens, k)
            return head if head is not None else subject
    return subject


def _trim(speaker: str) -> str:
    """Drop a sentence's full stop from a speaker, but not an abbreviation's ("the U.N.")."""
    last = speaker.rsplit(" ", 1)[-1]
    return speaker if _ABBREVIATION.fullmatch(last) else speaker.rstrip(".")


def _object_after(tokens: list[re.Match[str]], verb: int) -> str | None:
    """Return the speaker after an inverted verb: ", said a spokesman for the army"."""
    words_: list[str] = []
    k = verb + 1
    # A speaker starts with a name or an article: ", said a spokesman", ", said Sutopo Purwo".
    first = tokens[verb + 1].group() if verb + 1 < len(tokens) else ""
    second = tokens[verb + 2].group() if verb + 2 < len(tokens) else ""
    # "said doctor Ema Suryani", "said national agency spokesman Budi Santoso": a title in
    # lower case before a name
    ahead = []
    for token in tokens[verb + 1 : verb + 6]:
        if not token.group()[0].isalnum():
            break
        ahead.append(token.group())
    named = any(word[:1].isupper() for word in ahead)
    if not (named or first[:1].isupper() or second[:1].isupper()) and first.lower() not in (
        "a",
        "an",
        "the",
    ):
        return None
    while k < len(tokens) and len(words_) < 10:
        word = tokens[k].group()
        if not word[0].isalnum() or word.lower() in ("that", "on", "in", "at", "who", "which"):
            break
        if word.lower() in _FINITE:
            # ", said the strikes were needed": what was said follows, not who said it
            return None
        words_.append(word)
        k += 1
    while words_ and words_[0].lower() == "the":
        words_.pop(0)
    if not words_ or words_[0].lower() in _PRONOUNS:
        return None
    return _trim(" ".join(words_))


def _speech_verbs(tokens: list[re.Match[str]]) -> list[int]:
    """Return the indexes of the tokens that introduce a speaker."""
    found = []
    for k, token in enumerate(tokens):
        word = token.group().lower().rstrip(".")
        after = tokens[k + 1].group() if k + 1 < len(tokens) else "."
        inverted = k > 0 and tokens[k - 1].group() in (",", "”", '"')
        has_object = (after[:1].isalnum() or after == "$") and after != "that"
        if word in _OBJECT_VERBS and has_object and not inverted:
            continue  # "added 90,000 jobs": a verb with an object, not a speaker's
        ahead = {t.group().lower().rstrip(".") for t in tokens[k + 1 : k + 6]}
        if word == "claimed" and ahead & {"lives", "life", "victims"}:
            continue  # "the blaze claimed 13 lives": the fire took them, it said nothing
        closing = all(not t.group()[:1].isalnum() for t in tokens[k + 1 :])
        # "according to local media reports": the reports are the speaker, not a verb
        according = [t.group().lower() for t in tokens[max(0, k - 6) : k]]
        if closing and "according" in according:
            continue
        # "previous reported abuses", "the reported attack": a participle before its noun
        before = tokens[k - 1].group().lower() if k > 0 else ""
        if word == "reported" and before in _BEFORE_ADJECTIVE and after[:1].islower():
            continue
        if word in _SPEECH_VERBS or (word in _CLOSING_SPEECH_VERBS and closing):
            found.append(k)
    return found


def _inverted_speaker(tokens: list[re.Match[str]], verb: int) -> bool:
    """Tell whether "said" follows a comma or quote and a speaker follows it (not a day)."""
    if verb == 0 or verb + 1 >= len(tokens) or tokens[verb - 1].group() not in (",", "”", '"'):
        return False
    after = tokens[verb + 1].group()
    return (
        tokens[verb].group().lower() in ("said", "says")
        and not after[:1].isdigit()
        and after.lower() not in _DAYS
        and after.lower() not in _TIME_WORDS
    )


def attribution(sentence: str, start: int, end: int) -> str | None:
    """Return who a figure at ``sentence[start:end]`` is attributed to, as written, or None."""
    # "..., according to three officials": the figure counts the sources, nobody gave it
    if any(m.start(1) <= start < m.end(1) for m in _ACCORDING.finditer(sentence)):
        return None
    clause_start, clause_end = _clause_bounds(sentence, start)
    tokens = list(_WORD_TOKEN.finditer(sentence))
    verbs = [k for k in _speech_verbs(tokens) if clause_start <= tokens[k].start() < clause_end]
    # A speaker before the figure in the same clause: "Iraq said 22".
    for k in reversed([k for k in verbs if tokens[k].end() <= start]):
        # "..., said witness Ann Lee, who had her two sons with her": the speaker follows
        if _inverted_speaker(tokens, k):
            inverted = _object_after(tokens, k)
            if inverted is not None and inverted.split()[-1][:1].isupper():
                return _trim(inverted)
        subject = _subject_before(tokens, k)
        if subject is not None:
            return _trim(_relative_subject(tokens, k, subject))
        subject = _appositive_subject(tokens, k, clause_start)
        if subject is not None:
            return _trim(subject)
    # A speaker after it: "..., Iraq said." or "..., said a spokesman."
    for k in [k for k in verbs if tokens[k].start() >= end]:
        before = tokens[k - 1].group() if k > 0 else ""
        # The speaker must follow the figure: "60 people reported" names no speaker.
        subject = None if before in (",", "”", '"') else _subject_before(tokens, k, end)
        # "shot a man after police say he drew": the speaker of a later clause
        between = {t.group().lower() for t in tokens if end <= t.start() < tokens[k].start()}
        if subject is not None and between & _SUBORDINATORS:
            subject = None
        if subject is None and before in (",", "”", '"'):
            # "..., a doctor, told AFP": whom it was told is not who said it
            told = tokens[k].group().lower() in ("told", "tells")
            subject = _speaker_before_told(tokens, k, end) if told else _object_after(tokens, k)
        if subject is not None:
            return _trim(subject)
    # A closing attribution speaks for the whole sentence: "..., but escaped, the chief told reporters."
    final = [k for k in _speech_verbs(tokens) if tokens[k].start() >= end and len(tokens) - k <= 4]
    for k in final:
        subject = _subject_before(tokens, k, end)
        if subject is not None:
            return _trim(subject)
    according = _ACCORDING.search(sentence)
    if according:
        speaker = re.sub(r"^the\s+", "", according.group(1).strip(), flags=re.IGNORECASE)
        return speaker or None
    return None


def attribution_key(attributed_to: str | None) -> str:
    """Fold spellings of one speaker together: "State television" and "state TV"."""
    if attributed_to is None:
        return ""
    key = " ".join(attributed_to.lower().replace("’", "'").split())
    for old, new in _ATTRIBUTION_SYNONYMS:
        key = key.replace(old, new)
    return re.sub(r"^(?:the|a|an)\s+", "", key)


# --- comparing sources ----------------------------------------------------------------------

# Counts that only grow (or get revised) as a story unfolds: a later, different figure is news,
# not a contradiction.
CUMULATIVE = frozenset(
    {"killed", "injured", "casualties", "missing", "arrested", "evacuated", "displaced"}
)
# Reports this close together are "about the same time": their differences are conflicts.
SAME_TIME = timedelta(hours=3)


def _figure(claim: Claim) -> tuple[float | None, float | None]:
    return claim.low, claim.high


def _significant(about: str) -> bool:
    return about in _IMPORTANT or about.startswith("money")


def _overlap(a: Claim, b: Claim) -> bool:
    """Tell whether two figures can both be true ("at least 12" and "12", "15" and "15 or 16")."""
    if a.low is None or b.low is None:
        return a.low is None and b.low is None
    a_high = a.high if a.high is not None else math.inf
    b_high = b.high if b.high is not None else math.inf
    return a.low <= b_high and b.low <= a_high


def _groups(claims: Sequence[Claim]) -> dict[str, list[Claim]]:
    groups: dict[str, list[Claim]] = {}
    for claim in claims:
        groups.setdefault(claim.about, []).append(claim)
    nothing = [c for c in groups.get("casualties", []) if c.high == 0]
    targets = [about for about in ("killed", "injured") if about in groups]
    if nothing and targets:
        for about in targets:
            groups[about].extend(nothing)
        rest = [c for c in groups["casualties"] if c.high != 0]
        if rest:
            groups["casualties"] = rest
        else:
            del groups["casualties"]
    return groups


def _preference(claim: Claim) -> tuple[bool, bool, bool]:
    """Rank the claims of one source that say the same: attributed, exact, from the body."""
    return (claim.attributed_to is None, claim.high is None, claim.in_headline)


def _merge(claims: Sequence[Claim]) -> list[Claim]:
    """Keep one claim per source and figure: a headline's "at least 12" and the body's "12" merge.

    Two claims of one source merge when both figures can be true and they do not name two
    different speakers; the attributed, exact, body claim is kept.
    """
    kept: list[Claim] = []
    for claim in sorted(claims, key=_preference):
        twin = next(
            (
                k
                for k in kept
                if k.source == claim.source
                and _overlap(k, claim)
                and (
                    claim.attributed_to is None
                    or attribution_key(k.attributed_to) == attribution_key(claim.attributed_to)
                )
            ),
            None,
        )
        if twin is None:
            kept.append(claim)
    return sorted(kept, key=lambda c: (c.low if c.low is not None else -1.0, c.source))


def _split_by_time(
    about: str, claims: Sequence[Claim], latest_versions: Mapping[int, int]
) -> tuple[list[Claim], list[Claim]]:
    """Split claims into the current figures and the earlier ones they replaced.

    A claim from an older version of its article, or from an older article of its source, was
    replaced by that source (a revision). For counts that grow, an older report from another
    source was replaced when later reports give at least as much (a progression); a later,
    lower figure from someone else does not replace it.
    """
    newest: dict[str, datetime] = {}
    for claim in claims:
        if claim.at is not None and claim.version == latest_versions.get(claim.article_id, 0):
            newest[claim.source] = max(claim.at, newest.get(claim.source, claim.at))
    own: list[Claim] = []
    replaced: list[Claim] = []
    for claim in claims:
        superseded = claim.version < latest_versions.get(claim.article_id, claim.version)
        if not superseded and claim.at is not None and claim.source in newest:
            superseded = claim.at < newest[claim.source]
        (replaced if superseded else own).append(claim)
    latest = max((c.at for c in own if c.at is not None), default=None)
    if about not in CUMULATIVE or latest is None:
        return (own, replaced) if own else (replaced, [])
    recent = [c for c in own if c.at is None or c.at >= latest - SAME_TIME]
    reached = max((c.low for c in recent if c.low is not None), default=0.0)
    current: list[Claim] = list(recent)
    still_reported = {c.low for c in recent}
    for claim in own:
        if claim in recent:
            continue
        top = claim.high if claim.high is not None else claim.low
        # An older report of the figure still given ("24" then "24") keeps backing it.
        gone = top is not None and top <= reached and claim.low not in still_reported
        (replaced if gone else current).append(claim)
    return current, replaced


def _earlier_figures(current: Sequence[Claim], earlier: Sequence[Claim]) -> tuple[Claim, ...]:
    """Return each replaced figure once, oldest first, leaving out figures still current."""
    now = {_figure(c) for c in current}
    seen: set[tuple[float | None, float | None]] = set()
    figures: list[Claim] = []
    for claim in sorted(earlier, key=lambda c: (c.at is None, c.at or datetime.min, c.version)):
        figure = _figure(claim)
        # "at least 24" before "24" is the same number, not an earlier figure
        if figure not in now and figure not in seen and claim.low not in {c.low for c in current}:
            seen.add(figure)
            figures.append(claim)
    return tuple(figures)


def _conflicting(claims: Sequence[Claim]) -> bool:
    """Tell whether two voices give figures that cannot both be true.

    Two figures of one source conflict only when each names its own speaker ("state TV said 15,
    Iraq said 22"); otherwise they are one report written twice.
    """
    for i, a in enumerate(claims):
        for b in claims[i + 1 :]:
            if _overlap(a, b):
                continue
            if a.source != b.source:
                return True
            if (
                a.attributed_to
                and b.attributed_to
                and attribution_key(a.attributed_to) != attribution_key(b.attributed_to)
            ):
                return True
    return False


def _kind(about: str, claims: list[Claim], earlier: Sequence[Claim]) -> DifferenceKind | None:
    sources = {c.source for c in claims}
    if _conflicting(claims):
        return "conflict"
    if earlier:
        return "progression"
    if len(sources) > 1:
        return "agreement"
    if len(sources) == 1 and _significant(about):
        return "single_source"
    return None


def _importance(difference: Difference) -> tuple[int, int, float, int]:
    kind_rank = {"conflict": 0, "progression": 0, "agreement": 1, "single_source": 2}[
        difference.kind
    ]
    about = difference.about
    category_rank = _IMPORTANT.get(about, len(_IMPORTANT) + (0 if about.startswith("money") else 1))
    top = max((c.high if c.high is not None else c.low or 0.0) for c in difference.claims)
    return kind_rank, category_rank, -top, -len(difference.claims)


def compare_claims(
    claims: Sequence[Claim],
    *,
    sources: Collection[str] = (),
    latest_versions: Mapping[int, int] | None = None,
) -> list[Difference]:
    """Group an event's claims by what they count; report conflicts, progressions, agreements.

    Background figures (an earlier disaster) and partial ones (one village) are never compared
    with the event's own; nor is a figure whose clause dates it before the first day that two
    of the event's sources name ("On Saturday, a quake in China killed 12" beside Sunday's quake). A figure that changed over time is a progression, not a conflict.

    Args:
        claims: Claims from every article (and every version) of one event.
        sources: All the event's sources, for "2 of 3 sources"; defaults to those with claims.
        latest_versions: Each article's latest version number; older versions' claims are
            figures that article replaced. Defaults to the newest version seen in ``claims``.
    """
    sources_total = len(set(sources) | {c.source for c in claims})
    if latest_versions is None:
        newest: dict[int, int] = {}
        for claim in claims:
            newest[claim.article_id] = max(claim.version, newest.get(claim.article_id, 0))
        latest_versions = newest
    own = [c for c in claims if c.scope == "event"]
    # "On Saturday, a quake killed 12" in reports of Sunday's quake: an earlier event's figure
    day = event_day(own)
    own = [c for c in own if not before_event(c, day)]
    differences: list[Difference] = []
    for about, group in _groups(own).items():
        current, replaced = _split_by_time(about, group, latest_versions)
        unique = _merge(current)
        earlier = _earlier_figures(unique, replaced)
        kind = _kind(about, unique, earlier)
        if kind is None:
            continue
        differences.append(Difference(about, kind, tuple(unique), sources_total, earlier))
    return sorted(differences, key=_importance)


def distinct_values(difference: Difference) -> list[tuple[str, tuple[Claim, ...]]]:
    """Return each distinct figure of a difference (as first written) with the claims behind it."""
    by_figure: dict[tuple[float | None, float | None], list[Claim]] = {}
    for claim in difference.claims:
        by_figure.setdefault(_figure(claim), []).append(claim)
    return [(group[0].value, tuple(group)) for group in by_figure.values()]
