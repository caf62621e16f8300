"""Whether a figure is this event's, an earlier event's (background) or a part of the total."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.briefing.claims import compare_claims, extract_claims


def scopes(sentence: str, at: datetime | None = None) -> list[tuple[str, str]]:
    return [(c.value, c.scope) for c in extract_claims(sentence, source="S", at=at)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "The 2004 tsunami that followed a quake there killed some 230,000 people.",
            [("some 230,000", "background")],
        ),
        ("Last year a flood in the valley killed 40 people.", [("40", "background")]),
        ("In April, a smaller quake killed nine people.", [("nine", "background")]),
        (
            "The quake struck days after a storm that killed one person.",
            [("one", "background")],
        ),
        (
            "The blast killed 12 people, including six children.",
            [("12", "event"), ("six", "partial")],
        ),
        ("Eight of the jurors were women.", [("Eight", "partial")]),
        ("A landslide killed one man in the village of Serempah.", [("one", "partial")]),
        ("Six children were killed when a mosque collapsed.", [("Six", "partial")]),
        ("In a separate attack, three people were killed.", [("three", "partial")]),
        ("The quake killed 24 people on Tuesday.", [("24", "event")]),
    ],
)
def test_each_figure_gets_its_scope(sentence: str, expected: list[tuple[str, str]]) -> None:
    assert scopes(sentence) == expected


def test_the_articles_own_year_is_not_the_past() -> None:
    sentence = "The quake on 2 July 2013 killed 24 people."

    assert scopes(sentence, at=datetime(2013, 7, 2, 9, tzinfo=UTC)) == [("24", "event")]
    assert scopes(sentence, at=datetime(2014, 1, 5, tzinfo=UTC)) == [("24", "background")]


def test_a_figure_dated_before_the_events_day_is_not_compared_with_its_toll() -> None:
    sunday = datetime(2005, 11, 27, 15, tzinfo=UTC)
    monday = datetime(2005, 11, 28, 1, tzinfo=UTC)
    claims = [
        *extract_claims(
            "A quake hit the island on Sunday, killing 10 people.", source="A", at=sunday
        ),
        *extract_claims("The quake on Sunday killed 10 people.", source="B", at=monday),
        *extract_claims(
            "The island quake killed 10 people. On Saturday, 14 people were killed by a quake"
            " in another country.",
            source="C",
            at=monday,
        ),
    ]

    killed = next(d for d in compare_claims(claims) if d.about == "killed")

    assert killed.kind == "agreement"
    assert {c.low for c in killed.claims} == {10}


def test_a_weekday_counts_back_from_the_articles_time() -> None:
    monday = datetime(2005, 11, 28, 1, tzinfo=UTC)
    (claim,) = extract_claims("On Saturday, 14 people were killed.", source="S", at=monday)

    assert claim.on is not None
    assert claim.on.isoformat() == "2005-11-26"
    (dated,) = extract_claims("On Nov. 27 a blast killed 3 people.", source="S", at=monday)
    assert dated.on is not None
    assert dated.on.isoformat() == "2005-11-27"


def test_a_sentence_going_on_about_an_earlier_quake_is_background() -> None:
    text = (
        "The quake killed 10 people on Sunday. The last major quake to hit the region was in"
        " February, when a stronger tremor struck a town. It killed 540 people and injured 900."
    )

    assert scopes(text) == [("10", "event"), ("540", "background"), ("900", "background")]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # in a report of a verdict, a year after the figure dates the crime, not the case
        (
            "A jury convicted two brothers of robbing a jeweller at gunpoint in a shop in 2019.",
            [("two", "event")],
        ),
        (
            "A wave killed 9,000 people along the shores and islands of the whole bay in 1998.",
            [("9,000", "background")],
        ),
        (
            "The valley has had dozens of floods since a big storm in 1998.",
            [("dozens", "background")],
        ),
        # "the worst since 1998" compares this event with the past; it is not about the past
        ("The storm killed 14 people, the deadliest since 1998.", [("14", "event")]),
        # a month with no day in a sentence about a storm or a quake dates that earlier event
        ("The storm that hit the coast in March left 40 people dead.", [("40", "background")]),
        ("Border agents stopped 150,000 migrants in June.", [("150,000", "event")]),
        # earlier arrests and convictions are the past, whatever the sentence's time
        ("The suspect had four prior arrests for theft.", [("four", "background")]),
        ("He has two previous convictions for assault.", [("two", "background")]),
        # relatives someone lost are a part of the toll
        ("She said she had lost two sons in the shelling.", [("two", "partial")]),
        ("The driver had three relatives killed in the blast.", [("three", "partial")]),
        # a town named as the capital of a district is a part of the quake's area
        ("Five houses were damaged in Lamno, the capital of Jaya district.", [("Five", "partial")]),
        # "two of the world's largest banks" picks members of a class, not a part of the event
        ("Two of the world's largest banks agreed to merge.", [("Two", "event")]),
    ],
)
def test_scope_reads_when_and_what_part_a_figure_is(
    sentence: str, expected: list[tuple[str, str]]
) -> None:
    assert scopes(sentence) == expected


def test_a_month_named_by_an_article_of_that_month_is_not_the_past() -> None:
    sentence = "The storm that hit the coast in March left 40 people dead."

    assert scopes(sentence, at=datetime(2026, 3, 20, tzinfo=UTC)) == [("40", "event")]
    assert scopes(sentence, at=datetime(2026, 8, 20, tzinfo=UTC)) == [("40", "background")]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # the year dates "such a disaster", another event named after the figure
        (
            "The storm injured dozens on Monday in a town still rebuilding after such a flood in 1998.",
            [("dozens", "event")],
        ),
        # habits and yearly figures are general facts, not this event's
        (
            "Police made two arrests, noting that some 9,000 thefts are reported every year there.",
            [("two", "event"), ("some 9,000", "background")],
        ),
        (
            "Its yearly sales are usually around $50 million.",
            [("around $50 million", "background")],
        ),
        # one family's dead, one clinic in a named district
        (
            "A shell hit a flat in the camp, killing five members of one family.",
            [("five", "partial")],
        ),
        (
            "We treated 30 people with injuries, said a nurse speaking in Aceh's Bireuen district.",
            [("30", "partial")],
        ),
    ],
)
def test_scope_tells_other_events_general_facts_and_parts(
    sentence: str, expected: list[tuple[str, str]]
) -> None:
    assert scopes(sentence) == expected
