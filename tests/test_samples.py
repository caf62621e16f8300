"""The bundled sample articles (fictional news written for the demo) are well-formed.

Each sample is checked twice: as text against the documented file format, and through the real
article parser that ``briefbot demo`` uses.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest

from bot.briefing.text import split_sentences
from bot.cli.demo import sample_paths
from bot.ingest.files import SUPPORTED_SUFFIXES, read_paths
from bot.ingest.model import IngestResult, ParsedArticle

SAMPLES = sample_paths()
ROOT = SAMPLES[0].parents[1] if SAMPLES else Path()
ALLOWED_HOSTS = frozenset({"example.org", "example.com", "example.net"})
HEADER_KEYS = frozenset({"source", "url", "date", "updated"})
_HEADER = re.compile(r"^(?P<key>[A-Za-z]+):\s*(?P<value>\S.*)$")
_ANY_URL = re.compile(r"https?://[^\s\"'<>)]+")


def _id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@cache
def _parsed_samples() -> dict[Path, ParsedArticle | IngestResult]:
    """Parse the samples the way the demo does: the folder below the root is the source."""
    return dict(zip(SAMPLES, read_paths([ROOT], max_bytes=1_000_000), strict=True))


def _parsed(path: Path) -> ParsedArticle:
    item = _parsed_samples()[path]
    assert isinstance(item, ParsedArticle), item
    return item


def _all_parsed() -> list[tuple[Path, ParsedArticle]]:
    return [(path, _parsed(path)) for path in SAMPLES]


def _outlet(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def _url_ok(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.hostname in ALLOWED_HOSTS


def _split_plain(path: Path) -> tuple[str, dict[str, str], list[str]]:
    """Return (headline line, header fields, body paragraphs) of a .txt or .md sample."""
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    headline, rest = lines[0], lines[1:]
    headers: dict[str, str] = {}
    while rest and rest[0].strip():
        match = _HEADER.match(rest.pop(0))
        assert match, f"{path.name}: header line is not `Key: value`"
        key = match.group("key").lower()
        assert key in HEADER_KEYS, f"{path.name}: unknown header {key!r}"
        assert key not in headers, f"{path.name}: header {key!r} given twice"
        headers[key] = match.group("value")
    body = "\n".join(rest)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    return headline, headers, paragraphs


def test_there_are_enough_samples_of_every_kind() -> None:
    assert 9 <= len(SAMPLES) <= 12
    suffixes = [p.suffix for p in SAMPLES]
    assert set(suffixes) <= SUPPORTED_SUFFIXES
    assert suffixes.count(".html") >= 1 and suffixes.count(".json") >= 1
    assert all(len(p.relative_to(ROOT).parts) == 2 for p in SAMPLES), "outlet/<file> only"


@pytest.mark.parametrize("path", [p for p in SAMPLES if p.suffix in (".txt", ".md")], ids=_id)
def test_plain_sample_follows_the_file_format(path: Path) -> None:
    headline, headers, paragraphs = _split_plain(path)
    if path.suffix == ".md":
        assert headline.startswith("# ")
    else:
        assert not headline.startswith("#")
    assert _HEADER.match(headline) is None, "the first line must be the headline"
    assert _url_ok(headers["url"])
    dates = [datetime.fromisoformat(headers[k]) for k in ("date", "updated") if k in headers]
    assert dates and all(d.utcoffset() == timedelta(0) for d in dates)
    assert 4 <= len(paragraphs) <= 8
    for paragraph in paragraphs:
        assert 1 <= len(split_sentences(paragraph)) <= 3, paragraph

    article = _parsed(path)
    assert article.title == headline.removeprefix("# ")
    assert article.text.split() == " ".join(paragraphs).split()
    assert article.source == headers.get("source", _outlet(path))
    assert article.published == dates[0]


@pytest.mark.parametrize("path", [p for p in SAMPLES if p.suffix == ".json"], ids=_id)
def test_json_sample_has_the_documented_fields(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"title", "text", "source", "url", "published"}
    assert data["source"] == _outlet(path), "the JSON source must match its folder"
    assert _url_ok(data["url"])
    article = _parsed(path)
    assert article.title == data["title"] and article.text
    assert article.published == datetime.fromisoformat(data["published"])


@pytest.mark.parametrize("path", [p for p in SAMPLES if p.suffix == ".html"], ids=_id)
def test_html_sample_is_a_whole_page_whose_article_is_extracted(path: Path) -> None:
    page = lxml.html.document_fromstring(path.read_text(encoding="utf-8"))
    assert page.xpath("//head/title/text()")
    [canonical] = page.xpath("//link[@rel='canonical']/@href")
    assert _url_ok(canonical)
    assert page.xpath("//nav//a") and page.xpath("//footer")
    [h1] = page.xpath("//article/h1/text()")
    paragraphs = page.xpath("//article/p")
    assert len(paragraphs) >= 4

    article = _parsed(path)
    assert article.title == h1
    assert article.identity == canonical
    boilerplate = " ".join(page.xpath("//nav//text()|//footer//text()"))
    assert "Subscribe" in boilerplate and "Subscribe" not in article.text
    assert "rights reserved" not in article.text


def test_every_article_is_150_to_350_words() -> None:
    for path, article in _all_parsed():
        words = len(f"{article.title} {article.text}".split())
        assert 150 <= words <= 350, f"{_id(path)}: {words} words"


def test_each_outlet_folder_names_one_source() -> None:
    for path, article in _all_parsed():
        assert article.source == _outlet(path), _id(path)


def test_the_two_versions_share_a_url_and_differ() -> None:
    v1_path, v2_path = (p for p in SAMPLES if p.name in ("strike-v1.txt", "strike-v2.txt"))
    assert (v1_path.name, v2_path.name) == ("strike-v1.txt", "strike-v2.txt"), "v1 sorts first"
    assert v1_path.parent == v2_path.parent
    first, second = _parsed(v1_path), _parsed(v2_path)
    assert first.identity == second.identity
    assert first.title != second.title
    assert "80" in first.text and "83" in second.text and "83" not in first.text
    added = set(second.text.splitlines()) - set(first.text.splitlines())
    assert any("televised" in line for line in added)


def test_events_are_days_apart_and_each_has_two_outlets() -> None:
    """Articles within a day of each other form one event; each needs two or more outlets."""
    dated = sorted(
        ((article.published, _outlet(path)) for path, article in _all_parsed()),
        key=lambda pair: pair[0] or datetime.min,
    )
    assert all(when is not None for when, _ in dated)
    events: list[list[tuple[datetime, str]]] = []
    for when, outlet in dated:
        assert when is not None
        if events and when - events[-1][-1][0] <= timedelta(days=1):
            events[-1].append((when, outlet))
        else:
            if events:
                assert when - events[-1][-1][0] >= timedelta(days=3), "events must be days apart"
            events.append([(when, outlet)])
    assert len(events) == 3
    for event in events:
        assert len({outlet for _, outlet in event}) >= 2, event


def test_no_sample_links_outside_the_example_domains() -> None:
    for path in SAMPLES:
        for url in _ANY_URL.findall(path.read_text(encoding="utf-8")):
            assert _url_ok(url), f"{_id(path)}: {url}"
    for path, article in _all_parsed():
        assert _url_ok(article.identity), _id(path)
