"""Work out an article's pure per-text analysis where its text is read: in a parsing worker.

Storing and placing an article read its near-duplicate fingerprint and the core's analysis
of its title and text (``TextAnalysis``). Both are pure functions of the text, so the parsing
workers work them out with the page or the feed they parse, and the process that stores and
places the article only reads them. Whatever lacks one is analysed there, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.briefing.analysis import analyse_text
from bot.ingest.dedupe import fingerprint
from bot.ingest.extract import ExtractedPage, read_page
from bot.ingest.model import ArticleAnalysis


def analyse(title: str, text: str) -> ArticleAnalysis:
    """Return the fingerprint and analysis of an article with this title and text."""
    return ArticleAnalysis(fingerprint(text), analyse_text(title, text))


def analyse_all(texts: Sequence[tuple[str, str]]) -> list[ArticleAnalysis]:
    """Return ``analyse`` of each (title, text): a feed's entries in one call to a worker."""
    return [analyse(title, text) for title, text in texts]


def read_page_analysed(content: bytes, *, url: str | None = None) -> ExtractedPage:
    """Return ``read_page``, with the page's analysis when it has a title (used as it is)."""
    page = read_page(content, url=url)
    if not page.title or not page.text.strip():
        return page
    return replace(page, analysis=analyse(page.title, page.text))
