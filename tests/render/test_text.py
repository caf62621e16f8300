"""Plain-text rendering of briefings (and the JSON of name spellings beside it)."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.briefing.model import NameVariants, Spelling
from bot.render.json import briefing_to_dict
from bot.render.text import briefing_to_text
from tests.briefing.factories import missile_strike_briefing


def test_text_shows_headline_meta_summary_and_attributed_conflicts() -> None:
    text = briefing_to_text(missile_strike_briefing())
    lines = text.splitlines()
    assert lines[0] == "Missiles hit air base in western Iraq"
    assert "3 sources · first reported 8 Jan 06:00 UTC · updated 8 Jan 11:00 UTC" in lines
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
    assert "first reported 8 Jan 15:00 JST" in text


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
