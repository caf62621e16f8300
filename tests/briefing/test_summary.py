"""The multi-document summary: verbatim, attributed, short, not repetitive."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.briefing.model import Article
from bot.briefing.summary import summarize
from bot.briefing.text import words
from tests.briefing.factories import T0, make_article
from tests.shared import shared_path

BRIDGE_A = (
    "RIVERTON (Reuters) - A road bridge over the Mill River collapsed early on Monday, "
    "sending three cars into the water, police said. "
    "By Jane Porter. "
    "Divers pulled four people from the river and took them to Riverton General Hospital. "
    "Click here to sign up for our morning newsletter. "
    "The bridge, built in 1962, had been due for repairs next spring, the city engineer said. "
    "What went wrong? "
    "Traffic was diverted through the town centre for the rest of the day."
)
BRIDGE_B = (
    "A road bridge over the Mill River collapsed on Monday morning and three cars fell into "
    "the water, according to police. "
    "Four people were rescued by divers and taken to hospital with minor injuries. "
    "Photo: the broken span seen from the east bank (Getty Images). "
    "Inspectors had flagged cracks in the bridge's supports in a report last year. "
    "Follow us for live updates."
)
BRIDGE_C = (
    "The mayor of Riverton ordered checks on every bridge in the district after Monday's "
    "collapse over the Mill River. "
    "Inspectors had flagged cracks in the bridge's supports in a report last year. "
    "Opposition councillors demanded to see the inspection report before Friday's meeting."
)


def bridge_articles() -> list[Article]:
    return [
        make_article(1, source="Wire", title="Bridge collapses into Mill River", text=BRIDGE_A,
                     published=T0),
        make_article(2, source="Daily", title="Cars plunge as bridge gives way", text=BRIDGE_B,
                     published=T0 + timedelta(hours=1)),
        make_article(3, source="Gazette", title="Mayor orders checks on all bridges",
                     text=BRIDGE_C, published=T0 + timedelta(hours=2)),
    ]  # fmt: skip


def test_sentences_are_verbatim_and_attributed_to_their_article() -> None:
    articles = bridge_articles()
    by_id = {a.id: a for a in articles}
    summary = summarize(articles)
    assert summary
    for sentence in summary:
        article = by_id[sentence.article_id]
        assert sentence.source == article.source
        assert sentence.text in article.latest.text


def test_length_stays_between_two_and_five_sentences_within_the_word_budget() -> None:
    summary = summarize(bridge_articles())
    assert 2 <= len(summary) <= 5
    assert sum(len(words(s.text)) for s in summary) <= 90
    tight = summarize(bridge_articles(), max_words=40, max_sentences=3)
    assert len(tight) <= 3
    assert sum(len(words(s.text)) for s in tight) <= 40


def test_no_sentence_is_repeated_even_when_two_sources_share_it() -> None:
    summary = summarize(bridge_articles(), max_sentences=5, max_words=200)
    texts = [s.text for s in summary]
    assert len(set(texts)) == len(texts)
    assert sum("cracks in the bridge's supports" in t for t in texts) <= 1
    # The Wire's and the Daily's leads say the same thing: only one of them belongs in a summary.
    assert sum("collapsed" in t and "three cars" in t for t in texts) == 1


JUNK_ABOUT_THE_BRIDGE = (
    "The Mill River bridge collapsed on Monday and three cars fell into the river. "
    "By Jane Porter and Sam Reed of the Mill River bridge desk. "
    "Click here for photos of the Mill River bridge collapse and the three cars. "
    "Sign up for alerts about the Mill River bridge collapse and the three cars. "
    "Photo: the Mill River bridge after three cars fell into the river (Getty Images). "
    "Why did the Mill River bridge collapse with three cars on it on Monday? "
    "Follow us for more on the Mill River bridge collapse and the three cars. "
    "Divers searched the river for hours after the bridge collapse."
)


def test_boilerplate_bylines_captions_and_questions_are_skipped() -> None:
    article = make_article(1, title="Mill River bridge collapse", text=JUNK_ABOUT_THE_BRIDGE)
    summary = summarize([article], max_words=500, max_sentences=5)
    assert [s.text for s in summary] == [
        "The Mill River bridge collapsed on Monday and three cars fell into the river.",
        "Divers searched the river for hours after the bridge collapse.",
    ]


def test_a_leading_dateline_is_dropped_and_nothing_else_is_changed() -> None:
    article = make_article(1, source="Wire", title="Bridge collapses", text=BRIDGE_A)
    summary = summarize([article])
    lead = "A road bridge over the Mill River collapsed early on Monday, sending three cars"
    assert summary[0].text.startswith(lead)
    assert all("(Reuters)" not in s.text for s in summary)


def test_sentences_read_in_article_order_then_position() -> None:
    articles = bridge_articles()
    summary = summarize(articles, max_words=200, max_sentences=5)
    order = {a.id: i for i, a in enumerate(articles)}
    keys = [
        (order[s.article_id], articles[order[s.article_id]].latest.text.index(s.text))
        for s in summary
    ]
    assert keys == sorted(keys)
    # Articles are read in publication order, whatever order they are passed in.
    assert summarize(list(reversed(articles))) == summarize(articles)


def test_one_article_is_enough_and_the_result_is_deterministic() -> None:
    article = make_article(2, source="Daily", title="Cars plunge", text=BRIDGE_B)
    first = summarize([article])
    assert 2 <= len(first) <= 5
    assert {s.source for s in first} == {"Daily"}
    assert summarize([article]) == first


def test_nothing_to_say_gives_an_empty_summary() -> None:
    assert summarize([]) == ()
    assert summarize([make_article(1, text="Sign up now. Click here!")]) == ()


@pytest.mark.shared_data
def test_rouge_1_on_neus_test_beats_the_baselines() -> None:
    pytest.importorskip("rouge_score")
    from benchmarks.bench_summary import evaluate, ours, zip_lines

    rows = zip_lines(shared_path("neus", "test.source"), shared_path("neus", "test.target"))
    rouge_1, _, _ = evaluate(rows, ours)
    assert rouge_1 >= 0.40
