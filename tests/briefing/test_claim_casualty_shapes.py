"""Casualty, damage and crowd shapes, and the scope cues around them.

Each sentence is written here for the test (not taken from any corpus); each stands for a shape
that blind development sample D of the claims benchmark (seventh pass: the held-out rule applied
to the casualty topics of the tuning half) showed the extractor getting wrong.
"""

from __future__ import annotations

import pytest

from bot.briefing.claims import sentence_claims
from tests.briefing.test_claim_labels import claims


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # "a couple of" is two
        (
            "Four guards and a couple of visitors were in the hall.",
            [("guard", 4, 4, "event"), ("visitor", 2, 2, "event")],
        ),
        # "no arrests" is a figure of its own: nobody arrested
        ("No arrests have been made since the blast.", [("arrested", 0, 0, "event")]),
        # a crowd estimated at a size counts people
        ("Reporters estimated the crowd at 300.", [("people", 300, 300, "event")]),
        # "reported to have been killed": the outcome after a reporting verb
        (
            "Six more people are reported to have been killed in the north.",
            [("killed", 6, 6, "event")],
        ),
        # people uprooted by fighting are displaced
        (
            "Thousands of families were uprooted by the floods.",
            [("displaced", 2000, 9999, "event")],
        ),
        # "N others" with no noun count what the sentence counted before
        (
            "One shell hit the depot, another shell hit a road and three others hit the hills.",
            [("shell", 3, 3, "partial")],
        ),
        # "in the capital alone": a part of the total
        (
            "The riots caused 40 million euros of damage in Lonvale alone.",
            [("money (EUR)", 40000000, 40000000, "partial")],
        ),
        # a year in a relative clause about a place dates that place's past, not the figure
        (
            "The storm left 30 people injured in a valley that was ravaged by the floods of 1987.",
            [("injured", 30, 30, "event")],
        ),
        # what is handed out every day is a standing fact, not the event's figure
        (
            "The charity feeds 9,000 people daily, but its stores are running low.",
            [("people", 9000, 9000, "background")],
        ),
        # the outcome said around the figure: shot dead, the lives of, taken to hospital
        ("The gunmen shot dead four guards.", [("killed", 4, 4, "event")]),
        ("The flood claimed the lives of 15 people.", [("killed", 15, 15, "event")]),
        ("Eleven workers were taken to hospital.", [("injured", 11, 11, "event")]),
        ("Six children were rushed to hospitals in the city.", [("injured", 6, 6, "event")]),
        # taken into custody are arrested; in hospital or in a serious condition are hurt
        ("Four suspects were taken into custody.", [("arrested", 4, 4, "event")]),
        ("Nine people remain in hospital.", [("injured", 9, 9, "event")]),
        ("Three pupils were in critical condition.", [("injured", 3, 3, "event")]),
        # "another N" dead or hurt add to a toll told before: a part of it
        ("Another three people were killed in the south.", [("killed", 3, 3, "partial")]),
        # a side that "has lost" soldiers or civilians lost them dead, the list sharing the verb;
        # one side's dead are a part of the toll
        (
            "The army has lost nine soldiers and two civilians in the fighting.",
            [("killed", 9, 9, "partial"), ("killed", 2, 2, "partial")],
        ),
        # the badly hurt among the wounded: ", 12 critically"
        (
            "Officials counted 20 dead and 70 wounded, 12 critically.",
            [
                ("killed", 20, 20, "event"),
                ("injured", 70, 70, "event"),
                ("injured", 12, 12, "partial"),
            ],
        ),
    ],
)
def test_reads_casualty_damage_and_crowd_shapes(
    sentence: str, expected: list[tuple[str, float | None, float | None, str]]
) -> None:
    assert claims(sentence) == expected


def test_a_speaker_named_by_a_common_noun_after_added_gives_the_quoted_figure() -> None:
    found = sentence_claims(
        '"We have treated 40 people with injuries," added the nurse.', source="S"
    )
    assert [(c.about, c.low, c.attributed_to) for c in found] == [("injured", 40, "nurse")]


def test_a_fire_that_claimed_lives_is_no_speaker() -> None:
    found = sentence_claims("The blaze claimed 13 lives.", source="S")
    assert [(c.about, c.low, c.attributed_to) for c in found] == [("killed", 13, None)]


def test_media_reports_closing_an_according_to_are_the_speaker() -> None:
    found = sentence_claims(
        "She was one of three hikers on the ridge, according to local media reports.", source="S"
    )
    assert [(c.about, c.low, c.attributed_to) for c in found] == [
        ("hiker", 3, "local media reports")
    ]


def test_reported_as_an_adjective_names_no_speaker() -> None:
    found = sentence_claims(
        "Several marches followed as the guards involved faced previous reported abuses.",
        source="S",
    )
    assert [(c.about, c.low, c.attributed_to) for c in found] == [("march", 3, None)]
