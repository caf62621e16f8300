"""Briefing a huge event reads a bounded sample of its articles' text (issue 11)."""

from __future__ import annotations

from datetime import timedelta

from bot.briefing.build import SUMMARY_ARTICLES, build_briefing, summary_articles
from bot.briefing.model import Article
from tests.briefing.factories import T0, make_article

BODY = (
    "The harbour authority reopened the northern pier on Wednesday after repairs to storm damage "
    "that had kept fishing boats away for most of the winter season, officials said. "
)


def _copies(count: int, sources: int) -> list[Article]:
    return [
        make_article(
            n + 1,
            source=f"source {n % sources}",
            title=f"Pier reopens {n}",
            text=f"{BODY}Boat number {n} went out first.",
            published=T0 + timedelta(minutes=n),
        )
        for n in range(count)
    ]


def test_a_normal_event_is_read_whole() -> None:
    articles = _copies(SUMMARY_ARTICLES, 7)
    assert summary_articles(articles) == articles


def test_a_huge_event_is_read_across_its_sources_oldest_first() -> None:
    articles = _copies(2_000, 40)
    read = summary_articles(articles)
    assert len(read) == SUMMARY_ARTICLES
    assert {a.source for a in read} == {a.source for a in articles}  # every source, evenly
    assert list(read) == sorted(read, key=lambda a: a.id)  # in the event's order
    assert read[0] is articles[0]


def test_a_huge_event_still_counts_every_article_and_source() -> None:
    articles = _copies(300, 30)
    briefing = build_briefing(1, articles)
    assert sum(len(s.articles) for s in briefing.sources) == 300
    assert briefing.summary and all(s.article_id <= 300 for s in briefing.summary)
