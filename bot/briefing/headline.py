"""Choose an event's headline: the latest title of its most representative article.

Representative means central and corroborated: the article whose headline and lead share the
most words with the other sources' articles. Among articles about as central as the best one the
most recent wins, so the headline follows the story as it grows ("killing at least 12" gives way
to "death toll rises to 27"). A title that is only a dateline, a time stamp or a web address is
never chosen: such an article is represented by its first real sentence, as written.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from itertools import islice

from bot.briefing.diff import is_boilerplate, iter_content_sentences
from bot.briefing.model import Article, Profile
from bot.briefing.text import content_stems, normalize_space, words

# Articles at least this share of the best centrality count as equally representative.
CLOSE_TO_BEST = 0.8
_LEAD_SENTENCES = 3
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_URL_LIKE = re.compile(r"^\s*(?:https?\s*:\s*/\s*/|www\s*\.)", re.IGNORECASE)
_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
    r"|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
)
# "PARIS, March 3 (Reuters) -", "LONDON —", "Updated 05/03/2013 at 11:00 AM", "May 3rd, 2013".
_DATELINE = re.compile(
    rf"^\W*(?:[A-Z][A-Z.'’ -]{{1,40}}(?:,\s*(?:{_MONTH})\s*\d{{1,2}})?\s*(?:\([^)]{{1,30}}\))?\s*[—–-]+"
    rf"|(?:(?:updated|published|posted)\b.*|(?:{_MONTH}|\d{{1,4}}|[/:,.\s]|st|nd|rd|th|at|am|pm"
    r"|edt|est|gmt|utc|bst)+)\W*$)",
    re.IGNORECASE,
)


def is_dateline(title: str) -> bool:
    """Tell a title that names no event: a dateline, a date or time stamp, a web address."""
    stripped = normalize_space(title)
    if not stripped or _URL_LIKE.match(stripped) or is_boilerplate(stripped):
        return True
    if len(words(stripped)) < 2:
        return True  # "Breaking", "Live"
    match = _DATELINE.match(stripped)
    # A dateline that opens a real headline ("PARIS — Fire guts cathedral") is still a headline.
    return match is not None and len(words(stripped[match.end() :])) < 3


def _lead(text: str) -> list[str]:
    # Only the first sentences are split: the rest of a long article is never read here.
    sentences = (s for s in iter_content_sentences(text) if not _URL_LIKE.match(s))
    return list(islice(sentences, _LEAD_SENTENCES))


# "Breaking News: Sudan bombs ...", "UPDATE - ...": a site's label for the story, not its words.
_KICKER = re.compile(
    r"^\W*(?:breaking(?:\s+news)?|just\s+in|update[sd]?|live|exclusive|watch|video)\s*[:|—–-]\s*",
    re.IGNORECASE,
)


def _without_kicker(title: str) -> str:
    shown = normalize_space(title)
    match = _KICKER.match(shown)
    if match is not None and len(words(shown[match.end() :])) >= 3:
        return shown[match.end() :]
    return shown


def _display_title(title: str, lead: list[str]) -> str | None:
    if not is_dateline(title):
        return _without_kicker(title)
    return next((s for s in lead if not is_dateline(s)), None)


def display_title(article: Article) -> str | None:
    """Return an article's title (without a "Breaking News:" label), or its first real
    sentence when the title is a dateline."""
    if not is_dateline(article.title):
        return _without_kicker(article.title)
    return _display_title(article.title, _lead(article.latest.text))


ProfileOf = Callable[[Article], Profile | None]


def headline_profile(title: str, text: str) -> Profile:
    """Return what choosing a headline reads of one version: its display title and word vector.

    Args:
        title: the version's title.
        text: the version's text.
    """
    lead = _lead(text)
    shown = _display_title(title, lead)
    counts = Counter(content_stems(" ".join([shown or "", *lead])))
    norm = math.sqrt(sum(v * v for v in counts.values()))
    return shown, {stem: v / norm for stem, v in counts.items()} if norm else {}


# Each entry holds a whole article with its versions: enough for the largest event briefed.
@lru_cache(maxsize=4096)
def _profile(article: Article) -> Profile:
    """Return an article's display title and unit word vector (cached: events are re-read often)."""
    return headline_profile(article.title, article.latest.text)


def _profiles(articles: Sequence[Article], profile_of: ProfileOf | None) -> list[Profile]:
    """Return each article's profile, from ``profile_of`` where it knows it."""
    if profile_of is None:
        return [_profile(a) for a in articles]
    return [found if (found := profile_of(a)) is not None else _profile(a) for a in articles]


def _latest_time(article: Article) -> datetime:
    latest = article.latest
    return latest.updated or latest.published or latest.fetched or article.first_seen or _EPOCH


def centrality(articles: Sequence[Article], profile_of: ProfileOf | None = None) -> list[float]:
    """Return how much each article shares with the other sources' articles (summed cosine).

    The sum of cosines with every other source's article is the dot product with the sum of
    their unit vectors: one pass over the event instead of one per pair.
    """
    return _centrality(articles, [vector for _, vector in _profiles(articles, profile_of)])


def _centrality(articles: Sequence[Article], vectors: list[dict[str, float]]) -> list[float]:
    total: Counter[str] = Counter()
    by_source: dict[str, Counter[str]] = {}
    for article, vector in zip(articles, vectors, strict=True):
        total.update(vector)
        by_source.setdefault(article.source, Counter()).update(vector)
    return [
        sum(w * (total[stem] - by_source[article.source][stem]) for stem, w in vector.items())
        for article, vector in zip(articles, vectors, strict=True)
    ]


def choose_headline(articles: Sequence[Article], profile_of: ProfileOf | None = None) -> str:
    """Return the event's headline, verbatim from one of its articles.

    Args:
        articles: the event's articles with all their versions.
        profile_of: an article's ``headline_profile`` of its latest version when known already
            (worked out once, as it was stored), None to have it worked out here.
    """
    if not articles:
        return ""
    profiles = _profiles(articles, profile_of)
    scores = _centrality(articles, [vector for _, vector in profiles])
    titles = [title for title, _ in profiles]
    titled = [i for i, title in enumerate(titles) if title]
    if not titled:
        return normalize_space(articles[0].title)
    best = max(scores[i] for i in titled)
    close = [i for i in titled if scores[i] >= CLOSE_TO_BEST * best]
    chosen = max(close, key=lambda i: (_latest_time(articles[i]), scores[i]))
    return titles[chosen] or ""
