"""Parse RSS/Atom/RDF/JSON feeds into entries, and judge entries (pure: no network, no clock)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from bot.briefing.text import normalize_space
from bot.ingest.dates import from_struct, parse_date
from bot.ingest.extract import DecodeError, decode_text, html_to_text
from bot.ingest.urls import canonical_url, feed_name

log = logging.getLogger(__name__)

# A summary this short (and no full content) is a teaser: the article is on its page.
TEASER_CHARS = 600


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed item, its HTML already turned into text."""

    title: str
    link: str | None
    guid: str | None
    summary: str
    content: str
    published: datetime | None
    updated: datetime | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed; ``problem`` describes malformed input that was still usable.

    ``skipped`` says, one line each, which entries could not be read at all (the others are
    still used).
    """

    title: str
    link: str | None
    entries: tuple[FeedEntry, ...]
    problem: str | None = None
    skipped: tuple[str, ...] = ()


class NotAFeed(ValueError):
    """The bytes hold no feed entries (an HTML page, an error page, garbage)."""


def _text_of(value: object) -> str:
    return html_to_text(value) if isinstance(value, str) else ""


def _string(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _absolute(link: str | None, base_url: str | None) -> str | None:
    """Resolve a relative entry link against the feed's URL."""
    if link is None or base_url is None:
        return link
    return urljoin(base_url, link)


def _read_entries(
    raw_items: Sequence[object], read: Callable[[Any], FeedEntry]
) -> tuple[list[FeedEntry], list[str]]:
    """Read each item on its own: one odd item is skipped with a reason, never the feed."""
    entries: list[FeedEntry] = []
    skipped: list[str] = []
    for number, raw in enumerate(raw_items, start=1):
        try:
            entries.append(read(raw))
        except Exception as exc:  # any shape of bad item: the rest of the feed still counts
            reason = f"entry {number} could not be read ({type(exc).__name__}: {exc})"
            log.info("%s", reason)
            skipped.append(reason[:300])
    return entries, skipped


def _json_item(item: object, base_url: str | None) -> FeedEntry:
    if not isinstance(item, Mapping):
        raise TypeError(f"an item must be an object, not {type(item).__name__}")
    content = _text_of(item.get("content_html")) or _text_of(item.get("content_text"))
    guid = item.get("id")
    return FeedEntry(
        title=normalize_space(_text_of(item.get("title"))),
        link=_absolute(_string(item.get("url")) or _string(item.get("external_url")), base_url),
        guid=str(guid).strip() or None if isinstance(guid, str | int) else None,
        summary=_text_of(item.get("summary")),
        content=content,
        published=parse_date(_string(item.get("date_published"))),
        updated=parse_date(_string(item.get("date_modified"))),
    )


def _parse_json_feed(data: Mapping[str, Any], base_url: str | None) -> ParsedFeed:
    items = data.get("items")
    if not isinstance(items, list):
        raise NotAFeed("not a feed: JSON without an `items` list")
    entries, skipped = _read_entries(items, lambda item: _json_item(item, base_url))
    return ParsedFeed(
        title=normalize_space(str(data.get("title") or "")),
        link=_string(data.get("home_page_url")),
        entries=tuple(entries),
        skipped=tuple(skipped),
    )


def _entry_link(raw: dict[str, Any], base_url: str | None) -> str | None:
    link = _string(raw.get("link"))
    if link and raw.get("guidislink") and not link.lower().startswith(("http://", "https://")):
        return None  # feedparser copied a guid that is a name, not a (relative) address
    return _absolute(link, base_url)


def _entry(raw: dict[str, Any], base_url: str | None) -> FeedEntry:
    contents = raw.get("content") or []
    content = "\n".join(_text_of(c.get("value")) for c in contents if isinstance(c, Mapping))
    summary = _text_of(raw.get("summary"))
    return FeedEntry(
        title=normalize_space(str(raw.get("title") or "")),
        link=_entry_link(raw, base_url),
        guid=_string(raw.get("id")),
        summary="" if summary == content else summary,
        content=content.strip(),
        published=from_struct(raw.get("published_parsed"))
        or from_struct(raw.get("created_parsed")),
        # dict.get: feedparser's own get warns and maps "updated" to "published".
        updated=from_struct(dict.get(raw, "updated_parsed")),
    )


def parse_feed_bytes(data: bytes, *, base_url: str | None = None) -> ParsedFeed:
    """Parse RSS, Atom, RDF or JSON Feed bytes; raise NotAFeed when there are no entries.

    Relative entry links are resolved against ``base_url`` (the URL the feed came from).
    """
    if not data.strip():
        raise NotAFeed("not a feed: the response is empty")
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            parsed_json = json.loads(decode_text(data))
        except (json.JSONDecodeError, DecodeError) as exc:
            raise NotAFeed(f"not a feed: invalid JSON ({exc})") from None
        if not isinstance(parsed_json, dict):
            raise NotAFeed("not a feed: JSON that is not a JSON Feed object")
        return _parse_json_feed(parsed_json, base_url)
    # No sanitising: every text field goes through html_to_text, which keeps the text alone
    # (scripts, styles and applets dropped), and feedparser's sanitiser is 40% of its time.
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=True)
    problem = str(parsed.get("bozo_exception") or "malformed feed") if parsed.get("bozo") else None
    entries, skipped = _read_entries(parsed.get("entries") or [], lambda raw: _entry(raw, base_url))
    if not entries and not skipped:
        if not parsed.get("version"):
            looks_html = b"<html" in data[:2048].lower() or b"<!doctype html" in data[:2048].lower()
            what = "an HTML page" if looks_html else "no RSS, Atom or RDF items"
            detail = f" ({problem})" if problem and not looks_html else ""
            raise NotAFeed(f"not a feed: got {what}{detail}")
        if problem:
            raise NotAFeed(f"malformed feed with no entries: {problem}")
    feed = parsed.get("feed") or {}
    return ParsedFeed(
        title=normalize_space(str(feed.get("title") or "")),
        link=_string(feed.get("link")),
        entries=tuple(entries),
        problem=problem,
        skipped=tuple(skipped),
    )


def entry_identity(entry: FeedEntry, feed_url: str) -> str | None:
    """Return the entry's identity: its canonical link, else its guid, else None."""
    if entry.link and entry.link.lower().startswith(("http://", "https://")):
        return canonical_url(entry.link)
    if entry.guid:
        if entry.guid.lower().startswith(("http://", "https://")):
            return canonical_url(entry.guid)
        return f"guid:{feed_name(feed_url)}/{entry.guid}"
    return None


def is_teaser(entry: FeedEntry) -> bool:
    """Return True when the entry carries only a short summary, not the article."""
    return not entry.content and len(entry.summary) < TEASER_CHARS
