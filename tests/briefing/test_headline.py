"""The event headline: the latest title of a central, corroborated article, never a dateline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.briefing.build import build_briefing
from bot.briefing.headline import choose_headline, is_dateline
from bot.briefing.model import Article, Version
from tests.cli.test_app import briefbot

T0 = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
QUAKE = (
    "A strong earthquake struck the coastal province of Vessaria on Monday, collapsing houses "
    "and cutting power to several towns, the disaster agency said. Rescue teams searched the "
    "rubble of collapsed houses in the coastal towns."
)


def article(
    number: int, source: str, title: str, text: str = QUAKE, *, minutes: int = 0
) -> Article:
    at = T0 + timedelta(minutes=minutes)
    return Article(
        id=number,
        source=source,
        location=f"https://{source}.example/{number}",
        versions=(Version(1, title, text, fetched=at),),
        first_seen=at,
    )


@pytest.mark.parametrize(
    "title",
    [
        "VESSARIA CITY, May 4 (Lantern Wire) -",
        "LONDON —",
        "May 4, 2026, 6: 12 AM",
        "Updated 04 / 05 / 2026 at 11: 00 AM",
        "http: / / www. lanternwire. example / world / quake",
        "Breaking",
    ],
)
def test_datelines_stamps_and_addresses_are_not_headlines(title: str) -> None:
    assert is_dateline(title)


def test_real_headline_after_a_dateline_is_kept() -> None:
    assert not is_dateline("PORTSEA — Earthquake topples houses along the coast")


def test_dateline_title_is_never_the_headline() -> None:
    first = article(1, "alpha", "VESSARIA CITY, May 4 (Lantern Wire) -")
    second = article(2, "beta", "Earthquake collapses houses in coastal Vessaria", minutes=5)

    assert choose_headline([first, second]) == "Earthquake collapses houses in coastal Vessaria"
    # With no real title anywhere, the first real sentence stands in, as written.
    assert choose_headline([first]).startswith("A strong earthquake struck the coastal province")


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        (
            "Breaking News: Earthquake collapses houses in Vessaria",
            "Earthquake collapses houses in Vessaria",
        ),
        (
            "UPDATE - Earthquake collapses houses in Vessaria",
            "Earthquake collapses houses in Vessaria",
        ),
        ("Live: quake toll rises", "quake toll rises"),
        # Too little left to stand alone, or no label at all: the title as written.
        ("Breaking: Vessaria quake", "Breaking: Vessaria quake"),
        ("Watchdog says quake warnings worked", "Watchdog says quake warnings worked"),
    ],
)
def test_a_sites_label_before_the_headline_is_not_shown(title: str, shown: str) -> None:
    assert choose_headline([article(1, "alpha", title)]) == shown


def test_headline_follows_the_event_as_later_sources_report_more() -> None:
    first = article(1, "alpha", "Earthquake in Vessaria, killing at least 12")
    later = article(2, "beta", "Vessaria earthquake: death toll rises to 27", minutes=90)

    briefing = build_briefing(1, [first, later])

    assert briefing.headline == "Vessaria earthquake: death toll rises to 27"


def test_an_off_centre_latest_article_does_not_take_the_headline() -> None:
    aside = (
        "Ticket prices for the spring football final rose again, the league said on Monday. "
        "Fans queued outside the stadium."
    )
    event = [
        article(1, "alpha", "Earthquake collapses houses in Vessaria"),
        article(2, "beta", "Strong earthquake hits coastal Vessaria", minutes=10),
        article(3, "gamma", "Vessaria quake cuts power to coastal towns", minutes=20),
        article(4, "delta", "League raises final ticket prices", aside, minutes=30),
    ]

    assert choose_headline(event) == "Vessaria quake cuts power to coastal towns"


def test_headline_is_the_latest_version_of_the_chosen_article() -> None:
    first = article(1, "alpha", "Earthquake in Vessaria, killing at least 12")
    updated = Article(
        id=1,
        source="alpha",
        location=first.location,
        versions=(
            first.versions[0],
            Version(2, "Earthquake in Vessaria kills 27", QUAKE, fetched=T0 + timedelta(hours=2)),
        ),
        first_seen=T0,
    )

    assert choose_headline([updated]) == "Earthquake in Vessaria kills 27"


def test_brief_json_never_takes_a_dateline_for_the_headline(tmp_path: Path) -> None:
    alpha, beta = tmp_path / "alpha", tmp_path / "beta"
    alpha.mkdir()
    beta.mkdir()
    (alpha / "quake.txt").write_text(f"VESSARIA CITY, May 4 (Lantern Wire) -\n\n{QUAKE}\n")
    (beta / "quake.txt").write_text(f"Earthquake collapses houses in Vessaria\n\n{QUAKE}\n")

    done = briefbot(
        "brief",
        "--json",
        str(alpha / "quake.txt"),
        str(beta / "quake.txt"),
        env={"BRIEFBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"},
    )

    assert done.returncode == 0, done.stderr
    (event,) = json.loads(done.stdout)["events"]
    assert event["headline"] == "Earthquake collapses houses in Vessaria"
