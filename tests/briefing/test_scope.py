"""Whether a figure is this event's, an earlier event's (background) or a part of the total."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.briefing.claims import extract_claims


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
