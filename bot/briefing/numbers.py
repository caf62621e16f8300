"""Find counted quantities in a sentence: "more than a dozen missiles", "killing 80", "no casualties".

Each quantity keeps the figure exactly as written (``value``), the span from the figure to what it
counts (``phrase``), a normalised category (``about``) and a numeric range. ``high`` is None when
the figure has no upper bound ("at least 10", "more than a dozen").
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _split(words: str) -> list[str]:
    return words.split()


# Categories the briefing cares most about, in order of importance.
CATEGORIES: tuple[str, ...] = (
    "killed",
    "injured",
    "casualties",
    "missing",
    "missiles",
    "evacuated",
    "displaced",
    "arrested",
    "troops",
    "magnitude",
)

_OUTCOME_WORDS: dict[str, str] = {
    **dict.fromkeys(
        _split("killed dead died deaths death fatalities fatality lives bodies slain"), "killed"
    ),
    **dict.fromkeys(
        _split("injured wounded hurt injuries injury wounds hospitalised hospitalized"), "injured"
    ),
    **dict.fromkeys(_split("casualties casualty"), "casualties"),
    **dict.fromkeys(_split("missing unaccounted"), "missing"),
    **dict.fromkeys(_split("evacuated evacuees evacuee"), "evacuated"),
    **dict.fromkeys(_split("displaced uprooted homeless refugees"), "displaced"),
    **dict.fromkeys(_split("arrested detained arrests detentions detainees held"), "arrested"),
}
# Verbs that, just before a figure, say what happened to it ("killing 80", "wounded 12 people").
_LEADING_VERBS: dict[str, str] = {
    **dict.fromkeys(_split("killing killed kill kills"), "killed"),
    **dict.fromkeys(_split("injuring injured injures wounding wounded wounds"), "injured"),
    **dict.fromkeys(_split("evacuating evacuated"), "evacuated"),
    **dict.fromkeys(_split("displacing displaced"), "displaced"),
    **dict.fromkeys(_split("arresting arrested detaining detained"), "arrested"),
}
_MISSILE_NOUNS = frozenset(
    _split("missile missiles rocket rockets projectile projectiles warhead warheads")
)
_TROOP_NOUNS = frozenset(_split("troops soldiers servicemen personnel marines"))
# Nouns for people: on their own they only count heads; a verb after them says what happened.
_PERSON_NOUNS = frozenset(
    _split("""people persons person civilians civilian residents children child grandchildren
    women men man woman
    soldiers soldier troops servicemen personnel marines officers officer members workers worker
    staff passengers villagers protesters demonstrators students migrants pilgrims fighters
    militants americans iraqis iranians israelis palestinians ukrainians russians others
    individuals victims""")
)
_CURRENCY_SYMBOLS: dict[str, str] = {"$": "USD", "us$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY"}
_CURRENCY_WORDS: dict[str, str] = {
    **dict.fromkeys(_split("dollar dollars"), "USD"),
    **dict.fromkeys(_split("euro euros"), "EUR"),
    **dict.fromkeys(_split("sterling"), "GBP"),
    **dict.fromkeys(_split("yuan renminbi"), "CNY"),
    **dict.fromkeys(_split("rouble roubles ruble rubles"), "RUB"),
    **dict.fromkeys(_split("rupee rupees"), "INR"),
    **dict.fromkeys(_split("yen"), "JPY"),
    **dict.fromkeys(_split("rial rials"), "IRR"),
    **dict.fromkeys(_split("dinar dinars"), "IQD"),
    **dict.fromkeys(_split("shekel shekels"), "ILS"),
}
# Measures, not counts: "48 hours", "10 miles", "3 times".
_UNITS = frozenset(
    _split("""second seconds minute minutes hour hours day days week weeks month months year years
    decade decades century centuries mile miles km kilometre kilometres kilometer kilometers
    metre metres meter meters centimetre centimetres centimeter centimeters cm mm millimetre
    millimetres millimeter millimeters foot feet inch inches yard yards kg kilogram kilograms pound-weight
    night nights block blocks ton tons tonne tonnes pound pounds gallon gallons litre litres liter liters degree degrees percent
    per point points times time mph kph am pm a.m p.m gmt utc bst est edt pst cent cents
    percentage ft lb lbs acres acre hectares sq square mondays tuesdays wednesdays thursdays
    fridays saturdays sundays weekends""")
)
_MONTHS = frozenset(
    _split("""january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""")
)
_SCALES: dict[str, float] = {
    "thousand": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_MONEY_SCALES: dict[str, float] = {"m": 1e6, "k": 1e3, "b": 1e9}
_UNITS_WORDS: dict[str, int] = {
    w: i
    for i, w in enumerate(
        _split("""zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
        fifteen sixteen seventeen eighteen nineteen""")
    )
}
_TENS_WORDS: dict[str, int] = {
    w: 10 * (i + 2)
    for i, w in enumerate(_split("twenty thirty forty fifty sixty seventy eighty ninety"))
}
# Vague plurals: "dozens of", "hundreds of"; each a (low, high) range.
_VAGUE: dict[str, tuple[float, float]] = {
    "dozens": (24.0, 99.0),
    "tens": (20.0, 99.0),
    "scores": (40.0, 99.0),
    "hundreds": (200.0, 999.0),
    "thousands": (2_000.0, 9_999.0),
    "millions": (2e6, 9.99e6),
    "billions": (2e9, 9.99e9),
    "trillions": (2e12, 9.99e12),
    "several": (3.0, 9.0),
}
_ZERO_WORDS = frozenset(_split("no none zero nobody"))
_STOP_AFTER = frozenset(
    _split("""the a an against in at on of from to for by with and or but was were is are be been being had has have
    who which that than as after before during when while into across near since this these
    those it its their his her our they we he she there""")
)
_LINKING = frozenset(
    _split(
        "were was are is have has had been being reportedly later also all feared believed said "
        "confirmed reported thought left"
    )
)

# Words that may stand between the counted people and what happened to them: "were shot dead",
# "have now died", "was shot and killed", "were found dead".
_BEFORE_OUTCOME = frozenset(_split("now already since still shot found"))


def _adverb(word: str) -> bool:
    return word.endswith("ly") and word.isalpha()


# Some copy writes "230, 000" and "6. 1" for "230,000" and "6.1" (text split into tokens and
# joined with spaces); those are read as one number.
_TOKEN = re.compile(
    r"US\$|[$£€¥]|\d{1,3}(?:, \d{3}(?!\d))+|\d+\. \d(?![\d.])|\d+(?:[.,]\d+)*|[^\W\d_]+(?:[-'’.][^\W\d_]+)*|[^\w\s]",
    re.UNICODE,
)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_QUOTES = frozenset("\"'“”‘’«»")
# Counted words that count nothing a reader could compare: "seven others", "the other ones".
_NOT_COUNTED = frozenset(_split("others ones times"))
_QUAKE_NOUNS = frozenset(_split("quake quakes earthquake earthquakes temblor temblors tremor"))
# Words between a toll and its figure: "the death toll rose to 19", "a toll of 12".
_TOLL_LINKS = frozenset(_split("to at of reached hit is was stood stands now"))
# "a crowd of 30,000": the figure counts people
_CROWDS = frozenset(_split("crowd crowds audience audiences gathering turnout"))
# "a mother of 12 killed": the figure counts her children, not the dead.
_PARENT_NOUNS = frozenset(_split("mother father mom dad parent grandmother grandfather"))


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    low: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Quantity:
    """A counted figure found in a sentence."""

    about: str
    value: str
    phrase: str
    low: float
    high: float | None
    start: int
    end: int
    noun: str
    phrase_end: int = 0


def tokenize(sentence: str) -> list[Token]:
    """Split a sentence into word, number and punctuation tokens with their offsets."""
    return [
        Token(m.group(), m.group().lower().replace("’", "'"), m.start(), m.end())
        for m in _TOKEN.finditer(sentence)
    ]


def _digits(text: str) -> float | None:
    text = text.replace(", ", ",").replace(". ", ".")
    if _THOUSANDS.fullmatch(text):
        return float(text.replace(",", ""))
    if _PLAIN_NUMBER.fullmatch(text):
        return float(text)
    return None


def _word_number(tokens: list[Token], i: int) -> tuple[float, int] | None:
    """Parse "twenty-two", "two hundred and five", "a dozen", "half a dozen" at ``i``."""
    n = len(tokens)
    low = tokens[i].low
    scales = {"dozen": 12.0, "hundred": 100.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}
    if low == "a" and i + 1 < n and tokens[i + 1].low in scales:
        # "a million dollars" is money; "a million guys" is a manner of speaking
        money = i + 2 < n and tokens[i + 2].low in _CURRENCY_WORDS
        if scales[tokens[i + 1].low] < 1e6 or money:
            return scales[tokens[i + 1].low], i + 2
    # "a couple of children": two
    if low == "a" and i + 2 < n and tokens[i + 1].low == "couple" and tokens[i + 2].low == "of":
        return 2.0, i + 3
    if low == "half" and i + 2 < n and tokens[i + 1].low == "a" and tokens[i + 2].low == "dozen":
        return 6.0, i + 3
    if low == "half-a-dozen":
        return 6.0, i + 1
    # "his dozen rounds": a dozen after a determiner
    if low == "dozen" and i > 0 and tokens[i - 1].low in _DOZEN_DETERMINERS:
        return 12.0, i + 1
    total = 0.0
    current = 0.0
    j = i
    seen = False
    while j < n:
        word = tokens[j].low
        parts = word.split("-")
        if len(parts) == 2 and parts[0] in _TENS_WORDS and parts[1] in _UNITS_WORDS:
            current += _TENS_WORDS[parts[0]] + _UNITS_WORDS[parts[1]]
        elif (
            len(parts) == 2
            and parts[1] in ("thousand", "million", "billion")
            and (parts[0] in _UNITS_WORDS or parts[0] in _TENS_WORDS)
        ):
            # "one-million dollars"
            total += {**_UNITS_WORDS, **_TENS_WORDS}[parts[0]] * _SCALES[parts[1]]
        elif word in _UNITS_WORDS and word != "zero":
            current += _UNITS_WORDS[word]
        elif word in _TENS_WORDS:
            current += _TENS_WORDS[word]
        elif word == "dozen" and seen:
            current *= 12
        elif word == "hundred" and seen:
            current *= 100
        elif word in ("thousand", "million", "billion") and seen:
            total += current * _SCALES[word]
            current = 0
        elif word == "and" and seen and j + 1 < n and tokens[j + 1].low in _UNITS_WORDS:
            pass
        else:
            break
        seen = True
        j += 1
    if not seen:
        return None
    return total + current, j


def _base_number(tokens: list[Token], i: int) -> tuple[float, float | None, int] | None:
    """Parse a figure without modifiers at ``i``; return (low, high, index after it)."""
    n = len(tokens)
    tok = tokens[i]
    value = _digits(tok.text)
    if value is not None:
        j = i + 1
        if j < n and tokens[j].low in _SCALES:
            value *= _SCALES[tokens[j].low]
            j += 1
        elif j + 1 < n and tokens[j].text in ("-", "–") and tokens[j + 1].low in _SCALES:
            # "a $143-billion bailout" (some copy spaces the hyphen: "$143 - billion")
            value *= _SCALES[tokens[j + 1].low]
            j += 2
        return value, value, j
    if tok.low in _VAGUE:
        low, high = _VAGUE[tok.low]
        j = i + 1
        if tok.low == "several" and j < n and tokens[j].low in ("dozen", "hundred", "thousand"):
            step = {"dozen": 12.0, "hundred": 100.0, "thousand": 1000.0}[tokens[j].low]
            return low * step, high * step + step - 1, j + 1
        # "tens of thousands", "hundreds of thousands"
        if (
            j + 1 < n
            and tokens[j].low == "of"
            and tokens[j + 1].low in ("thousands", "millions", "hundreds")
        ):
            factor = {"hundreds": 100, "thousands": 1e3, "millions": 1e6}[tokens[j + 1].low]
            return low * factor, high * factor, j + 2
        return low, high, j
    # "a few hundred": as vague as "hundreds"
    if (
        tok.low == "a"
        and i + 2 < n
        and tokens[i + 1].low == "few"
        and tokens[i + 2].low + "s" in _VAGUE
    ):
        low, high = _VAGUE[tokens[i + 2].low + "s"]
        return low, high, i + 3
    if tok.low == "no" and i + 1 < n and tokens[i + 1].low == "one":
        return 0.0, 0.0, i + 2
    if tok.low in _ZERO_WORDS:
        return 0.0, 0.0, i + 1
    parsed = _word_number(tokens, i)
    if parsed is None:
        return None
    return parsed[0], parsed[0], parsed[1]


_MODIFIERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("at", "least"), "min"),
    (("no", "fewer", "than"), "min"),
    (("no", "less", "than"), "min"),
    (("a", "minimum", "of"), "min"),
    (("more", "than"), "above"),
    (("upwards", "of"), "above"),
    (("in", "excess", "of"), "above"),
    (("over",), "above"),
    (("above",), "above"),
    (("nearly",), "below_near"),
    (("almost",), "below_near"),
    (("close", "to"), "below_near"),
    (("just", "under"), "below_near"),
    (("up", "to"), "max"),
    (("as", "many", "as"), "max"),
    (("at", "most"), "max"),
    (("no", "more", "than"), "max"),
    (("fewer", "than"), "below"),
    (("less", "than"), "below"),
    (("under",), "below"),
    (("about",), "approx"),
    (("around",), "approx"),
    (("roughly",), "approx"),
    (("approximately",), "approx"),
    (("some",), "approx"),
    (("an", "estimated"), "approx"),
    (("estimated",), "approx"),
    (("between",), "between"),
)


_MODIFIER_STARTS = frozenset(words_[0] for words_, _ in _MODIFIERS)
_DOZEN_DETERMINERS = frozenset(_split("the his her their its our my your these those"))
_NUMBER_STARTS = frozenset(
    {*_UNITS_WORDS, *_TENS_WORDS, *_VAGUE, *_ZERO_WORDS, "a", "half", "dozen", "half-a-dozen"}
    | {f"{tens}-{unit}" for tens in _TENS_WORDS for unit in _UNITS_WORDS}
)


def _may_start_figure(token: Token) -> bool:
    return (
        token.low[0].isdigit()
        or token.low in _NUMBER_STARTS
        or token.low in _MODIFIER_STARTS
        or token.low.split("-")[0] in _NUMBER_STARTS
    )


def _apply_modifier(kind: str, low: float, high: float | None) -> tuple[float, float | None]:
    top = high if high is not None else low
    if kind == "min":
        return low, None
    if kind == "above":
        return (low + 1 if float(low).is_integer() else low), None
    if kind == "below_near":
        return float(int(top * 0.85)), top
    if kind == "max":
        return 0.0, top
    if kind == "below":
        return 0.0, (top - 1 if float(top).is_integer() else top)
    return low, high


def _figure(tokens: list[Token], i: int) -> tuple[float, float | None, int, int] | None:
    """Parse a figure with any modifier starting at ``i``: (low, high, first, after)."""
    n = len(tokens)
    for words_, kind in _MODIFIERS if tokens[i].low in _MODIFIER_STARTS else ():
        k = len(words_)
        if i + k < n and tuple(t.low for t in tokens[i : i + k]) == words_:
            base = _base_number(tokens, i + k)
            if base is None:
                continue
            low, high, j = base
            if kind == "between":
                if j + 1 < n and tokens[j].low == "and":
                    other = _base_number(tokens, j + 1)
                    if other is not None:
                        return low, other[1], i, other[2]
                continue
            low, high = _apply_modifier(kind, low, high)
            return low, high, i, j
    base = _base_number(tokens, i)
    if base is None:
        return None
    low, high, j = base
    # "$2,000 or more", "50 or so": an open or rough figure, not a range
    if j + 1 < n and tokens[j].low in ("or", "and") and tokens[j + 1].low in ("more", "higher"):
        return low, None, i, j + 2
    # "10-15", "10 to 15", "15 or 16"
    if j + 1 < n and tokens[j].low in ("-", "–", "to", "or") and high is not None:
        other = _base_number(tokens, j + 1)
        if (
            other is not None
            and other[1] is not None
            and other[1] > low
            and (tokens[j].low != "-" or tokens[j].start == tokens[j - 1].end)
        ):
            return low, other[1], i, other[2]
    return low, high, i, j


def _is_time_or_date(tokens: list[Token], first: int, after: int) -> bool:
    before = tokens[first - 1].low if first > 0 else ""
    nxt = tokens[after].low if after < len(tokens) else ""
    nxt2 = tokens[after + 1].low if after + 1 < len(tokens) else ""
    if before.rstrip(".") in _MONTHS or nxt.rstrip(".") in _MONTHS:
        return True
    # "Dec. 11": the abbreviation's full stop is a token of its own
    if before == "." and first > 1 and tokens[first - 2].low in _MONTHS:
        return True
    # "October 1 - 2": the second day of a range of dates
    if (
        first > 2
        and before in ("-", "–", "to", "and")
        and tokens[first - 2].low.isdigit()
        and tokens[first - 3].low.rstrip(".") in _MONTHS
    ):
        return True
    # "10News", "7Eleven": a figure glued to the word after it is part of a name ("25KOs" counts)
    if (
        after < len(tokens)
        and tokens[after].start == tokens[after - 1].end
        and nxt[:1].isalpha()
        and not _PLURAL_ABBREVIATION.fullmatch(tokens[after].text)
    ):
        return True
    if nxt in (":", "%") or nxt in ("percent", "pc") or (nxt == "per" and nxt2 == "cent"):
        return True
    if before in ("aged", "age", "page", "no.", "number", "no", "route", "article", "room"):
        return True
    # "No. 7": the abbreviation's full stop is a token of its own
    if before == "." and first > 1 and tokens[first - 2].low == "no":
        return True
    # "42-year-old", "F-16", "COVID-19": a figure glued to a word by a hyphen
    if nxt == "-" and nxt2.startswith(("year", "month", "week", "day", "hour", "minute")):
        return True
    if first > 1 and before == "-" and tokens[first - 1].start == tokens[first - 2].end:
        return True
    previous = tokens[first - 1] if first > 0 else None
    # "MS08", "Curve 8900", "IE 9", "Flight 370": a figure glued to or named by a proper noun
    if previous is not None and previous.text[:1].isalpha():
        if previous.end == tokens[first].start:
            return True
        # a number word is no name's number ("gave Smith two extensions"), unless capitalised
        # too ("The Three Tenors")
        if (
            (tokens[first].low[:1].isdigit() or tokens[first].text[:1].isupper())
            and previous.text[0].isupper()
            and first > 1
            and previous.low not in _MODIFIER_STARTS
            and not _title_case(tokens)
            and not _counted_next(tokens, after)
        ):
            return True
    token = tokens[first]
    return token.low.isdigit() and len(token.low) == 4 and 1800 <= int(token.low) <= 2100


_WEB_ADDRESS = re.compile(r"\s*(?:https?\s*:\s*/|www\s*\.)", re.IGNORECASE)
_ADDRESS_MARKS = frozenset("-._:?=&–")


def _web_address_end(sentence: str, tokens: list[Token]) -> int:
    """Return the index of the first token after the web address that opens a sentence.

    Copy split into tokens writes addresses with spaces ("www. bbc. co. uk / news / three -
    killed"): a path segment goes on while its words are joined by marks or touch.
    """
    n = len(tokens)

    def segment_end(k: int) -> int:
        while k + 1 < n:
            gap = sentence[tokens[k].end : tokens[k + 1].start].strip()
            if tokens[k + 1].text in _ADDRESS_MARKS and k + 2 < n and tokens[k + 2].text != "/":
                k += 2
            elif tokens[k + 1].text != "/" and (
                gap == "_" or not sentence[tokens[k].end : tokens[k + 1].start]
            ):
                k += 1
            else:
                break
        return k + 1

    k = segment_end(0)
    while k < n and tokens[k].text == "/":
        while k < n and tokens[k].text == "/":
            k += 1
        if k < n:
            end = segment_end(k)
            word = tokens[k].text
            # ".../ 2 Dead, 1 Wounded": a lone short word after the last slash starts the text
            last = end >= n or tokens[end].text != "/"
            if last and end == k + 1 and (word[:1].isupper() or (word.isdigit() and len(word) < 5)):
                break
            k = end
    return k


# "a 20 - 13 victory", "the 52-48 vote": a score or a tally, not a count
_SCORE_NOUNS = frozenset(_split("victory win loss defeat vote lead decision margin score tie"))


def _score(tokens: list[Token], first: int, after: int) -> bool:
    """Tell whether a figure is one side of a score: "a 20 - 13 victory", "won 3-1"."""
    n = len(tokens)
    if after + 1 < n and tokens[after].low in ("-", "–") and tokens[after + 1].low[:1].isdigit():
        return after + 2 < n and tokens[after + 2].low in _SCORE_NOUNS
    if first > 1 and tokens[first - 1].low in ("-", "–") and tokens[first - 2].low[:1].isdigit():
        return after < n and tokens[after].low in _SCORE_NOUNS
    return False


def _counted_next(tokens: list[Token], after: int) -> bool:
    """Tell whether people or a toll follow a figure: "told the Guardian 41 bodies were found"."""
    word = tokens[after].low if after < len(tokens) else ""
    return word in _OUTCOME_WORDS or word in _PERSON_NOUNS


def _title_case(tokens: list[Token]) -> bool:
    """Tell whether a sentence is a headline in title case ("Border Agents Stop 212,000 Migrants").

    There every word is capitalised, so a capital before a figure does not make it a name.
    """
    long_words = [t.text for t in tokens if len(t.text) > 3 and t.text[:1].isalpha()]
    capitals = sum(w[0].isupper() for w in long_words)
    return len(long_words) >= 3 and capitals >= 0.8 * len(long_words)


_PLURAL_ABBREVIATION = re.compile(r"[A-Z]{2,}s")
# Adjectives and adverbs that end like plurals: "14 overseas stations", "a combination indoors".
_NOT_PLURAL = frozenset(
    _split("""overseas downstairs upstairs indoors outdoors always perhaps sometimes afterwards
    towards besides nowadays whereas various""")
)


def _plural_noun(word: str) -> bool:
    # "Gazans", "Palestinians": a capitalised plural counts people too; "NATO", "USS" do not;
    # "KOs", "MPs", "SUVs" do.
    if _PLURAL_ABBREVIATION.fullmatch(word):
        return True
    return (
        word.lower() not in _NOT_PLURAL
        and word.isalpha()
        and word[1:].islower()
        and len(word) > 3
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is", "ous"))
    )


def _compound_people(word: str) -> bool:
    """Tell whether a word is a compound plural of people: "schoolchildren", "gunmen"."""
    if not word.isalpha() or len(word) < 6:
        return False
    return word.endswith(("children", "women")) or (
        word.endswith("men") and not word.endswith(("imen", "omen", "umen", "yemen"))
    )


def lemma(word: str) -> str:
    """Return a rough singular form of a plural noun ("bases" -> "base")."""
    word = word.lower()
    irregular = {
        "people": "people",
        "children": "child",
        "men": "man",
        "women": "woman",
        "campuses": "campus",
        "buses": "bus",
        "viruses": "virus",
        "species": "species",
        "grandchildren": "grandchild",
        "series": "series",
    }
    if word in irregular:
        return irregular[word]
    if _compound_people(word):
        return word[:-3] if word.endswith("children") else word[:-3] + "man"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zzes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _noun_after(tokens: list[Token], j: int) -> tuple[int, str] | None:
    """Find what a figure counts: the index of its noun and the category it implies."""
    n = len(tokens)
    # "dozens of missiles", "none of their troops"
    if j < n and tokens[j].low == "of":
        j += 1
        if j < n and tokens[j].low in (
            "the",
            "their",
            "its",
            "his",
            "her",
            "our",
            "those",
            "these",
        ):
            j += 1
            # "three of the eight casings", "nine of its next 12 games": the part counts what
            # the whole counts
            if j < n and tokens[j].low in ("next", "first", "last", "past"):
                j += 1
            whole = _figure(tokens, j) if j < n and _may_start_figure(tokens[j]) else None
            if whole is not None:
                j = whole[3]
    words_seen = 0
    measure_end = j  # "two 15 - year terms": a measure before the noun modifies it
    for k in range(j, min(j + 9, n)):
        word = tokens[k].low
        if word in _QUOTES or _continues_word(tokens, k, j) or k < measure_end:
            continue  # 80 "American terrorists"; "U.S. jobs", "Covid-19 cases", "first - degree"
        if (
            tokens[k].text[:1].isdigit()
            and k + 2 < n
            and tokens[k + 1].text in ("-", "–")
            and tokens[k + 2].low in _UNITS
        ):
            measure_end = k + 3
            continue
        # "half - brothers": a number word opening a compound is part of the noun
        compound_start = k + 1 < n and tokens[k + 1].text in ("-", "–")
        figure_next = word in _NUMBER_STARTS and not compound_start
        # "one Italian skier have fallen": a singular noun after "one" before its verb
        after_one = k > j and j > 0 and tokens[j - 1].low == "one"
        singular_before = tokens[k - 1].text.isalpha() and tokens[k - 1].text.islower()
        if word in _LINKING and after_one and singular_before:
            return k - 1, "generic"
        if words_seen >= 4 or word in _NOT_COUNTED or word in _LINKING or figure_next:
            return None  # a verb or another figure ends what this figure counts
        # "hundreds of public and private schools": two modifiers joined
        joined = (
            word in ("and", "or")
            and words_seen >= 1
            and k + 2 < n
            and tokens[k + 1].text.isalpha()
            and tokens[k + 1].low not in _NUMBER_STARTS
            and tokens[k + 1].low not in _STOP_AFTER
            and not _plural_noun(tokens[k - 1].text)
            and tokens[k - 1].low not in _PERSON_NOUNS
            and _plural_noun(tokens[k + 2].text)
        )
        if joined:
            continue
        # "one German and one Italian skier": two figures share the noun after the second
        if (
            word in ("and", "or")
            and words_seen >= 1
            and k + 1 < n
            and tokens[k + 1].low in _UNITS_WORDS
        ):
            shared = _figure(tokens, k + 1)
            if shared is None or any(_plural_noun(t.text) for t in tokens[j:k]):
                return None
            found = _noun_after(tokens, shared[3])
            if found is not None:
                return found
            # a singular noun before the verb: "one Italian skier have fallen"
            for x in range(shared[3], min(shared[3] + 3, n - 1)):
                if tokens[x].text.isalpha() and tokens[x + 1].low in ("have", "were", "are", "had"):
                    return x, "generic"
            return None
        words_seen += 1
        if word in _OUTCOME_WORDS:
            return k, _OUTCOME_WORDS[word]
        if word == "ko" and k == j:
            return k, "generic"  # "(31 - 4, 20 KO)": a boxer's knockouts
        if word in _MISSILE_NOUNS:
            return k, "missiles"
        if word in _PERSON_NOUNS or _compound_people(word):
            return k, "people"
        if word in _CURRENCY_WORDS:
            return k, "money"
        compound = k > j and tokens[k - 1].text in ("-", "–")  # "first - degree murder charges"
        if (
            not tokens[k].text[:1].isalpha()
            or word in _STOP_AFTER
            or (word in _UNITS and not compound)
        ):
            return None
        if word.split("-")[0] in _UNITS and not compound:
            return None  # "16 year-old": an age, not a count
        # The first plain plural noun is what is counted ("two bases housing troops").
        if _plural_noun(tokens[k].text):
            # "the Saints' 16 games": a possessive plural names the owner, not what is counted
            if (
                k + 1 < n
                and tokens[k + 1].text in ("'", "’")
                and tokens[k + 1].start == tokens[k].end
            ):
                continue
            # A plural used as a modifier: "plainclothes officers", "rescue workers",
            # "plainclothes NYPD officers"
            if k + 1 < n and tokens[k + 1].low in _PERSON_NOUNS:
                return k + 1, "people"
            # "plainclothes NYPD officers", "plainclothes police officers"
            if (
                k + 2 < n
                and (tokens[k + 1].text.isupper() or tokens[k + 1].text.islower())
                and tokens[k + 1].text.isalpha()
                and tokens[k + 1].low not in _STOP_AFTER
                and tokens[k + 1].low not in _LINKING
                and tokens[k + 2].low in _PERSON_NOUNS
            ):
                return k + 2, "people"
            # "two rules changes", "four Ohio counties": a plural before a plain plural noun
            # modifies it
            if (
                k + 1 < n
                and words_seen <= _MODIFIERS_BEFORE_NOUN
                and tokens[k + 1].text.islower()
                and _plural_noun(tokens[k + 1].text)
                and tokens[k + 1].low not in _UNITS
                and tokens[k + 1].low not in _NOT_COUNTED
            ):
                return k + 1, "generic"
            return (k, "generic") if words_seen <= _MODIFIERS_BEFORE_NOUN + 1 else None
    return None


# Words a counted noun may carry before it: "15,000 new coronavirus cases", "two first-degree
# murder charges", "7 senior Russian officials".
_MODIFIERS_BEFORE_NOUN = 3


def _continues_word(tokens: list[Token], k: int, first: int) -> bool:
    """Tell whether token ``k`` only continues the word before it ("U.S." "-19", "first - degree").

    A mark or figure glued to the word before ("Covid-19", the dot of "U.S.") belongs to that
    word; so does a hyphen written apart between two words, as tokenized copy has it.
    """
    if k <= first:
        return False
    token, previous = tokens[k], tokens[k - 1]
    glued = token.start == previous.end and previous.text[:1].isalpha()
    if glued and (token.text in ("-", ".") or token.text[:1].isdigit()):
        return True
    if previous.text in ("-", "–") and previous.start == tokens[k - 2].end and k - 2 >= first:
        return token.start == previous.end  # the "19" of "Covid - 19" glued as "Covid-19"
    spaced_hyphen = token.text == "-" and k + 1 < len(tokens)
    return spaced_hyphen and tokens[k - 1].text[:1].isalpha() and tokens[k + 1].text[:1].isalpha()


def _outcome_after(tokens: list[Token], k: int, *, subject: bool = True) -> tuple[int, str] | None:
    """Return the outcome a verb gives to what was counted: "80 people were killed".

    ``subject`` is False when the figure stands inside a phrase ("refuge with hundreds of people
    in a school were killed"): a verb after a place is then not its own.
    """
    n = len(tokens)
    m = k + 1
    steps = 0
    while m < n and steps < 8:
        word = tokens[m].low
        steps += 1
        if word in _QUOTES:
            m += 1
            continue
        # "three Palestinians, who had sought refuge there, died"; "three men - all cousins - died"
        # "12 members, including seven children, were killed"
        if (
            word in (",", "-", "–", "—")
            and m + 1 < n
            # "his two half-brothers, 17 and 22, were arrested": their ages
            and (
                word != "," or tokens[m + 1].low in _ASIDE_STARTS or tokens[m + 1].low[:1].isdigit()
            )
        ):
            close = next((x for x in range(m + 1, min(m + 16, n)) if tokens[x].low == word), None)
            if close is None:
                return None
            m = close + 1
            continue
        # "50 people with serious injuries", "two officers suffered minor injuries"
        if word in ("with", "suffered", "sustained", "received"):
            for x in range(m + 1, min(m + 4, n)):
                if _OUTCOME_WORDS.get(tokens[x].low) == "injured":
                    return x, "injured"
            return None
        # "12 patients were treated for burns", "90 others were given outpatient treatment":
        # care for the hurt
        if word in ("treated", "given") and steps > 1 and tokens[m - 1].low in _LINKING:
            for x in range(m + 1, min(m + 7, n)):
                if tokens[x].low in _TREATMENT or _OUTCOME_WORDS.get(tokens[x].low) == "injured":
                    return x, "injured"
                if tokens[x].low in (",", ";", "."):
                    break
            return None
        # "11 workers were taken to hospital", "rushed to a hospital": taken in hurt
        if word in _TAKEN and steps > 1 and tokens[m - 1].low in _LINKING:
            ahead = [t.low for t in tokens[m + 1 : m + 4]]
            if ahead[:1] == ["to"] and any(w in ("hospital", "hospitals") for w in ahead[1:]):
                return m, "injured"
        # "four suspects were taken into custody"
        if word in ("taken", "placed") and [t.low for t in tokens[m + 1 : m + 3]] == [
            "into",
            "custody",
        ]:
            return m + 2, "arrested"
        # "nine people remain in hospital", "three were in critical condition"
        if word in ("remain", "remains", "remained") and m + 1 < n and tokens[m + 1].low == "in":
            m += 1
            continue
        if word == "in" and steps > 1 and tokens[m - 1].low in _IN_CARE:
            ahead = [t.low for t in tokens[m + 1 : m + 4]]
            if ahead[:1] == ["a"]:
                ahead = ahead[1:]
            if ahead[:1] in (["hospital"], ["hospitals"]) or (
                ahead[:1] in (["critical"], ["serious"], ["stable"], ["grave"])
                and ahead[1:2] == ["condition"]
            ):
                return m + 1, "injured"
        # "two guards were among the dead"
        if word == "among" and m + 2 < n and tokens[m + 1].low == "the":
            kind = _OUTCOME_WORDS.get(tokens[m + 2].low)
            return (m + 2, kind) if kind in ("killed", "injured", "missing", "arrested") else None
        if word in _OUTCOME_WORDS and word not in ("held",):
            # "one of the schools killed 40": the verb's object was hit, not its subject
            following = tokens[m + 1].low if m + 1 < n else ""
            transitive = word in _TRANSITIVE_OUTCOMES and steps == 1
            if transitive and (following[:1].isdigit() or following in _NUMBER_STARTS):
                return None
            # "two deputies shot and killed a suspect": they killed, nobody killed them
            passive = any(tokens[x].low in _LINKING for x in range(k + 1, m))
            if word in _TRANSITIVE_OUTCOMES and not passive and following in _OBJECT_STARTS:
                return None
            return _either_outcome(tokens, m)
        # "three officers involved in the chase were arrested": a participle's phrase stands
        # between the counted and their verb; skip to that verb
        if steps == 1 and _participle(word) and m + 1 < n and tokens[m + 1].low in _PHRASE_HEADS:
            verb = _linking_ahead(tokens, m + 2)
            if verb is not None:
                m = verb
                continue
        # "dozens of men and women were killed": one group named in two words
        if (
            steps == 1
            and word in ("and", "or")
            and m + 1 < n
            and tokens[m + 1].low in _PERSON_NOUNS
        ):
            m += 2
            continue
        # "12 patients at the clinic were treated": a place between them and their verb
        if subject and steps == 1 and word in ("at", "in", "from", "on", "inside"):
            verb = _linking_ahead(tokens, m + 1, limit=5)
            if verb is not None:
                m = verb
                continue
        # "3,000 villagers fled their homes", "were forced to flee the fighting"
        fled = _fled(tokens, m)
        if fled is not None:
            return fled, "displaced"
        # "five soldiers lost their lives"
        if word == "lost" and [t.low for t in tokens[m + 1 : m + 3]] in _LOST_LIVES:
            return m + 2, "killed"
        # "two skiers have fallen to their deaths"
        falls_to = [t.low for t in tokens[m + 1 : m + 4]]
        to_death = falls_to[1:] in (["his", "death"], ["her", "death"], ["their", "deaths"])
        if word in _FALLS and falls_to[:1] == ["to"] and to_death:
            return m + 3, "killed"
        # "three young men who were cousins died"
        if word == "who" and steps == 1:
            inner = _outcome_in_clause(tokens, m + 1)
            if inner is not None:
                return inner
        # "12 members of one family were killed": step over what they are members of
        if word == "of" and steps == 1:
            rest = next(
                (
                    x
                    for x in range(m + 1, min(m + 7, n))
                    if tokens[x].low in (",", ";", ".") or tokens[x].low in _LINKING
                ),
                None,
            )
            if rest is not None and tokens[rest].low not in (";", "."):
                m = rest
                continue
        # "had so far been confirmed dead"
        if word == "so" and m + 1 < n and tokens[m + 1].low == "far":
            m += 2
            continue
        # "are reported to have been killed", "were believed to be trapped"
        if word in _REPORTED and [t.low for t in tokens[m + 1 : m + 3]] in (
            ["to", "have"],
            ["to", "be"],
        ):
            m += 3
            continue
        shot_and = word == "and" and tokens[m - 1].low == "shot"  # "was shot and killed"
        if (
            word not in _LINKING
            and word not in _BEFORE_OUTCOME
            and not _adverb(word)
            and not shot_and
        ):
            return None
        m += 1
    return None


def _shared_outcome(tokens: list[Token], k: int) -> tuple[int, str] | None:
    """Return the outcome of the verb after the aside or list a figure stands in.

    "Nine villagers, including two boys caught in the crossfire, were killed"; "ten people, four
    nurses, three guards and three patients, were hurt": the list ends at a comma and the verb of
    the sentence's subject follows it.
    """
    for x in range(k + 1, min(k + 16, len(tokens) - 1)):
        word = tokens[x].low
        if word in (";", ".", ":") or word in _LINKING or word in _OUTCOME_WORDS:
            return None
        if word == ",":
            m = x + 1
            while m < len(tokens) and (tokens[m].low in _LINKING or _adverb(tokens[m].low)):
                m += 1
            if m > x + 1 and m < len(tokens) and tokens[m].low in _OUTCOME_WORDS:
                return _either_outcome(tokens, m)
    return None


_IN_CARE = frozenset(_split("remain remains remained were was are is still"))
_TAKEN = frozenset(_split("taken rushed admitted airlifted flown brought sent"))
_REPORTED = frozenset(_split("reported said believed feared thought known confirmed presumed"))
_TREATMENT = frozenset(
    _split("treatment injuries injury wounds burns fractures cuts bones hospital hospitals shock")
)
_PHRASE_HEADS = frozenset(_split("in of with at by from for on"))
# Participles that open a phrase about the counted, not what happened to them
_NOT_PARTICIPLES = frozenset(_split("need red bed hundred"))


def _participle(word: str) -> bool:
    return word.endswith("ed") and word.isalpha() and len(word) > 4 and word not in _NOT_PARTICIPLES


def _linking_ahead(tokens: list[Token], m: int, limit: int = 8) -> int | None:
    """Return the index of the linking verb ("were", "had been") that ends a short phrase at ``m``.

    None when the phrase runs into punctuation, a figure or another verb first.
    """
    for x in range(m, min(m + limit, len(tokens))):
        word = tokens[x].low
        if word in ("were", "was", "are", "is", "have", "has", "had"):
            return x
        figure = word in _NUMBER_STARTS and word not in ("a", "half")
        if not word[:1].isalpha() or figure or word in _OUTCOME_WORDS:
            return None
        if word in ("who", "which", "that", "and", "or", "but"):
            return None
    return None


def _either_outcome(tokens: list[Token], m: int) -> tuple[int, str]:
    """Return the outcome at ``m``, or casualties for "killed or injured", "dead or wounded"."""
    kind = _OUTCOME_WORDS[tokens[m].low]
    if kind in ("killed", "injured") and m + 2 < len(tokens) and tokens[m + 1].low in ("or", "and"):
        other = _OUTCOME_WORDS.get(tokens[m + 2].low)
        if other in ("killed", "injured") and other != kind and tokens[m + 1].low == "or":
            return m + 2, "casualties"
    return m, kind


_FLEE = frozenset(_split("fled flee fleeing"))
_FLED_FROM = frozenset(
    _split("homes home fighting violence area village villages town region city camps shelters")
)


def _fled(tokens: list[Token], m: int) -> int | None:
    """Return the end of "fled their homes" or "were ordered to leave their homes" at ``m``.

    Fleeing counts as displacement only with what was fled ("two inmates fled" is an escape).
    """
    word = tokens[m].low
    window = [t.low for t in tokens[m + 1 : m + 5]]
    if word in ("forced", "ordered") and window[:1] == ["to"] and len(window) > 1:
        if window[1] == "flee" or (window[1] == "leave" and any(w in _FLED_FROM for w in window)):
            return m + 2
        return None
    if word in _FLEE and any(w in _FLED_FROM for w in window[:3]):
        return m
    return None


_OBJECT_STARTS = frozenset(_split("a an the his her their its him them us me"))
_PREPOSITIONS = frozenset(_split("with of among to for from by in at on including than into"))
_FALLS = frozenset(_split("fell fallen falling plunged plunging"))
_TRANSITIVE_OUTCOMES = frozenset(_split("killed injured wounded hurt"))
_ASIDE_STARTS = frozenset(_split("who including all most among mostly many some aged"))
_LOST_LIVES = (["their", "lives"], ["his", "life"], ["her", "life"])
_INTRANSITIVE_OUTCOMES = frozenset(_split("died dead"))


def _outcome_in_clause(tokens: list[Token], m: int) -> tuple[int, str] | None:
    """Return the outcome that ends a relative clause or a phrase after what was counted.

    Only a passive ("were killed") or an intransitive outcome ("died") counts: in "three men who
    killed a guard were arrested" the men were arrested.
    """
    for x in range(m, min(m + 14, len(tokens))):
        word = tokens[x].low
        if word in (",", ";", ".", ":") or word[0].isdigit():
            return None
        if word in _INTRANSITIVE_OUTCOMES:
            return x, _OUTCOME_WORDS[word]
        if word in _OUTCOME_WORDS and word != "held" and tokens[x - 1].low in _LINKING:
            return x, _OUTCOME_WORDS[word]
    return None


def _magnitude(tokens: list[Token], first: int, after: int, low: float) -> bool:
    """Tell whether a decimal figure is an earthquake's magnitude: "6.1-magnitude", "a 9.1 temblor"."""
    if not 1 <= low < 10:
        return False
    before = [t.low for t in tokens[max(0, first - 3) : first]]
    if before[-1:] == ["magnitude"] or before[-2:] in (["magnitude", "-"], ["magnitude", "of"]):
        return True
    if not any(t.low[:1].isdigit() for t in tokens[first:after]):
        return False  # "two quakes": a count
    # "two quakes, measuring 6.8 and 6.5"
    if before[-1:] in (["measuring"], ["measured"]) and any(
        t.low in _QUAKE_NOUNS for t in tokens[max(0, first - 6) : first]
    ):
        return True
    if (
        before[-1:] in (["and"], ["or"], ["to"])
        and first > 1
        and "." in tokens[first - 2].text
        and _magnitude(tokens, first - 2, first - 1, _digits(tokens[first - 2].text) or 0.0)
    ):
        return True
    following = [t.low for t in tokens[after : after + 4]]
    # "7.6 and 7.5 magnitude quakes"
    if following[:1] in (["and"], ["or"], ["to"]) and len(following) > 2:
        following = following[2:]
    if following[:1] == ["-"]:
        following = following[1:]
    if following[:1] and following[0] in _QUAKE_NOUNS:
        # "3 earthquakes": a whole number before a plural counts quakes
        decimal = any("." in t.text for t in tokens[first:after])
        return not (following[0].endswith("s") and not decimal)
    return bool(following) and following[0] in ("magnitude", "richter")


def _toll_before(tokens: list[Token], first: int) -> str | None:
    """Return the category of a toll the figure completes: "the death toll ... rose to 19"."""
    if first == 0:
        return None
    # "the death toll above 680": a modifier may follow the toll itself
    if tokens[first - 1].low == "toll":
        begin = first - 1
    elif tokens[first - 1].low in _TOLL_LINKS:
        begin = first - 2
    else:
        return None
    for m in range(begin, max(-1, first - 10), -1):
        word = tokens[m].low
        if word in (";", ".") or word[0].isdigit():
            return None
        if word == "toll" or (word == "number" and m + 2 < first and tokens[m + 1].low == "of"):
            kind = tokens[m - 1].low if m > 0 else ""
            if word == "number":
                kind = tokens[m + 2].low
            if kind in ("injury", "injured", "wounded"):
                return "injured"
            if kind in ("death", "dead", "deaths", "casualty", "killed") or word == "toll":
                return "killed" if kind not in ("casualty",) else "casualties"
            return None
    return None


def _money_prefix(tokens: list[Token], first: int) -> str | None:
    if first > 0 and tokens[first - 1].low in _CURRENCY_SYMBOLS:
        return _CURRENCY_SYMBOLS[tokens[first - 1].low]
    return None


# The currencies amounts are written in, and those whose name is a weight or rare in amounts.
_CURRENCY_NAMES = frozenset(_CURRENCY_WORDS) | frozenset(_split("pound pounds peso franc lira"))
_RATE_WORDS = frozenset(
    _split(
        "below above under over to at against fell rose dropped slipped climbed hit traded sank jumped near"
    )
)


def _exchange_rate(tokens: list[Token], symbol: int) -> bool:
    """Tell a currency's price from an amount: "drove the euro below $1", "the pound at $1.50"."""
    for k in range(symbol - 1, max(-1, symbol - 5), -1):
        if tokens[k].low in _CURRENCY_NAMES:
            # "30 billion euros to $40 billion": an amount in that currency, not its price
            before = tokens[k - 1].low if k > 0 else ""
            if before in _SCALES or _digits(before) is not None:
                return False
            rest = [t.low for t in tokens[k + 1 : symbol]]
            return bool(rest) and all(w in _RATE_WORDS for w in rest)
    return False


def find_quantities(sentence: str) -> list[Quantity]:
    """Return the counted figures of one sentence, left to right."""
    tokens = tokenize(sentence)
    found: list[Quantity] = []
    # a web address before the headline ("http: / / ... / 3 - dead - in - blast 3 dead in blast"):
    # its numbers are ids and dates, not counts
    i = _web_address_end(sentence, tokens) if _WEB_ADDRESS.match(sentence) else 0
    n = len(tokens)
    while i < n:
        if not _may_start_figure(tokens[i]):
            i += 1
            continue
        parsed = _figure(tokens, i)
        if parsed is None:
            i += 1
            continue
        low, high, first, after = parsed
        quantity = _classify(sentence, tokens, low, high, first, after)
        if quantity is None and found:
            quantity = _elided(sentence, tokens, found[-1], low, high, first, after)
        if quantity is None:
            i += 1
            continue
        found.append(quantity)
        i = max(after, i + 1)
    return found


_CASUALTIES = frozenset(CATEGORIES[:4])


def _elided(
    sentence: str,
    tokens: list[Token],
    previous: Quantity,
    low: float,
    high: float | None,
    first: int,
    after: int,
) -> Quantity | None:
    """Read a figure whose noun is left out as the toll before it: "and thousands more", "over
    170,000 of them"."""
    following = [t.low for t in tokens[after : after + 2]]
    # "nine bridges, three of which collapsed", "two of them in the back": a part of the
    # things just counted
    of_them = following in (["of", "which"], ["of", "them"], ["of", "those"])
    part_of_generic = of_them and previous.about not in _CASUALTIES and previous.noun
    if part_of_generic and high != 0 and not _is_time_or_date(tokens, first, after):
        start, end = tokens[first].start, tokens[after - 1].end
        return Quantity(
            previous.about,
            sentence[start:end],
            sentence[start : tokens[after + 1].end],
            low,
            high,
            start,
            end,
            "",
            tokens[after + 1].end,
        )
    # "12 of the candidates registered in the capital, 9 in the northern region, and 14 in the coastal
    # region": a breakdown by place counts what the figure before it counted
    by_place = (
        first > 0
        and tokens[first - 1].low in (",", "and")
        and following[:1] == ["in"]
        and after + 1 < len(tokens)
        and tokens[after + 1].text[:1].isupper()
        and previous.about not in _CASUALTIES
        and previous.noun
        and high != 0
    )
    if by_place:
        start, end = tokens[first].start, tokens[after - 1].end
        value = sentence[start:end]
        return Quantity(previous.about, value, value, low, high, start, end, previous.noun, end)
    if previous.about not in _CASUALTIES or high == 0:
        return None
    # "40 wounded, 6 critically": the badly hurt among them
    badly = following[:1] in (["critically"], ["seriously"], ["severely"], ["gravely"])
    if badly and previous.about == "injured" and first > 0 and tokens[first - 1].low == ",":
        start, end = tokens[first].start, tokens[after - 1].end
        value = sentence[start:end]
        return Quantity("injured", value, value, low, high, start, end, "", end)
    if following[:1] != ["more"] and following != ["of", "them"]:
        return None
    if following == ["more", "than"]:
        return None  # "one more than the police had reported": a difference, not a toll
    # "thousands more homes": the noun after "more" is what is counted
    counted_after = len(following) == 2 and (
        following[1] in _UNITS or _plural_noun(tokens[after + 1].text)
    )
    if following[:1] == ["more"] and counted_after:
        return None
    if _is_time_or_date(tokens, first, after):
        return None
    start, end = tokens[first].start, tokens[after - 1].end
    phrase_end = tokens[after + len(following) - 1 if following[0] == "of" else after].end
    value = sentence[start:end]
    return Quantity(
        previous.about, value, sentence[start:phrase_end], low, high, start, end, "", phrase_end
    )


def _lost_before(tokens: list[Token], first: int) -> bool:
    """Tell whether "lost" leads the figure at ``first``, maybe across a list ("lost 7 X and 4 Y").

    Not "lost 300 workers to rivals": the caller checks what follows the noun.
    """
    for k in range(first - 1, max(-1, first - 8), -1):
        word = tokens[k].low
        if word == "lost":
            return True
        if word in (",", ";", ".", "-") or word in _LINKING or word in _OUTCOME_WORDS:
            return False
    return False


def _listed_before(tokens: list[Token], first: int) -> str | None:
    """Return what "two others" count after "one bomb hit ..., another bomb hit ...", if so.

    The noun comes from the last "one X" or "another X" earlier in the sentence; people are left
    to the outcome rules ("one man died and two others were hurt").
    """
    for k in range(first - 2, -1, -1):
        word = tokens[k].low
        if word in ("one", "another") and tokens[k + 1].text.isalpha():
            noun = tokens[k + 1].low
            if noun in _PERSON_NOUNS or noun in ("of", "more", "other") or noun in _STOP_AFTER:
                return None
            return lemma(noun)
    return None


def _modifier_before(tokens: list[Token], index: int) -> tuple[str, int] | None:
    """Return the modifier that ends just before ``index`` ("more than $2 million") and its start."""
    for words_, kind in _MODIFIERS:
        k = len(words_)
        if index - k >= 0 and tuple(t.low for t in tokens[index - k : index]) == words_:
            return kind, index - k
    return None


def _classify(
    sentence: str, tokens: list[Token], low: float, high: float | None, first: int, after: int
) -> Quantity | None:
    """Decide what a parsed figure counts, or None when it is not a counted claim."""
    value_start = tokens[first].start
    value_end = tokens[after - 1].end
    # Money: "$56 million", "£3bn", "25 million dollars"
    currency = _money_prefix(tokens, first)
    if currency is not None and _exchange_rate(tokens, first - 1):
        return None
    if currency is not None:
        if after < len(tokens) and tokens[after].low in _MONEY_SCALES and high is not None:
            scale = _MONEY_SCALES[tokens[after].low]
            low, high = low * scale, high * scale
            after += 1
        start = tokens[first - 1].start
        modifier = _modifier_before(tokens, first - 1) if low == high else None
        if modifier is not None and modifier[0] != "between":
            low, high = _apply_modifier(modifier[0], low, high)
            start = tokens[modifier[1]].start
        end = tokens[after - 1].end
        text = sentence[start:end]
        return Quantity(f"money ({currency})", text, text, low, high, start, end, currency, end)
    if _magnitude(tokens, first, after, low):
        value = sentence[value_start:value_end]
        return Quantity("magnitude", value, value, low, high, value_start, value_end, "", value_end)
    if _is_time_or_date(tokens, first, after) or _score(tokens, first, after):
        return None
    before = tokens[first - 1].low if first > 0 else ""
    # "a four punch combination", "a 12 lap race": a number after an indefinite article
    # modifies the noun after it ("a dozen", "a few hundred" are read from the article itself)
    if before in ("a", "an"):
        return None
    # "one in every 200 users", "one in 50 homes": a rate, not a count
    if before == "every" or (
        before == "in" and first > 1 and tokens[first - 2].low in ("one", "1")
    ):
        return None
    is_zero = high == 0
    following = [t.low for t in tokens[after : after + 2]]
    if len(following) == 2 and following[1] in ("later", "ago") and following[0].endswith("s"):
        return None  # "Two drives later", "three games ago": when, not how many
    # "killing all 176 people": the verb before a determiner still leads the figure
    lead_at = first - 2 if first > 1 and tokens[first - 1].low in ("all", "another") else first - 1
    leading = tokens[lead_at].low if lead_at >= 0 else ""
    lead_kind = _LEADING_VERBS.get(leading)
    before_lead = tokens[lead_at - 1].low if lead_at > 0 else ""
    # "shot dead four guards", "claimed the lives of 15 people"
    if (leading, before_lead) in (("dead", "shot"), ("of", "lives")):
        lead_kind = "killed"
    if leading == "of" and first > 1 and tokens[first - 2].low in _PARENT_NOUNS:
        return None  # "a mother of 12"
    noun = _noun_after(tokens, after)
    # "raising to 19 the number of people killed": the figure counts what follows it
    number_of = [t.low for t in tokens[after : after + 3]] == ["the", "number", "of"]
    if noun is None and leading == "to" and number_of:
        noun = _noun_after(tokens, after + 3)
    about: str | None = None
    noun_index = after - 1
    single = low == 1 and high == 1
    if (
        is_zero
        and noun is not None
        and tokens[noun[0]].low in ("reports", "report", "word", "sign", "signs")
        and noun[0] + 2 < len(tokens)
        and tokens[noun[0] + 1].low == "of"
    ):
        # "There were no reports of injuries", "no immediate reports of any casualties"
        at = noun[0] + (3 if tokens[noun[0] + 2].low in ("any", "serious") else 2)
        kind = _OUTCOME_WORDS.get(tokens[at].low) if at < len(tokens) else None
        if kind in _CASUALTIES:
            noun = (at, str(kind))
    if noun is None and is_zero and tokens[after - 1].low in ("one", "nobody", "none"):
        # "no one was killed", "nobody was hurt"
        outcome = _outcome_after(tokens, after - 1)
        if outcome is not None:
            noun_index, about = outcome
            noun = outcome
    elif noun is not None:
        noun_index, kind = noun
        word = tokens[noun_index].low
        if kind == "money":
            text = sentence[value_start : tokens[noun_index].end]
            return Quantity(
                f"money ({_CURRENCY_WORDS[word]})",
                text,
                text,
                low,
                high,
                value_start,
                tokens[noun_index].end,
                word,
                tokens[noun_index].end,
            )
        if kind in ("people", "generic"):
            outcome = _outcome_after(tokens, noun_index, subject=leading not in _PREPOSITIONS)
            # "ten people, four nurses, ...": a figure heading a list of figures
            listed = (
                noun_index + 2 < len(tokens)
                and tokens[noun_index + 1].low == ","
                and _may_start_figure(tokens[noun_index + 2])
            )
            if outcome is None and (leading in ("including", ",", "and") or listed):
                outcome = _shared_outcome(tokens, noun_index)
            after_noun = tokens[noun_index + 1].low if noun_index + 1 < len(tokens) else ""
            if outcome is not None:
                noun_index, about = outcome
            elif (
                (word in _PERSON_NOUNS or _compound_people(word))
                and after_noun != "to"
                and _lost_before(tokens, first)
            ):
                about = "killed"  # "Israel has lost seven soldiers and four civilians"
            elif lead_kind is not None:
                about = lead_kind
            elif word in _TROOP_NOUNS:
                about = "troops"
            elif not is_zero and not single:
                # "one woman", "one of the bases": an article, not a figure
                about = "earthquake" if word in _QUAKE_NOUNS else lemma(word)
                if _PLURAL_ABBREVIATION.fullmatch(tokens[noun_index].text):
                    about = word[:-1]  # "500 CPUs"
        elif not single or kind in _CASUALTIES:
            # "one rocket": an article, not a count; "one armed militant dead" is a toll
            about = kind
    elif following[:1] == ["times"] and leading in ("arrested", "detained"):
        about = "arrested"  # "had been arrested five times"
    elif after < len(tokens) and tokens[after].low in _UNITS:
        return None  # "arrested 12 days later": a measure, not a count
    elif not is_zero and lead_kind is not None:
        # "killing 80", "wounded 12"
        about = lead_kind
    elif not is_zero:
        # "Dozens have been reported injured", "the death toll rose to 19"
        # "three others were hurt", "dozens of others were injured"
        subject = after - 1
        if after < len(tokens) and tokens[after].low == "others":
            subject = after
        elif after + 1 < len(tokens) and [t.low for t in tokens[after : after + 2]] == [
            "of",
            "others",
        ]:
            subject = after + 1
        outcome = _outcome_after(tokens, subject)
        listed_before = _listed_before(tokens, first) if subject == after else None
        if outcome is not None and tokens[after - 1].low not in ("one",):
            noun_index, about = outcome
            noun = outcome
        elif listed_before is not None:
            about = listed_before  # "one bomb hit ..., another bomb ... and two others"
        elif leading in ("of", "at") and first > 1 and tokens[first - 2].low in _CROWDS:
            about = "people"  # "a crowd of 30,000", "estimated the crowd at 400"
        elif (
            tokens[after - 1].low in ("dozens", "hundreds", "thousands")
            and after < len(tokens)
            and tokens[after].text.islower()
            and tokens[after].text.endswith("ed")
            and tokens[after].low not in _UNITS
        ):
            about = "people"  # "Hundreds marched", "dozens gathered"
        else:
            about = _toll_before(tokens, first)
    if about is None:
        return None
    # "one person has been arrested": one with a singular noun is a count only for a casualty
    one_word = (
        low == 1 and high in (1, None) and any(t.low in ("one", "a") for t in tokens[first:after])
    )
    if one_word and about not in _CASUALTIES:
        return None
    # "no arrests were made": nobody arrested, said in the noun itself (not "no suspects")
    no_arrests = about == "arrested" and noun is not None and tokens[noun[0]].low == "arrests"
    if is_zero and about not in ("killed", "injured", "casualties", "missing") and not no_arrests:
        return None
    value = sentence[value_start:value_end]
    phrase_end = max(value_end, tokens[noun_index].end)
    phrase_start = tokens[lead_at].start if lead_kind is not None else value_start
    phrase = sentence[phrase_start:phrase_end]
    return Quantity(
        about,
        value,
        phrase,
        low,
        high,
        value_start,
        value_end,
        tokens[noun_index].low if noun else leading,
        phrase_end,
    )
