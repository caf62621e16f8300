"""Tell whether a figure is this event's, an earlier event's (background) or a part of the total.

Background: the sentence places the figure in the past ("the 2004 tsunami that killed 230,000",
"last year", "days after a quake that killed one", a sentence opening with "In April,"). A month
later in the sentence is more often the period a figure counts ("212,000 migrants in July") than
an earlier event, so only a month that opens the sentence sets the scene in the past. Partial: the figure counts a part
("eight of the jurors", "including two children", "in one village", "in a separate incident").
Everything else is the event's own figure. Rules chosen on the development half of the claims
benchmark (benchmarks/bench_claims.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.briefing.model import Claim, Scope

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?"
)
_EVENT_NOUNS = (
    r"(?:quake|earthquake|temblor|tremor|tsunami|storm|hurricane|typhoon|flood|eruption|attack"
    r"|bombing|shooting|disaster|war|conflict|riot)s?\b"
)
# "in an earlier airstrike": other happenings an earlier one may be
_STRIKE_NOUNS = (
    r"(?:airstrike|air\s+strike|strike|raid|blast|explosion|fire|crash|incident|shelling)s?\b"
)
_YEAR = re.compile(r"(?<![\d$£€.,])\b(?:18|19|20)\d\d\b(?![\d,.]\d)(?!\s*-\s*(?:year|month))")
_PAST = re.compile(
    r"""(?<!since\s)\b(?:last\s+(?:year|month|decade|century|time|season)
      | (?:the\s+)?(?:previous|past)\s+season
      | (?:years|decades|months|a\s+year|a\s+decade|a\s+century)\s+ago
      | earlier\s+this\s+(?:year|month)
      | (?:past|previous|last)\s+(?:\w+\s+)?(?:years|decades)
      | in\s+(?:history|recent\s+(?:memory|years|decades))
      | \b(?:the|a|an)\s+(?:last|previous|earlier|prior)\s+(?:\w+\s+){0,2}?"""
    + _EVENT_NOUNS
    + r"""
      | \b(?:an|the)\s+(?:earlier|previous|prior)\s+(?:\w+\s+)?"""
    + _STRIKE_NOUNS
    + r"""
      | ^\W*(?:\w+\s+)?(?:years|months|decades|a\s+year|a\s+decade)\s+later\b
      | ^\W*for\s+(?:years|decades|generations)\b
    )
    | ^\W*on\s+"""
    + _MONTH
    + r"""\s+\d""",
    re.VERBOSE | re.IGNORECASE,
)
# "In April, a flood ...": a month opening the sentence sets an earlier scene; later in the
# sentence it does too when the sentence is about a storm, a quake or an attack ("the storm that
# hit in March"), otherwise it is the period counted ("150,000 migrants in June").
_MONTH_NAMED = re.compile(
    r"\b(?:in|since|during|early|late|mid|end\s+of)\s+(?P<month>" + _MONTH + r")(?!\s*\d)",
    re.IGNORECASE,
)
_EVENT_NOUN = re.compile(r"\b" + _EVENT_NOUNS, re.IGNORECASE)
# "the deadliest since 1998": a comparison with the past, not a figure of the past
_SINCE_COMPARISON = re.compile(r"\b(?:\w+est|most|worst|first)\b[^,;]*\bsince\s*$", re.I)
# "two men accused of killing a woman in 2011": in a report of a charge, trial or verdict, a
# year after the figure dates the crime, while the figure (the accused, the counts) is the case's
_CHARGE = re.compile(
    r"\b(?:accused|charged|convicted|guilty|indicted|acquitted|sentenced|trial|counts?\s+of"
    r"|charges?\s+of)\b",
    re.IGNORECASE,
)
# "injured dozens ... in a country still recovering from such a disaster in 2004": the year
# dates the other event named after the figure
_OTHER_EVENT = re.compile(
    r"\b(?:another|such\s+an?|a\s+similar|an?\s+(?:earlier|previous|prior))\s+(?:\w+\s+)?"
    + _EVENT_NOUNS
    + r"|\bdisasters?\b",
    re.IGNORECASE,
)
# "9,000 thefts are reported every year", "profits are usually around": general facts. Not
# "annual" or "yearly": "annual profit rose to $2bn" is this year's result.
_GENERAL = re.compile(
    r"\b(?:usually|typically|normally|annually|often|routinely|regularly|traditionally"
    r"|(?:every|each|per)\s+(?:year|month))\b"
    # "feeds 9,000 people daily" (not "the daily toll", "the Daily Star")
    r"|\b(?-i:daily)(?=\s*(?:[,.;]|$|but\b|and\b))",
    re.IGNORECASE,
)
_SEGMENT_BREAK = re.compile(r"[,;:()]|\s[-—–]\s")
# "four prior arrests", "two previous convictions": counts of the past
_EARLIER_COUNT = re.compile(r"\b(?:prior|previous|earlier|former|past)\b", re.IGNORECASE)
# "had previously been arrested four times" (not "the previously reported 12 dead")
_PREVIOUSLY = re.compile(
    r"\bpreviously\s+(?!(?:reported|announced|said|stated|given|confirmed)\b)(?:\w+\s+){0,3}$",
    re.IGNORECASE,
)
# "the champion, 40 - 2 with 30 knockouts", "(40-2, 30 KOs)": a record set beside a name is a
# career's (not "the team has opened 8-12 with seven losses")
_RECORD_BEFORE = re.compile(
    r"[,(]\s*\d+\s*-\s*\d+(?:\s*-\s*\d+)?\s*(?:,|with)\s*$"
    r"|\b\d+\s*-\s*\d+(?:\s*-\s*\d+)?\s*\(\s*$"
)
# "she had lost two sons", "three relatives killed": one family's dead, a part of the toll
_KIN = re.compile(
    r"\b(?:sons?|daughters?|relatives?|brothers?|sisters?|cousins?|grandchildren|grandsons?"
    r"|granddaughters?|nephews?|nieces?|siblings?)\b",
    re.IGNORECASE,
)
_DEATH = re.compile(r"\b(?:lost|killed|died|dead|death|deaths)\b", re.IGNORECASE)
# "days after a powerful quake ... killed one person": what follows is an earlier event.
_EARLIER_EVENT = re.compile(
    r"\b(?:hours|days|weeks|months|years)\s+(?:after|before)\s+(?:a|an|the)\b", re.IGNORECASE
)
# "a man serving two life sentences", "serving a life sentence for crimes he committed in
# three counties": what a prisoner serves is for earlier crimes
_SERVING = re.compile(
    r"\bserving\s+$|\bserving\s+(?:a|an|his|her)\s+(?:\w+\s+){0,2}(?:sentence|term)\b[^;]{0,60}$",
    re.IGNORECASE,
)
# "12 of the candidates in the capital, 9 in the northern region": a breakdown by place
_PLACE_LIST_BEFORE = re.compile(r"\d[^;.]{0,100}(?:,\s*(?:and\s+)?|\s+and\s+)$")
_PLACE_AFTER = re.compile(r"^\s+in\s+(?:the\s+)?(?-i:[A-Z])")
# "one bomb hit the school, another bomb the market and two others the camp": the rest of a list
_ANOTHER_BEFORE = re.compile(r"\banother\s+[a-z]+\b[^;.]*$")
_OTHERS_AFTER = re.compile(r"^\s*others\b")
# "the army has so far lost five soldiers and two civilians": one side's dead, a part of the toll
_SIDE_LOST = re.compile(r"\b(?:has|have|had)\s+(?:\w+\s+){0,2}?lost\b[^,;.]*$", re.IGNORECASE)
_LOST_PEOPLE = re.compile(
    r"^\S+\s+(?:\w+\s+)?(?:soldiers|civilians|troops|people|men|women|children|officers"
    r"|fighters|policemen|marines|personnel)\b",
    re.IGNORECASE,
)
# "40 wounded, 6 critically": the badly hurt among the wounded
_BADLY_AFTER = re.compile(r"^\s*(?:critically|seriously|severely|gravely)\b", re.IGNORECASE)
# "another two people were killed": dead or hurt added to a toll told before
_ANOTHER = re.compile(r"\banother\s+$", re.IGNORECASE)
_HARMED = re.compile(r"\b(?:killed|died|dead|injured|wounded|hurt)\b", re.IGNORECASE)
# "200 million euros of damage in Athens alone": one place's share of the total
_ALONE = re.compile(r"\bin\s+(?:the\s+)?(?:\w+\s+){1,3}?alone\b", re.IGNORECASE)
# Cues for a part of the total, before the figure ("including 6 children") ...
_PART_BEFORE = re.compile(
    r"(?:\b(?:including|of\s+which|among\s+them|among\s+whom|among\s+the\s+\w+\s+(?:were|was)"
    r"|of\s+whom|of\s+them|the\s+other|the\s+remaining))\s*$",
    re.IGNORECASE,
)
# ... right after it ("eight of the jurors", "25 of the injured") ...
_PART_AFTER = re.compile(
    r"^\s*(?:of\s+(?:the|them|whom|which|those|its|his|her|their|my|our|your)\b)"
    # "two of the world's largest banks", "one of the biggest": members of a class
    r"(?!\s+(?:world|nation|country|region)['’]s\b|(?:\s+other)?\s+(?:\w+est|most)\b)",
    re.IGNORECASE,
)
# ... or among the dead after it ("two militants were among the dead")
_AMONG_AFTER = re.compile(
    r"^[\w\s'’-]{0,40}?\b(?:were|was|are|is)\s+among\s+(?:the|those)\s+(?:\w+\s+)?"
    r"(?:dead|killed|injured|wounded|victims|casualties|missing|arrested)\b",
    re.IGNORECASE,
)
# ... or anywhere in its clause ("in one village", "in a separate incident", "another school").
_PART_CLAUSE = re.compile(
    r"""\b(?:(?:the|his|her|their|one|a|that|this)\s+(?:\w+\s+)?
        (?:village|district|neighbou?rhood|mosque)s?
      | in\s+(?:neighbou?ring\s+)?(?-i:[A-Z][\w'’]+\s+){1,3}(?:village|district)
      | (?:of|in)\s+(?:one|a\s+single|the\s+same)\s+family
      | (?:at|in|to)\s+(?:a|one)\s+(?:\w+\s+)?(?:clinic|hospital)
      | in\s+one\s+\w+
      | in\s+(?-i:[A-Z]\w+)(?:\s+(?-i:[A-Z]\w+))?,\s+(?:the|a)\s+(?:\w+\s+)?
          (?:capital|town|city|village)\s+of
      | (?:a|one)\s+separate\s+\w+
      | separately
      | another\s+(?:\w+\s+)?(?:school|village|town|building|house|home|mosque|church|hospital
          |attack|incident|strike|bombing|raid|area|camp)
    )\b""",
    re.VERBOSE | re.IGNORECASE,
)
# "Elsewhere, five people were killed" (not "forced to flee elsewhere")
_ELSEWHERE = re.compile(r"^\W*(?:\w+\s+)?elsewhere\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(
    r";|,\s*(?:but|while|whereas|adding|and|bringing|raising|taking)\b|\s—\s|\s-\s|:"
)


def _clause(sentence: str, start: int, end: int) -> str:
    """Return the clause of ``sentence`` that holds ``sentence[start:end]``."""
    clause_start, clause_end = 0, len(sentence)
    for match in _CLAUSE_BREAK.finditer(sentence):
        if match.end() <= start:
            clause_start = match.end()
        elif match.start() >= end:
            clause_end = match.start()
            break
    return sentence[clause_start:clause_end]


def _segment(sentence: str, start: int, end: int) -> str:
    """Return the stretch between commas, brackets or dashes that holds ``sentence[start:end]``."""
    segment_start, segment_end = 0, len(sentence)
    for match in _SEGMENT_BREAK.finditer(sentence):
        if match.end() <= start:
            segment_start = match.end()
        elif match.start() >= end:
            segment_end = match.start()
            break
    return sentence[segment_start:segment_end]


# "..., in a region still scarred by the flood of 1998", "..., which recalled the quakes that hit
# the town in 1990": past a clause break, a year dates the event named just before it, not the
# figure
# (a hyphen set apart, " - ", joins a compound in tokenized copy: "8. 7 - magnitude")
_BREAK_BEFORE_YEAR = re.compile(
    r"[,;:(]|\s[—–]\s|\bwhich\b|\bthat\s+(?:was|were|had)\b", re.IGNORECASE
)


def _dates_another_event(between: str) -> bool:
    """Tell whether the text from a figure to a later year names another event past a break.

    The year's own stretch (after the last break) must name the event: in "two wars ..., and
    300,000 died in the second, from 1960" the year dates the figure's own clause.
    """
    breaks = list(_BREAK_BEFORE_YEAR.finditer(between))
    return bool(breaks) and _EVENT_NOUN.search(between[breaks[-1].end() :]) is not None


def _mentions_past(
    text: str,
    year: int | None,
    month: int | None = None,
    figure: tuple[int, int] | None = None,
) -> bool:
    """Tell whether ``text`` names a past time: a year other than ``year``, "last year", "in April".

    With ``figure`` (where the figure and what it counts are), a year after it in a report of a
    charge or verdict dates the crime ("two men accused of killing a woman in 2011"), not the
    figure.
    """
    if _PAST.search(text):
        return True
    for match in _MONTH_NAMED.finditer(text):
        named = _MONTH_NUMBERS[match["month"].lower().rstrip(".")]
        opening = not text[: match.start()].strip(" \"'“‘(")
        if named != month and (opening or _EVENT_NOUN.search(text)):
            return True
    for match in _YEAR.finditer(text):
        if int(match.group()) == year:
            continue
        if figure is None or match.start() < figure[0]:
            return True
        between = text[figure[1] : match.start()]
        if (
            not _SINCE_COMPARISON.search(between)
            and not _CHARGE.search(text[: match.start()])
            and not _OTHER_EVENT.search(between)
            and not _dates_another_event(between)
        ):
            return True
    return False


# "two women and a man died": a breakdown of the dead, not a toll of its own
_BREAKDOWN = re.compile(
    r"^\w+\s+(?:women|men|children|girls|boys|adults)\s+and\s+(?:a|an|one|\w+)\s+"
    r"(?:man|woman|child|girl|boy|men|women|children|girls|boys)\b",
    re.IGNORECASE,
)
# "two aftershocks of more than 5.0": a later, smaller quake's magnitude
_AFTERSHOCK = re.compile(r"\baftershocks?\s+(?:of|measuring|with\s+a\s+magnitude\s+of)\s+$", re.I)
# "ten people, four nurses aged over 50, three guards and two patients": the figures listed
# after a figure and its comma break it down
_LIST_NUMBER = r"(?:\d+(?:,\d{3})*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_LIST_PART = re.compile(
    rf"\b{_LIST_NUMBER}\s+[^\W\d][^,;.]{{0,40}},\s*"
    rf"(?:{_LIST_NUMBER}\s+[^\W\d][^,;.]{{0,40}}(?:,|\s+and)\s*)*$",
    re.IGNORECASE,
)
# ... when the list ends with the verb they share (", were killed")
_LIST_VERB = re.compile(
    r"^[^;.]{0,100}?,\s*(?:were|was|have\s+been|had\s+been|are)\s+(?:\w+\s+)?"
    r"(?:killed|injured|hurt|wounded|dead|arrested|missing|hospitali[sz]ed)\b",
    re.IGNORECASE,
)
_BREAKDOWN_AFTER = re.compile(
    r"\b(?:women|men|children|girls|boys|man|woman|child)\s+and\s+$", re.IGNORECASE
)
# "one German and one Italian skier": people counted by where they are from
_BREAKDOWN_NATIONS = re.compile(
    r"^\w+\s+(?-i:[A-Z][a-z]+)\s+and\s+(?:a|an|one|\d+|\w+)\s+(?-i:[A-Z][a-z]+)\b", re.IGNORECASE
)
_BREAKDOWN_NATIONS_AFTER = re.compile(
    r"\b(?:a|an|one|\d+|two|three|four|five|six)\s+(?-i:[A-Z][a-z]+)\s+and\s+$", re.IGNORECASE
)


# "It killed 612 people" after "The last major quake ... was in February": the pronoun carries
# the earlier event on into the next sentence.
_BACK_REFERENCE = re.compile(
    r"^\W*(?:It|That|This|The\s+(?:earlier|previous|last|former)\s+\w+|That\s+\w+)\s"
    r"(?!\w+\s+(?:said|says|added|told))"
)


def _goes_on_about_the_past(sentence: str, previous: str, year: int | None) -> bool:
    """Tell whether a sentence only continues the previous one's account of an earlier event."""
    if not previous or not _BACK_REFERENCE.match(sentence):
        return False
    return _mentions_past(previous, year) or _EARLIER_EVENT.search(previous) is not None


def figure_scope(
    sentence: str,
    start: int,
    end: int,
    phrase_end: int | None = None,
    *,
    year: int | None = None,
    month: int | None = None,
    previous: str = "",
) -> Scope:
    """Say whether the figure at ``sentence[start:end]`` is the event's, background or a part.

    Args:
        sentence: The sentence the figure is in.
        start: Where the figure starts.
        end: Where the figure ends.
        phrase_end: Where what it counts ends ("80 people" ends after "people").
        year: The year the article was written, when known: a mention of it is not the past.
        month: The month it was written, when known: "in March" in a March report is not the
            past.
        previous: The sentence before, when known: "It killed 612" goes on about the event it
            told of.
    """
    counted_end = max(end, phrase_end or end)
    if _mentions_past(sentence, year, month, (start, counted_end)) or _goes_on_about_the_past(
        sentence, previous, year
    ):
        return "background"
    if _EARLIER_COUNT.search(sentence[start:counted_end]):
        return "background"
    if _PREVIOUSLY.search(sentence[max(0, start - 40) : start]):
        return "background"
    if _RECORD_BEFORE.search(sentence[max(0, start - 24) : start]):
        return "background"
    if _SERVING.search(sentence[max(0, start - 100) : start]):
        return "background"
    if _GENERAL.search(_segment(sentence, start, counted_end)):
        return "background"
    earlier = _EARLIER_EVENT.search(sentence)
    if earlier is not None and earlier.end() <= start:
        return "background"
    if _PART_BEFORE.search(sentence[max(0, start - 40) : start]):
        return "partial"
    if _PART_AFTER.match(sentence[end : end + 40]) or _AMONG_AFTER.match(sentence[end : end + 80]):
        return "partial"
    if _AFTERSHOCK.search(sentence[max(0, start - 40) : start]):
        return "partial"
    if _SIDE_LOST.search(sentence[max(0, start - 80) : start]) and _LOST_PEOPLE.match(
        sentence[start:]
    ):
        return "partial"
    if _BADLY_AFTER.match(sentence[end:]) and sentence[:start].rstrip().endswith(","):
        return "partial"
    if _OTHERS_AFTER.match(sentence[end:]) and _ANOTHER_BEFORE.search(sentence[:start]):
        return "partial"
    if _ANOTHER.search(sentence[max(0, start - 10) : start]) and _HARMED.search(
        _clause(sentence, start, counted_end)
    ):
        return "partial"
    if _PLACE_AFTER.match(sentence[end:]) and _PLACE_LIST_BEFORE.search(
        sentence[max(0, start - 120) : start]
    ):
        return "partial"
    listed = _LIST_PART.search(sentence[max(0, start - 120) : start])
    if listed and _LIST_VERB.match(sentence[end:]):
        return "partial"
    if _BREAKDOWN.match(sentence[start : start + 60]) or _BREAKDOWN_AFTER.search(
        sentence[max(0, start - 20) : start]
    ):
        return "partial"
    if _BREAKDOWN_NATIONS.match(sentence[start : start + 60]) or _BREAKDOWN_NATIONS_AFTER.search(
        sentence[max(0, start - 30) : start]
    ):
        return "partial"
    clause = _clause(sentence, start, counted_end)
    if _KIN.search(sentence[start:counted_end]) and _DEATH.search(clause):
        return "partial"
    if _PART_CLAUSE.search(clause) or _ELSEWHERE.match(sentence) or _ALONE.search(clause):
        return "partial"
    return "event"


# --- the day a sentence dates its figures to ------------------------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAY = re.compile(r"\b(?-i:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_MONTH_DAY = re.compile(
    r"\b(?P<month>" + _MONTH[:-5] + r")\b\.?\s+(?P<day>\d{1,2})\b"
    r"|\b(?P<day2>\d{1,2})\s+(?P<month2>" + _MONTH[:-5] + r")\b",
)


def _resolve(text: str, at: datetime) -> date | None:
    """Return the day ``text`` names ("on Saturday", "Nov. 26"), reckoned back from ``at``."""
    today = at.date()
    match = _MONTH_DAY.search(text)
    if match is not None:
        month = _MONTH_NUMBERS[(match["month"] or match["month2"]).lower().rstrip(".")]
        day = int(match["day"] or match["day2"])
        for year in (today.year, today.year - 1):
            try:
                named = date(year, month, day)
            except ValueError:
                return None
            if named <= today + timedelta(days=1):
                return named
        return None
    weekday = _WEEKDAY.search(text)
    if weekday is not None:
        back = (today.weekday() - _WEEKDAYS.index(weekday.group().lower())) % 7
        return today - timedelta(days=back)
    return None


def figure_day(sentence: str, start: int, end: int, at: datetime | None) -> date | None:
    """Return the day the clause holding a figure dates it to, when it names one.

    Args:
        sentence: The sentence the figure is in.
        start: Where the figure starts.
        end: Where what it counts ends.
        at: When the article was written; weekdays and dates without a year count back from it.
    """
    if at is None:
        return None
    return _resolve(_clause(sentence, start, end), at)


def event_day(claims: Sequence[Claim]) -> date | None:
    """Return the day an event began by its reports: the first day two sources name.

    With no day named by two sources, the first day any names, so that nothing is set aside.
    """
    sources: dict[date, set[str]] = {}
    for claim in claims:
        if claim.at is not None and (day := _resolve(claim.sentence, claim.at)) is not None:
            sources.setdefault(day, set()).add(claim.source)
    corroborated = [day for day, names in sources.items() if len(names) > 1]
    return min(corroborated or sources, default=None)


def before_event(claim: Claim, day: date | None) -> bool:
    """Tell whether a claim's own clause dates it before the event: "On Saturday, a quake killed 12"."""
    return day is not None and claim.on is not None and claim.on < day
