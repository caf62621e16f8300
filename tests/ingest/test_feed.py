"""Parse real-world feeds: no crash on any, titles and links as rss-parser expects."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from bot.briefing.text import normalize_space
from bot.ingest.extract import decode_text, html_to_text
from bot.ingest.feed import NotAFeed, is_teaser, parse_feed_bytes
from tests.shared import shared_path

pytestmark = pytest.mark.shared_data


def _feed_files() -> list[Path]:
    root = shared_path("rss_feeds")
    folders = ("rss-parser_input", "feedjira_sample_feeds", "diffengine")
    return sorted(
        p
        for folder in folders
        for p in (root / folder).glob("*")
        if not p.name.startswith("LICENSE")
    )


def test_every_shared_feed_parses_or_is_refused_cleanly() -> None:
    parsed = refused = 0
    for path in _feed_files():
        try:
            feed = parse_feed_bytes(path.read_bytes())
        except NotAFeed:
            refused += 1
            continue
        parsed += 1
        for entry in feed.entries:
            assert isinstance(entry.title, str) and isinstance(entry.content, str)
    # The refused ones are fragments of a single entry, not feeds.
    assert parsed >= 65 and refused <= 8, (parsed, refused)


def test_json_feed_and_diffengine_feeds() -> None:
    root = shared_path("rss_feeds")
    feed = parse_feed_bytes((root / "feedjira_sample_feeds" / "json_feed.json").read_bytes())
    assert feed.title == "inessential.com"
    assert feed.entries[0].title.startswith("James Dempsey and the Breakpoints")
    assert feed.entries[0].link and feed.entries[0].published is not None
    post = parse_feed_bytes((root / "diffengine" / "feed1.xml").read_bytes())
    assert post.entries and all(e.link for e in post.entries)


def _clean(text: str) -> str:
    return normalize_space(html_to_text(html.unescape(text)))


def _same_title(ours: str, expected: str) -> bool:
    """Compare titles; where rss-parser mis-decoded a character (U+FFFD), compare ASCII letters and digits."""
    if "\ufffd" in expected:
        return _ascii(ours) == _ascii(expected)
    return _clean(ours) == _clean(expected)


def _ascii(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", _clean(text))


def _expected_cases() -> list[tuple[Path, Path]]:
    root = shared_path("rss_feeds")
    cases = []
    for expected in sorted((root / "rss-parser_expected_json").glob("*.json")):
        inputs = list((root / "rss-parser_input").glob(expected.stem + ".*"))
        if inputs:
            cases.append((inputs[0], expected))
    return cases


def test_titles_and_links_match_rss_parser() -> None:
    cases = _expected_cases()
    assert len(cases) >= 25
    compared = 0
    for source, expected_path in cases:
        expected = json.loads(decode_text(expected_path.read_bytes()))
        items = expected["feed"].get("items", [])
        feed = parse_feed_bytes(source.read_bytes())
        assert len(feed.entries) == len(items), source.name
        for entry, item in zip(feed.entries, items, strict=True):
            if isinstance(item.get("title"), str):
                assert _same_title(entry.title, item["title"]), (source.name, entry.title)
                compared += 1
            if isinstance(item.get("link"), str) and item["link"].startswith("http"):
                assert entry.link == item["link"].strip(), source.name
                compared += 1
    assert compared > 300


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed, match="HTML page"):
        parse_feed_bytes(b"<!doctype html><html><body><p>Welcome</p></body></html>")
    with pytest.raises(NotAFeed):
        parse_feed_bytes(b"\x89PNG\r\n\x1a\n binary junk")
    with pytest.raises(NotAFeed, match="JSON"):
        parse_feed_bytes(b'{"hello": "world"}')


def test_teaser_and_full_entries() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>Short</title><link>http://example.test/a</link>
    <description>Only a line or two &amp; a link.</description></item>
    <item><title>Bozo &amp; fine</title><link>http://example.test/b</link>
    <description><![CDATA[<p>First paragraph.</p><p>Second one.</p>]]></description>
    </item></channel>"""
    feed = parse_feed_bytes(body)
    assert feed.problem  # the missing </rss> makes it malformed, but it is still used
    assert [e.title for e in feed.entries] == ["Short", "Bozo & fine"]
    assert feed.entries[0].summary == "Only a line or two & a link."
    assert feed.entries[1].summary == "First paragraph.\nSecond one."
    assert is_teaser(feed.entries[0])
