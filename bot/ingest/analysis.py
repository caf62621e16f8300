"""Work out an article's pure per-text analysis where its text is read: in a parsing worker.

Storing and placing an article read its near-duplicate fingerprint and the core's analysis
of its title and text (``TextAnalysis``). Both are pure functions of the text, so the parsing
workers work them out with the page or the feed they parse, and the process that stores and
places the article only reads them. Whatever lacks one is analysed there, as before.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.briefing.analysis import analyse_text
from bot.ingest.dedupe import fingerprint
from bot.ingest.extract import ExtractedPage, read_page
from bot.ingest.model import ArticleAnalysis, IngestResult, ParsedArticle

if TYPE_CHECKING:
    from bot.ingest.offload import ParsePool


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


async def analysed_in(
    pool: ParsePool,
    items: list[ParsedArticle | IngestResult],
    *,
    known: Collection[str] = (),
    at_least: int = 1,
) -> list[ParsedArticle | IngestResult]:
    """Return ``items`` with their articles not analysed yet analysed by ``pool``, in one call.

    Articles under a ``known`` identity are left out (mostly unchanged, which their content
    hash tells without any analysis); with fewer than ``at_least`` to do, none is done (a
    worker's round trip costs more). A failing call raises: the caller says so and the
    articles are analysed as they are stored instead.
    """
    todo = {
        i: item
        for i, item in enumerate(items)
        if isinstance(item, ParsedArticle) and item.analysis is None and item.identity not in known
    }
    if len(todo) < max(1, at_least):
        return items
    analyses = await pool.run(analyse_all, [(item.title, item.text) for item in todo.values()])
    done = list(items)
    for (i, item), analysis in zip(todo.items(), analyses, strict=True):
        done[i] = replace(item, analysis=analysis)
    return done
