"""Sentence shapes the fourth claims pass reads: outcomes, nouns, figures and scopes.

Each sentence is written here for the test (not taken from any corpus); each stands for a shape
that the blind development samples of the claims benchmark showed the extractor getting wrong.
"""

from __future__ import annotations

import pytest

from bot.briefing.claims import sentence_claims


def claims(sentence: str) -> list[tuple[str, float | None, float | None, str]]:
    return [(c.about, c.low, c.high, c.scope) for c in sentence_claims(sentence, source="S")]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # outcomes the counted people get
        (
            "At least 40 people were hospitalised with burns and 90 others were treated for cuts.",
            [("injured", 40, None, "event"), ("injured", 90, 90, "event")],
        ),
        ("Two guards were among the dead.", [("killed", 2, 2, "partial")]),
        ("Nobody was killed or injured in the blast.", [("casualties", 0, 0, "event")]),
        ("There were no immediate reports of any injuries.", [("injured", 0, 0, "event")]),
        (
            "Three officers involved in the chase were arrested on Monday.",
            [("arrested", 3, 3, "event")],
        ),
        ("Twelve patients at the clinic were treated for burns.", [("injured", 12, 12, "event")]),
        ("Dozens of men and women were killed.", [("killed", 24, 99, "event")]),
        ("Four hikers had so far been confirmed dead.", [("killed", 4, 4, "event")]),
        (
            "One German and one Italian skier have fallen to their deaths.",
            [("killed", 1, 1, "partial"), ("killed", 1, 1, "partial")],
        ),
        # the counted is the one who acted, not the victim
        ("Two deputies shot and killed a suspect.", [("deputy", 2, 2, "event")]),
        # what is counted
        ("Hundreds of schoolchildren held candles.", [("schoolchild", 200, 999, "event")]),
        ("Two plainclothes police officers fired.", [("officer", 2, 2, "event")]),
        ("Hundreds of public and private schools closed.", [("school", 200, 999, "event")]),
        ("The club gave Smith two contract extensions.", [("extension", 2, 2, "event")]),
        ("The boxer, 30-2 with 25 KOs, won again.", [("ko", 25, 25, "background")]),
        (
            "Two quakes, measuring 6.8 and 6.5, struck the coast.",
            [
                ("earthquake", 2, 2, "event"),
                ("magnitude", 6.8, 6.8, "event"),
                ("magnitude", 6.5, 6.5, "event"),
            ],
        ),
        ("The patch fixes more than half-a-dozen versions.", [("version", 7, None, "event")]),
        ("Damage was put at one-million dollars.", [("money (USD)", 1e6, 1e6, "event")]),
        (
            "Storms damaged nine bridges, three of which collapsed.",
            [("bridge", 9, 9, "event"), ("bridge", 3, 3, "partial")],
        ),
        ("He had been arrested five times before.", [("arrested", 5, 5, "event")]),
        # not counts
        ("Two drives later, the Jets scored.", []),
        ("He has at least one child from an earlier marriage.", []),
        ("Waves 20 to 50 centimeters high reached the shore.", []),
    ],
)
def test_reads_the_shapes(
    sentence: str, expected: list[tuple[str, float | None, float | None, str]]
) -> None:
    assert claims(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a year past a clause break dates the event named there, not the figure
        (
            "The quake killed at least six people, stirring fears in a region hit by the tsunami"
            " of 2004.",
            [("killed", 6, None, "event")],
        ),
        (
            "Ten people were hurt in the quakes, which recalled deadly quakes that hit the town in"
            " 1998.",
            [("injured", 10, 10, "event")],
        ),
        (
            "Some 300,000 died in the long war, from 1960 - 1990.",
            [("killed", 3e5, 3e5, "background")],
        ),
        # earlier happenings
        ("In an earlier raid, four fighters were killed.", [("killed", 4, 4, "background")]),
        (
            "Two years later, the firm paid a $3 million fine.",
            [("money (USD)", 3e6, 3e6, "background")],
        ),
        (
            "Gangs are often willing to pay $10,000 for a gun.",
            [("money (USD)", 1e4, 1e4, "background")],
        ),
        ("He missed three games last season.", [("game", 3, 3, "background")]),
        ("She has led the party since last year with 40 votes.", [("vote", 40, 40, "event")]),
        (
            "The rule was changed in several states in recent years.",
            [("state", 3, 9, "background")],
        ),
        # parts
        (
            "Six shells fell: two hit the school, while the other two shells hit a road.",
            [("shell", 6, 6, "event"), ("shell", 2, 2, "partial")],
        ),
        ("Elsewhere, five people were killed in a raid.", [("killed", 5, 5, "partial")]),
    ],
)
def test_each_figure_gets_its_scope(
    sentence: str, expected: list[tuple[str, float | None, float | None, str]]
) -> None:
    assert claims(sentence) == expected
