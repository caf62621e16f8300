"""Read the dates that articles, headers and feeds carry into timezone-aware UTC datetimes.

Sites print publication stamps in many shapes (`Published: April 10, 2007`, `Updated: January
6, 2011, 11:34 AM ET`, `Last updated at 11:24, Tuesday, 18 June 2013`, `Posted 2 / 3 / 2009 11:11
PM`). Instead of one pattern per shape, a stamp is found in two steps: a short scanner takes the
longest run of date-like pieces (numbers, times, month and weekday names, time zones, joining
words) after an optional label, and dateutil reads that run. The scanner only decides where a
stamp ends and the article's own text begins, so a stamp at the start of a paragraph is taken
off without the sentence behind it.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser

# Stamp labels: the words sites print before a date, and whether the date is an update.
_LABEL = re.compile(
    r"(?P<label>(?:first\s+)?published|(?:article\s+)?posted|(?:last\s+)?(?:updated|modified)|date[d]?)"
    r"(?:\s+(?:on|at|time))?\s*:?\s*",
    re.IGNORECASE,
)
# One date-like piece, with the stray spaces some text pipelines put inside numbers ("11: 25").
_PIECE = re.compile(
    r"""
    (?P<offset>(?:GMT|UTC)\s?[+-]\s?\d{1,2}(?:\s?:?\s?\d{1,2})?)
    | (?P<numeric>\d{1,4}\s?(?P<sep>[/.])\s?\d{1,2}\s?(?P=sep)\s?\d{1,4})
    | (?P<time>\d{1,2}\s?[:.h]\s?\d{2}(?:\s?:\s?\d{2})?(?:\s?[ap]\.?\s?m\b\.?)?)
    | (?P<iso>\d{4}\s?-\s?\d{1,2}\s?-\s?\d{1,2}(?:T\S+)?)
    | (?P<number>\d{1,4}(?:st|nd|rd|th)?(?![\w:/]))
    | (?P<ampm>[ap]\.?\s?m\b\.?)
    | (?P<word>[A-Za-z]+\.?)
    | (?P<glue>[,|/()\[\]·•–—@-])
    """,
    re.VERBOSE | re.IGNORECASE,
)
# A wire dateline's place: one to three words in capitals and a comma ("NEW DELHI, 9 June").
_PLACE = re.compile(r"[A-Z][A-Z.'-]+(?:\s+[A-Z][A-Z.'-]+){0,2}\s*,\s*")
_UPDATE = re.compile(r"(?:last\s+)?(?:updated|modified)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# A numeric zone offset right behind a time ("09:30:00 +0100").
_OFFSET = re.compile(r"[+-]\d{2}:?\d{2}\b")
_MONTHS = frozenset(
    name.lower() for name in (*calendar.month_name[1:], *calendar.month_abbr[1:], "sept")
)
_WEEKDAYS = frozenset(
    name.lower() for name in (*calendar.day_name, *calendar.day_abbr, "tues", "thur", "thurs")
)
_JOINING = frozenset({"at", "on", "of", "hrs"})
# Abbreviations that sites print after a time, as hours from UTC. Summer and winter names both
# appear; an abbreviation not listed here is read as UTC.
ZONE_HOURS: dict[str, float] = {
    "UTC": 0, "GMT": 0, "Z": 0, "UT": 0, "WET": 0, "BST": 1, "IST": 5.5, "CET": 1, "CEST": 2,
    "EET": 2, "EEST": 3, "MSK": 3, "EST": -5, "EDT": -4, "ET": -5, "CST": -6, "CDT": -5,
    "CT": -6, "MST": -7, "MDT": -6, "MT": -7, "PST": -8, "PDT": -7, "PT": -8, "AKST": -9,
    "AKDT": -8, "HST": -10, "AEST": 10, "AEDT": 11, "ACST": 9.5, "AWST": 8, "NZST": 12,
    "NZDT": 13, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "PHT": 8, "WIB": 7, "PKT": 5,
    "SAST": 2, "EAT": 3, "WAT": 1, "CAT": 2, "UK": 0,
}  # fmt: skip
# A year alone ("2013") or a day alone never makes a stamp: it needs a month and a year.
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_LONGEST_STAMP = 16
"""Pieces in the longest stamp worth reading (weekday, date, time, zone and glue)."""
_DEFAULT = datetime(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class Stamp:
    """The dates found at the start of a text, and where its own text begins."""

    published: datetime | None
    updated: datetime | None
    end: int
    """Offset in the text just after the last stamp (and the glue behind it)."""


# A date outside these is a typo or an attack (0001-01-01, 9999-12-31): arithmetic near the
# limits of datetime overflows later, in whatever event the article joins, so it counts as none.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def plausible(value: datetime | None) -> datetime | None:
    """Return ``value`` (UTC) when it is between EARLIEST and LATEST, else None."""
    if value is None:
        return None
    try:
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None  # 9999-12-31T23:00-05:00 is in year 10000 in UTC
    return aware if EARLIEST <= aware < LATEST else None


def _aware(value: datetime) -> datetime | None:
    return plausible(value)


def _zone(name: str | None, offset: int | None) -> tzinfo | None:
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    hours = ZONE_HOURS.get((name or "").upper())
    return None if hours is None else timezone(timedelta(hours=hours))


def _is_zone(word: str) -> bool:
    return word.upper() in ZONE_HOURS and (word.isupper() or len(word) > 2)


@dataclass(frozen=True, slots=True)
class _Piece:
    kind: str
    text: str
    end: int


def _pieces(text: str, start: int) -> list[_Piece]:
    """Return the date-like pieces from ``start`` on, stopping at the first that is not one.

    Pieces inside parentheses ("07:58 GMT (23:58 PST)") are the same moment in another zone:
    they belong to the stamp but are not read.
    """
    pieces: list[_Piece] = []
    pos = start
    aside = False
    while len(pieces) < _LONGEST_STAMP:
        space = _SPACE.match(text, pos)
        if space:
            pos = space.end()
        if pieces and pieces[-1].kind in _TIMED and (offset := _OFFSET.match(text, pos)):
            pieces.append(_Piece("offset", _SPACE.sub("", offset.group()), offset.end()))
            pos = offset.end()
            continue
        match = _PIECE.match(text, pos)
        if match is None or match.lastgroup is None:
            break
        kind, raw = match.lastgroup, match.group()
        if kind == "word":
            word = raw.rstrip(".").lower()
            if word in _MONTHS:
                kind = "month"
            elif word in _WEEKDAYS:
                kind = "weekday"
            elif word in _JOINING:
                kind = "glue"
            elif _is_zone(raw.rstrip(".")) and (aside or (pieces and pieces[-1].kind in _TIMED)):
                kind = "zone"
            else:
                break
        elif kind == "ampm" and not (pieces and pieces[-1].kind in ("time", "number")):
            break
        elif kind == "number" and len(raw) == 4 and raw.isdigit() and not _YEAR.match(raw):
            # "1052 GMT": a time written without its colon, when it can be one.
            if int(raw[:2]) > 23 or int(raw[2:]) > 59:
                break
            kind, raw = "time", f"{raw[:2]}:{raw[2:]}"
        elif kind == "number" and len(raw) == 3 and raw.isdigit():
            break
        elif kind == "time":
            raw = re.sub(r"^(\d+)\s?[.h]\s?", r"\1:", raw)
        if raw in ("(", ")"):
            aside = raw == "("
            kind = "glue"
        elif aside:
            kind = "aside"
        text_of = raw if kind == "glue" else _SPACE.sub("", raw)
        pieces.append(_Piece(kind, text_of, match.end()))
        pos = match.end()
    return pieces


def _complete(pieces: list[_Piece]) -> bool:
    """Tell a run that names a whole day (month, day and year, or all in digits) from a part."""
    kinds = {p.kind for p in pieces}
    years = sum(1 for p in pieces if p.kind == "number" and _YEAR.match(p.text))
    days = sum(1 for p in pieces if p.kind == "number" and not _YEAR.match(p.text))
    return bool(kinds & {"numeric", "iso"}) or ("month" in kinds and years >= 1 and days >= 1)


def _read(pieces: list[_Piece], default: datetime) -> datetime | None:
    """Read a run of pieces with dateutil; None when it is no date."""
    words = []
    for piece in pieces:
        if piece.kind in ("glue", "aside"):
            if piece.text == ",":
                words.append(",")
            continue
        if piece.kind == "offset":
            # dateutil reads "GMT+2" the POSIX way round (two hours west); drop the "GMT".
            words.append(re.sub(r"^(?:GMT|UTC)", "", piece.text, flags=re.IGNORECASE))
            continue
        words.append(piece.text.replace(".", "") if piece.kind in ("ampm", "month") else piece.text)
    value = " ".join(words).replace(" ,", ",").strip(" ,")
    try:
        # Dots between the numbers are the European order, day first ("12. 05. 2011").
        dayfirst = any(p.kind == "numeric" and "." in p.text for p in pieces)
        parsed = dateutil_parser.parse(value, default=default, tzinfos=_zone, dayfirst=dayfirst)
    except (ValueError, OverflowError):
        return None
    return _aware(parsed)


_TIMED = frozenset({"time", "ampm", "zone", "offset"})
_STARTS = frozenset({"month", "weekday", "number", "numeric", "iso", "time"})


def _date_at(
    text: str, start: int, *, labelled: bool, day: datetime | None
) -> tuple[datetime, int] | None:
    """Return the date that starts at ``start`` and the offset just after it, or None.

    ``day`` is the date of a stamp just before: `3 July 2013 Last updated at 13:38 GMT` gives
    the update a time on that day.
    """
    pieces = _pieces(text, start)
    # The longest readable run wins, so a time behind the date is kept with it.
    for count in range(len(pieces), 0, -1):
        run = pieces[:count]
        if run[-1].kind in ("glue", "aside") or run[0].kind not in _STARTS:
            continue
        if _complete(run):
            default = _DEFAULT
        elif (
            labelled
            and day is not None
            and {p.kind for p in run} <= {"time", "ampm", "zone", "glue", "aside"}
        ):
            default = day.replace(hour=0, minute=0, second=0, tzinfo=None)
        else:
            continue
        value = _read(run, default)
        if value is not None:
            end = run[-1].end
            # Take trailing glue ("|", "-") too: it belongs to the stamp, not the text.
            for piece in pieces[count:]:
                if piece.kind not in ("glue", "aside") or piece.text[0].isalpha():
                    break
                end = piece.end
            return value, end
    return None


def split_stamp(text: str) -> Stamp | None:
    """Find publication stamps at the start of ``text``; None when it does not start with one.

    Reads `Published: <date>`, `Updated <date>`, `<date> Updated: <date>`, a wire dateline's
    place in capitals before the date (`LISBON, March 4, 2016`) and unlabelled dates
    that name a whole day. The text after ``Stamp.end`` is what the article itself says.

    Args:
        text: a line or paragraph of an article.
    """
    published: datetime | None = None
    updated: datetime | None = None
    pos = len(text) - len(text.lstrip())
    day: datetime | None = None
    while pos < len(text):
        label = _LABEL.match(text, pos)
        place = None if label or day else _PLACE.match(text, pos)
        start = label.end() if label else place.end() if place else pos
        dated = _date_at(text, start, labelled=label is not None, day=day)
        if dated is None:
            break
        value, pos = dated
        if label and _UPDATE.match(label["label"]):
            updated = updated or value
        else:
            published = published or value
        day = day or value
        space = _SPACE.match(text, pos)
        if space:
            pos = space.end()
    if day is None:
        return None
    return Stamp(published=published, updated=updated, end=pos)


def parse_date(text: str | None) -> datetime | None:
    """Return the UTC datetime written in ``text`` (ISO 8601, RFC 2822 or words), or None."""
    if not text:
        return None
    value = text.strip()
    if not value:
        return None
    try:
        return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return _aware(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        pass
    stamp = split_stamp(value)
    if stamp is None or value[stamp.end :].strip():
        return None
    return stamp.published or stamp.updated


def from_struct(value: time.struct_time | None) -> datetime | None:
    """Return a UTC datetime from the ``struct_time`` feedparser gives (already in UTC)."""
    if value is None:
        return None
    try:
        return plausible(datetime(*value[:6], tzinfo=UTC))
    except (TypeError, ValueError, OverflowError):
        return None


def parse_dateline(line: str) -> tuple[datetime, datetime | None] | None:
    """Return (published, updated) when ``line`` is only a dateline, else None."""
    stamp = split_stamp(line)
    if stamp is None or line[stamp.end :].strip():
        return None
    first = stamp.published or stamp.updated
    assert first is not None
    return first, stamp.updated if stamp.published else None
