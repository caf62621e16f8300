"""Extract the article from a page: trafilatura first, readability when it finds nothing."""

from __future__ import annotations

from bot.ingest.extract import MIN_ARTICLE_CHARS, extract_page

PARAGRAPHS = [
    "The ferry operator restored the night crossing to the island on Monday after a "
    "three-week pause caused by engine repairs, the harbour office said.",
    "Passengers had been offered a bus and a smaller boat during the pause, which added more "
    "than an hour to the journey for commuters.",
    "The operator said a second vessel would join the route in the spring, doubling the "
    "number of evening departures.",
]


def test_readability_finds_the_story_trafilatura_drops() -> None:
    # Trafilatura treats <aside> as boilerplate, so on this page it finds no text at all.
    story = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        "<html><head><title>Night ferry returns</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><aside class='story'>{story}</aside></body></html>"
    )
    page = extract_page(html)
    assert len(page.text) >= MIN_ARTICLE_CHARS
    assert page.text.splitlines() == PARAGRAPHS
    assert page.title == "Night ferry returns"


def _before(html: str, url: str | None) -> tuple[str, str, str | None, object]:
    """Extract as before trafilatura's metadata pass was skipped: always with it."""
    import trafilatura

    from bot.briefing.text import normalize_space
    from bot.ingest.dates import parse_date
    from bot.ingest.extract import _page_facts, _readability_text

    title, canonical, date = _page_facts(html)
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    text = str(getattr(doc, "text", "") or "") if doc is not None else ""
    title = title or (getattr(doc, "title", None) if doc is not None else None)
    guessed = getattr(doc, "date", None) if doc is not None else None
    if len(text) < MIN_ARTICLE_CHARS:
        text = max(text, _readability_text(html), key=len)
    lines = [line for line in (normalize_space(x) for x in text.splitlines()) if line]
    if lines and title and lines[0] == title:
        lines = lines[1:]
    return title or "", "\n".join(lines), canonical, parse_date(date) or parse_date(guessed)


def _pages() -> list[str]:
    story = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    nav = "".join(f'<li><a href="/s/{n}">Section {n}</a></li>' for n in range(8))
    byline = "<p class='byline'>By Ana Reyes and Tom Hale</p>"
    json_ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ferry back",'
        ' "datePublished": "2026-02-03T08:00:00Z", "author": {"name": "Ana Reyes"}}</script>'
    )
    heads = [
        '<title>Night ferry returns</title><meta property="og:title" content="Night ferry">'
        '<meta property="article:published_time" content="2026-02-03T08:00:00Z">',
        "<title>Night ferry returns | Example News</title>",  # no date in the head
        '<meta name="date" content="2026-02-03">',  # no title in the head
        json_ld,
        '<title>Ferry</title><link rel="canonical" href="https://example.test/ferry">',
        "",
    ]
    bodies = [
        f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>Night ferry returns"
        f"</h1>{byline}{story}</article></main><footer><p>Copyright 2025</p></footer>",
        f"<article><h1>Night ferry returns</h1><time datetime='2026-02-04'>4 Feb</time>{story}"
        "</article>",
        f"<div class='content'><h2>Night ferry returns</h2>{story}<p>Published 5 March 2026</p>"
        "</div>",
        f"<aside class='story'>{story}</aside>",
        "<p>Too short.</p>",
    ]
    return [
        f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"
        for head in heads
        for body in bodies
    ]


def test_the_page_reads_the_same_with_the_metadata_pass_skipped() -> None:
    for n, html in enumerate(_pages()):
        for url in (f"https://example.test/2026/02/story-{n}.html", None):
            page = extract_page(html, url=url)
            got = (page.title, page.text, page.canonical, page.published)
            assert got == _before(html, url), (n, url)
