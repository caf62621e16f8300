"""Plain-text and JSON rendering of briefings."""

from __future__ import annotations

import json
from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.briefing.model import Briefing, NameVariants, Spelling
from bot.briefing.render import briefing_to_dict, briefing_to_text, briefings_to_json
from tests.briefing.factories import missile_strike_briefing


def test_text_shows_headline_meta_summary_and_attributed_conflicts() -> None:
    text = briefing_to_text(missile_strike_briefing())
    lines = text.splitlines()
    assert lines[0] == "Missiles hit air base in western Iraq"
    assert "3 sources · first seen 8 Jan 06:00 UTC · updated 8 Jan 11:00 UTC" in lines
    assert "More than a dozen missiles struck the air base before dawn. — Outlet A" in text
    flat = " ".join(line.strip() for line in lines)
    assert (
        "Missiles: more than a dozen (Outlet A, citing the defence ministry) / "
        "15 (Outlet B, citing state TV) / 22 (Outlet B, citing Iraq)"
    ) in flat
    assert "Killed: 22 — 2 of 3 sources" in flat
    assert "Only in one source:" in lines
    assert "Injured: 40 (Outlet C, citing a hospital)" in flat
    assert all(len(line) <= 80 for line in lines)


def test_text_lists_substantive_changes_and_only_counts_cosmetic_ones() -> None:
    text = briefing_to_text(missile_strike_briefing())
    flat = " ".join(line.strip() for line in text.splitlines())
    assert "What changed:" in text
    assert "Missiles hit air base → Missiles hit air base, 22 killed" in flat
    assert "10 → 22" in flat
    assert "+ Rescue teams were still searching the rubble on Tuesday evening." in flat
    assert "Outlet B: version 1 → 2" not in flat
    assert flat.count("cosmetic edit") == 1


def test_text_times_follow_the_reader_time_zone() -> None:
    text = briefing_to_text(missile_strike_briefing(), tz=ZoneInfo("Asia/Tokyo"))
    assert "first seen 8 Jan 15:00 JST" in text


def test_json_has_the_stable_shape() -> None:
    events = json.loads(briefings_to_json([missile_strike_briefing()]))["events"]
    event = events[0]
    assert list(event) == [
        "id", "headline", "first_seen", "last_updated", "summary", "sources", "differences",
        "changes", "spellings",
    ]  # fmt: skip
    assert event["first_seen"] == "2024-01-08T06:00:00+00:00"
    assert event["summary"][0] == {
        "text": "More than a dozen missiles struck the air base before dawn.",
        "source": "Outlet A",
    }
    assert event["sources"][0]["articles"][0] == {
        "title": "Missiles hit air base, 22 killed",
        "location": "https://a.example/1",
        "versions": 2,
    }
    conflict = event["differences"][0]
    assert conflict["kind"] == "conflict"
    assert conflict["claims"][1] == {
        "value": "15",
        "source": "Outlet B",
        "attributed_to": "state TV",
        "sentence": "Outlet B reported 15 missiles.",
        "version": 1,
        "at": None,
    }
    assert conflict["earlier"] == []
    change = event["changes"][0]
    assert change["headline_change"] == {
        "old": "Missiles hit air base",
        "new": "Missiles hit air base, 22 killed",
    }
    assert change["figures"] == [
        {"old": "10", "new": "22", "sentence": "At least 22 people were killed."}
    ]
    assert change["reworded"][0]["new"] == "At least 22 people were killed."
    assert change["substantive"] is True
    assert event["changes"][1]["headline_change"] is None


def test_json_of_an_empty_briefing_uses_nulls_and_empty_lists() -> None:
    empty = Briefing(7, "Quiet day", None, None, (), ())
    assert briefing_to_dict(empty) == {
        "id": 7,
        "headline": "Quiet day",
        "first_seen": None,
        "last_updated": None,
        "summary": [],
        "sources": [],
        "differences": [],
        "changes": [],
        "spellings": [],
    }
    assert json.loads(briefings_to_json([])) == {"events": []}


def test_names_spelled_differently_are_shown_in_text_and_json() -> None:
    erbil = NameVariants(
        (Spelling("Erbil", ("Outlet B", "Outlet C")), Spelling("Irbil", ("Outlet A",)))
    )
    briefing = replace(missile_strike_briefing(), spellings=(erbil,))

    text = briefing_to_text(briefing)
    assert "Names spelled differently:\n  Erbil (Outlet B, Outlet C) / Irbil (Outlet A)\n" in text
    assert briefing_to_dict(briefing)["spellings"] == [
        [
            {"name": "Erbil", "sources": ["Outlet B", "Outlet C"]},
            {"name": "Irbil", "sources": ["Outlet A"]},
        ]
    ]
    assert "spelled differently" not in briefing_to_text(missile_strike_briefing())


def test_figure_phrases_list_each_reported_figure_once() -> None:
    from bot.briefing.model import Claim
    from bot.briefing.render import figure_phrases

    def claim(about: str, value: str, who: str | None, low: float, high: float | None) -> Claim:
        return Claim(about, value, low, high, "Outlet B", who, f"{who} said {value} {about}.")

    phrases = figure_phrases(
        [
            claim("missiles", "15", "Iranian state TV", 15, 15),
            claim("missiles", "15", "state media", 15, 15),
            claim("casualties", "no", "A source", 0, 0),
            claim("base", "two", None, 2, 2),
            claim("dockworker", "3,000", None, 3000, 3000),
        ]
    )
    assert phrases == [
        "15 missiles (citing Iranian state TV)",
        "no casualties (citing a source)",
        "3,000 dockworker",
    ]
