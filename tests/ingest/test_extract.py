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
