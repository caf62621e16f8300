"""Sentence splitting keeps a quotation whole and with its speaker."""

from __future__ import annotations

import pytest

from bot.briefing.text import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "“Everything is fine! The mayor wrote on Twitter. The river rose again overnight.",
            ["“Everything is fine! The mayor wrote on Twitter.", "The river rose again overnight."],
        ),
        (
            "“Everything is fine!” The mayor wrote on Twitter. The river rose again overnight.",
            [
                "“Everything is fine!” The mayor wrote on Twitter.",
                "The river rose again overnight.",
            ],
        ),
        (
            '"We will rebuild. Every house will stand again," the governor said. Rain fell.',
            ['"We will rebuild. Every house will stand again," the governor said.', "Rain fell."],
        ),
        (
            "The chief said: “The dam held. The levees did not.” Crews worked all night.",
            ["The chief said: “The dam held. The levees did not.”", "Crews worked all night."],
        ),
        (
            "“Stay indoors.” — the fire brigade, late on Sunday. Roads were closed.",
            ["“Stay indoors.” — the fire brigade, late on Sunday.", "Roads were closed."],
        ),
    ],
)
def test_quotation_stays_with_its_speaker(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_quotation_followed_by_a_new_sentence_is_not_glued() -> None:
    text = "“It is over.” The crowd went home. The square was empty by noon."
    assert split_sentences(text) == [
        "“It is over.”",
        "The crowd went home.",
        "The square was empty by noon.",
    ]


def test_inch_marks_and_stray_quotes_do_not_swallow_the_paragraph() -> None:
    text = (
        'The new 15" laptop costs less. It ships in May. Reviewers liked it. '
        "Stock rose. Rivals fell. Shops opened early."
    )
    assert len(split_sentences(text)) == 6


def test_closing_quote_left_at_the_start_of_the_next_sentence_goes_back() -> None:
    text = "“ The bridge is safe. ” Engineers checked it twice."
    assert split_sentences(text) == ["“ The bridge is safe. ”", "Engineers checked it twice."]
