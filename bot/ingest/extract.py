"""Turn bytes into text: decode any encoding, pull the main text out of an article page."""

from __future__ import annotations

import copy
import functools
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import lxml.html
from charset_normalizer import from_bytes
from lxml import etree

from bot.briefing.text import normalize_space
from bot.ingest.dates import parse_date
from bot.ingest.model import ArticleAnalysis

if TYPE_CHECKING:
    from trafilatura.settings import Extractor

log = logging.getLogger(__name__)

# Pages whose main text is shorter than this are not articles (menus, paywalls, errors).
MIN_ARTICLE_CHARS = 80
_BLOCK_TAGS = (
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "section",
    "article",
)


_COMMON_ENCODINGS = (
    "cp1252",
    "iso8859_1",
    "iso8859_15",
    "cp1251",
    "koi8_r",
    "cp1250",
    "iso8859_2",
    "shift_jis",
    "euc_jp",
    "gb18030",
    "big5",
    "euc_kr",
)


class DecodeError(ValueError):
    """The bytes are binary or in no text encoding we can recognise."""


_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\x1b")


def looks_binary(data: bytes) -> bool:
    """Return True for bytes that are plainly not text (NUL or many control bytes at the start)."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return b"\x00" in head or controls > len(head) // 20


def decode_text(data: bytes) -> str:
    """Decode ``data`` as UTF-8, else as the encoding charset-normalizer detects."""
    if looks_binary(data):
        raise DecodeError("binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data)
    best = matches.best()
    if best is not None:
        # Short Western texts fit many code pages equally well; prefer the common ones.
        near = [
            m
            for m in matches
            if m.chaos <= best.chaos + 0.02 and m.coherence >= best.coherence - 0.1
        ]
        by_name = {m.encoding: m for m in near}
        best = next((by_name[n] for n in _COMMON_ENCODINGS if n in by_name), best)
    if best is None:
        raise DecodeError("text in an unknown encoding (not UTF-8, no other encoding fits)")
    text = str(best)
    if text.count("\ufffd") > len(text) // 100:
        raise DecodeError(f"text does not decode cleanly (best guess {best.encoding})")
    return text


def html_to_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment, one paragraph a line."""
    if "<" not in fragment:
        return normalize_space(fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalize_space(re.sub(r"<[^>]+>", " ", fragment))
    for bad in root.xpath(".//script|.//style|.//noscript|.//applet"):
        bad.drop_tree()
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
    text = root.text_content()
    lines = (normalize_space(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """The article found in one HTML page."""

    title: str
    text: str
    canonical: str | None
    published: datetime | None
    # Its title's and text's analysis, when worked out with it (analysis.read_page_analysed).
    analysis: ArticleAnalysis | None = field(default=None, compare=False, repr=False)


def _first(tree: lxml.html.HtmlElement, *xpaths: str) -> str | None:
    for xpath in xpaths:
        for found in tree.xpath(xpath):
            value = normalize_space(str(found))
            if value:
                return value
    return None


def _page_facts(html: str) -> tuple[str | None, str | None, str | None]:
    """Return (title, canonical URL, date) read from the page's head."""
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None, None, None
    title = _first(
        tree,
        "//meta[@property='og:title']/@content",
        "//title/text()",
        "//h1//text()",
    )
    canonical = _first(
        tree, "//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"
    )
    date = _first(
        tree,
        "//meta[@property='article:published_time']/@content",
        "//meta[@name='date']/@content",
        "//time/@datetime",
    )
    return title, canonical, date


def _readability_text(html: str) -> str:
    from readability import Document

    try:
        summary = Document(html).summary(html_partial=True)
    except Exception as exc:  # readability raises its own Unparseable and lxml errors
        log.debug("readability failed: %s", exc)
        return ""
    return html_to_text(summary)


# Built once per process, on the first page (reading the configuration each time cost 7% of an
# extraction; importing trafilatura at start cost about 8 MB a bot that reads no pages never
# needs); each page gets a copy with its own address.
@functools.cache
def _base_options(with_metadata: bool) -> Extractor:
    from trafilatura.settings import Extractor

    return Extractor(
        output_format="python", comments=False, tables=False, with_metadata=with_metadata
    )


def _options(url: str | None, *, with_metadata: bool) -> Extractor:
    options = copy.copy(_base_options(with_metadata))
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


def extract_page(html: str, *, url: str | None = None) -> ExtractedPage:
    """Extract the headline and main text of an article page (trafilatura, then readability)."""
    title, canonical, date = _page_facts(html)
    published = parse_date(date)
    text = ""
    guessed_date: str | None = None
    # trafilatura's metadata (a third of its time) only fills in a headline or a date the
    # page's head lacks; it reads the page without changing what the text extraction sees.
    with_metadata = not (title and published is not None and url)
    # Imported when a page is first extracted: a bot that reads no pages (files, feeds'
    # own text) does not hold it (about 8 MB).
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(html, options=_options(url, with_metadata=with_metadata))
    except Exception as exc:  # trafilatura may raise from deep in lxml on odd markup
        log.debug("trafilatura failed on %s: %s", url, exc)
        doc = None
    if doc is not None:
        text = str(getattr(doc, "text", "") or "")
        title = title or getattr(doc, "title", None)
        guessed_date = getattr(doc, "date", None)
    if len(text) < MIN_ARTICLE_CHARS:
        text = max(text, _readability_text(html), key=len)
    lines = [normalize_space(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and title and lines[0] == title:
        lines = lines[1:]
    return ExtractedPage(
        title=title or "",
        text="\n".join(lines),
        canonical=canonical,
        published=published or parse_date(guessed_date),
    )


def read_page(content: bytes, *, url: str | None = None) -> ExtractedPage:
    """Decode a fetched page's bytes and extract its article; raise DecodeError on binary."""
    return extract_page(decode_text(content), url=url)
