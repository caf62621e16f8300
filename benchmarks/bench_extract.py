"""Where a parsing worker's CPU goes per article page, and what trafilatura's fast mode changes.

``python -m benchmarks.bench_extract`` prints Markdown: the CPU milliseconds per page of each
step of ``read_page_analysed`` on the poll benchmark's pages (fresh pages for every step, as
the analysis keeps recent texts' results), then, on real article HTML (the HTML content of the
shared evaluation feeds' entries, each wrapped in three page skeletons), how often
trafilatura's ``fast`` mode (no readability / jusText comparison) gives another text than the
full extraction, by the length of its own text.
"""

from __future__ import annotations

import copy
import html
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.bench_ingest import ARTICLES_PER_EVENT, _events, _page, _story

PAGES = 400
URL = "https://example.test/2026/01/story.html"
_NAV = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(12))
FAST_LENGTHS = (0, 250, 500, 1000, 1500, 2000)


def _fresh(rng: random.Random, events: list[list[str]], start: int) -> list[bytes]:
    return [_page(*_story(rng, events[(start + i) // ARTICLES_PER_EVENT])) for i in range(PAGES)]


def _steps() -> list[tuple[str, float]]:
    """Return each step's CPU ms per page, each on pages of its own."""
    import trafilatura

    from bot.briefing.features import revision_weights, text_features
    from bot.briefing.headline import headline_profile
    from bot.ingest.analysis import read_page_analysed
    from bot.ingest.dedupe import fingerprint
    from bot.ingest.extract import _options, _page_facts, read_page

    rng = random.Random(7)
    events = _events(rng, 20 * PAGES // ARTICLES_PER_EVENT + 1)
    full = _options(URL, with_metadata=False)
    fast = copy.copy(full)
    fast.fast = True

    page_steps: list[tuple[str, Callable[[bytes], object]]] = [
        ("read_page_analysed (the worker's call)", lambda p: read_page_analysed(p, url=URL)),
        ("read_page (no analysis)", lambda p: read_page(p, url=URL)),
        ("the page's head (lxml parse + XPath)", lambda p: _page_facts(p.decode())),
        ("trafilatura bare_extraction", lambda p: trafilatura.bare_extraction(p.decode(), options=full)),
        ("the same, fast (no comparison)", lambda p: trafilatura.bare_extraction(p.decode(), options=fast)),
    ]  # fmt: skip
    text_steps: list[tuple[str, Callable[[Any], object]]] = [
        ("fingerprint (MinHash)", lambda e: fingerprint(e.text)),
        ("clustering features", lambda e: text_features(e.title, e.text)),
        ("revision weights", lambda e: revision_weights(e.title, e.text, name_weight=1.0,
                                                        pair_weight=1.0, title_weight=0.75)),
        ("headline profile (syntok lead)", lambda e: headline_profile(e.title, e.text)),
    ]  # fmt: skip
    rows = []
    start = 0
    read_page_analysed(_fresh(rng, events, start)[0], url=URL)  # imports, first-use set-up
    for label, fn in page_steps:
        start += PAGES
        pages = _fresh(rng, events, start)
        began = time.process_time()
        for page in pages:
            fn(page)
        rows.append((label, (time.process_time() - began) / PAGES * 1000))
    for label, fn in text_steps:
        start += PAGES
        read = [read_page(p, url=URL) for p in _fresh(rng, events, start)]
        began = time.process_time()
        for extracted in read:
            fn(extracted)
        rows.append((label, (time.process_time() - began) / PAGES * 1000))
    return rows


def _real_fragments(root: Path) -> Iterator[tuple[str, str]]:
    """Yield (title, HTML) of every distinct HTML content or summary in the feeds under root."""
    import feedparser

    seen: set[str] = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith("LICENSE") or path.suffix == ".json":
            continue
        parsed = feedparser.parse(path.read_bytes(), sanitize_html=False)
        for entry in parsed.entries:
            values = [c.get("value") or "" for c in entry.get("content") or []]
            values.append(entry.get("summary") or "")
            for value in values:
                if "<" in value and value not in seen:
                    seen.add(value)
                    yield entry.get("title") or "", value


def _skeletons(title: str, fragment: str) -> Iterator[str]:
    t = html.escape(title)
    yield f"<html><head><title>{t}</title></head><body><article><h1>{t}</h1>{fragment}</article></body></html>"
    yield (
        f"<html><head><title>{t}</title></head><body><header><nav><ul>{_NAV}</ul></nav></header>"
        f"<main><article><h1>{t}</h1>{fragment}</article></main><footer><p>All rights reserved."
        f"</p><ul>{_NAV}</ul></footer></body></html>"
    )
    yield (
        f"<html><body><div class='content'>{fragment}</div><div class='sidebar'><ul>{_NAV}</ul>"
        "</div></body></html>"
    )


def _fast_differences(root: Path) -> tuple[int, list[tuple[int, int, int]]]:
    """Return the page count and, per fast-text length floor, (pages, differing, shorter)."""
    import trafilatura

    from bot.ingest.extract import _options

    full = _options(URL, with_metadata=False)
    fast = copy.copy(full)
    fast.fast = True
    pairs = []
    for title, fragment in _real_fragments(root):
        for page in _skeletons(title, fragment):
            a = trafilatura.bare_extraction(page, options=full)
            b = trafilatura.bare_extraction(page, options=fast)
            pairs.append((getattr(a, "text", "") or "", getattr(b, "text", "") or ""))
    rows = []
    for floor in FAST_LENGTHS:
        kept = [(a, b) for a, b in pairs if len(b) >= floor]
        differ = [(a, b) for a, b in kept if a != b]
        rows.append((len(kept), len(differ), sum(len(b) < len(a) for a, b in differ)))
    return len(pairs), rows


def run() -> str:
    """Measure the steps and the fast mode's differences; return Markdown."""
    from tests.shared import SHARED_DATA

    lines = ["## Article page extraction in a parsing worker", ""]
    lines += ["| step | CPU ms per page |", "|---|---:|"]
    lines += [f"| {label} | {ms:.2f} |" for label, ms in _steps()]
    root = SHARED_DATA / "rss_feeds"
    if root.exists():
        total, rows = _fast_differences(root)
        lines += [
            "",
            f"trafilatura fast against full on {total:,} real pages (feed entries' HTML in "
            "three page skeletons): pages whose fast text is at least so long, how many of "
            "them get another text, how many of those a shorter one.",
            "",
            "| fast text at least (chars) | pages | other text | shorter |",
            "|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {floor:,} | {kept} | {differ} | {shorter} |"
            for floor, (kept, differ, shorter) in zip(FAST_LENGTHS, rows, strict=True)
        ]
    return "\n".join([*lines, ""])


if __name__ == "__main__":
    print(run())
