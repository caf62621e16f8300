"""Counted nouns behind other modifiers, breakdowns by place, and a prisoner's earlier sentences.

Each sentence is written here for the test (not taken from any corpus); each stands for a shape
that blind development sample C of the claims benchmark (sixth pass) showed the extractor getting
wrong.
"""

from __future__ import annotations

import pytest

from bot.briefing.claims import sentence_claims
from tests.briefing.test_claim_labels import claims


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a plural before a plain plural noun modifies it
        ("The agency dropped two other rules changes on Friday.", [("change", 2, 2, "event")]),
        ("Crews closed four Texas highways overnight.", [("highway", 4, 4, "event")]),
        # a measure between the figure and its noun modifies the noun
        ("The guards found five 9 - mm bullets in the car.", [("bullet", 5, 5, "event")]),
        # a breakdown by place counts what the figure before it counted, each a part
        (
            "The board named 90 judges, 30 of the judges in the capital, 25 in Orange county"
            " and 35 in Lake county.",
            [
                ("judge", 90, 90, "event"),
                ("judge", 30, 30, "partial"),
                ("judge", 25, 25, "partial"),
                ("judge", 35, 35, "partial"),
            ],
        ),
        # what a prisoner serves is for earlier crimes
        ("The fugitive is serving four life sentences.", [("sentence", 4, 4, "background")]),
        (
            "He was serving a life term for thefts he committed in five cities.",
            [("city", 5, 5, "background")],
        ),
        # "For years," opening a sentence tells of a habit, not of the event
        (
            "For years, builders of hundreds of roads have had to ask the agency first.",
            [("road", 200, 999, "background")],
        ),
    ],
)
def test_reads_modified_nouns_places_and_earlier_sentences(
    sentence: str, expected: list[tuple[str, float | None, float | None, str]]
) -> None:
    assert claims(sentence) == expected


def test_a_speaker_after_an_inverted_said_gives_the_figures_after_it() -> None:
    sentence = (
        "The van hit the wall and sped off, said witness Ann Lee, who was there with her two sons."
    )
    assert [(c.about, c.attributed_to) for c in sentence_claims(sentence, source="S")] == [
        ("son", "witness Ann Lee")
    ]
