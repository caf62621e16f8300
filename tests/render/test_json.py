"""The stable JSON form of briefings."""

from __future__ import annotations

import json

from bot.briefing.model import Briefing
from bot.render.json import briefing_to_dict, briefings_to_json
from tests.briefing.factories import missile_strike_briefing


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
