"""Figures over many outlets: scope, time, one claim per source and value, and the budget."""

from __future__ import annotations

from datetime import timedelta

from bot.briefing.build import build_briefing
from bot.briefing.claims import extract_claims
from bot.briefing.model import Article, Version
from bot.render.html import briefing_html, event_line_html
from bot.render.split import MAX_MESSAGE, units
from bot.render.text import briefing_to_text
from tests.briefing.factories import T0


def article(
    id: int, source: str, title: str, text: str, hours: float = 0.0, *versions: str
) -> Article:
    """Return an article published ``hours`` after T0; extra texts are later versions."""
    at = T0 + timedelta(hours=hours)
    all_versions = [Version(1, title, text, published=at, fetched=at)]
    for number, later in enumerate(versions, start=2):
        updated = at + timedelta(hours=number)
        all_versions.append(Version(number, title, later, published=at, updated=updated))
    return Article(id, source, f"https://{source}.example/{id}", tuple(all_versions), at)


def by_about(articles: list[Article]) -> dict[str, object]:
    briefing = build_briefing(1, articles)
    return {d.about: d for d in briefing.differences}


# --- the missile strike -------------------------------------------------------------------


def strike_articles() -> list[Article]:
    return [
        article(
            1,
            "harbour",
            "Missiles hit two bases in Iraq",
            "The defence ministry confirmed that more than a dozen missiles hit two bases.",
        ),
        article(
            2,
            "northern",
            "Iran strikes bases in Iraq",
            "Iranian state television said 15 missiles were fired at the bases. "
            "Iraq said 22 missiles had struck its territory. "
            "Iranian state television said 80 “American terrorists” were killed.",
            0.5,
        ),
        article(
            3,
            "ledger",
            "Coalition troops unhurt in missile attack",
            "There were no casualties among our troops, a coalition spokesperson said.",
            1.0,
        ),
    ]


def test_missile_counts_conflict_with_who_said_each() -> None:
    missiles = by_about(strike_articles())["missiles"]

    assert missiles.kind == "conflict"  # type: ignore[attr-defined]
    said = {(c.value, c.source, c.attributed_to) for c in missiles.claims}  # type: ignore[attr-defined]
    assert said == {
        ("more than a dozen", "harbour", "defence ministry"),
        ("15", "northern", "Iranian state television"),
        ("22", "northern", "Iraq"),
    }


def test_a_quoted_toll_conflicts_with_no_casualties() -> None:
    killed = by_about(strike_articles())["killed"]

    assert killed.kind == "conflict"  # type: ignore[attr-defined]
    assert {c.value for c in killed.claims} == {"80", "no"}  # type: ignore[attr-defined]


# --- the earthquake: a rising toll, background figures -----------------------------------


def quake_articles() -> list[Article]:
    recall = "The 2004 tsunami that followed a quake off the coast killed some 230,000 people."
    return [
        article(
            1, "wire-a", "Strong quake hits the province", f"It killed at least one man. {recall}"
        ),
        article(2, "wire-b", "Quake toll rises", f"Five people died in the quake. {recall}", 2),
        article(3, "wire-c", "Quake kills 11", f"The death toll rose to 11. {recall}", 4),
        article(
            4, "wire-d", "Quake kills 24", "At least 24 people were killed, the agency said.", 8
        ),
        article(5, "wire-e", "Quake toll at 24", "The quake killed 24 people.", 8.5),
        article(6, "wire-f", "Quake toll reaches 24", f"It killed 24 people. {recall}", 9),
        article(
            7,
            "wire-g",
            "Landslide buries village",
            "A landslide killed one man in the village of Serempah.",
            9,
        ),
    ]


def test_a_rising_toll_is_a_progression_not_a_conflict() -> None:
    killed = by_about(quake_articles())["killed"]

    assert killed.kind == "progression"  # type: ignore[attr-defined]
    assert {c.low for c in killed.claims} == {24}  # type: ignore[attr-defined]
    assert {c.source for c in killed.claims} == {"wire-d", "wire-e", "wire-f"}  # type: ignore[attr-defined]
    assert [c.value for c in killed.earlier] == ["at least one", "Five", "11"]  # type: ignore[attr-defined]


def test_an_earlier_disaster_and_one_village_stay_out_of_the_toll() -> None:
    text = briefing_to_text(build_briefing(1, quake_articles()))

    assert "230,000" not in text.split("What changed")[0].split("Where sources differ")[1]
    killed_line = next(line for line in text.splitlines() if "Killed:" in line)
    assert "wire-g" not in killed_line
    assert "up from at least one → five → 11 in earlier reports" in " ".join(text.split())


def test_a_source_revising_its_own_toll_is_a_revision() -> None:
    wire = article(
        1,
        "wire",
        "Strike on bases",
        "State television said 30 people were killed.",
        0,
        "State television said 80 people were killed.",
    )
    killed = by_about(
        [wire, article(2, "other", "Strike", "Officials said 80 people were killed.")]
    )["killed"]

    assert killed.kind == "progression"  # type: ignore[attr-defined]
    assert [c.value for c in killed.earlier] == ["30"]  # type: ignore[attr-defined]
    assert {c.value for c in killed.claims} == {"80"}  # type: ignore[attr-defined]


def test_a_later_lower_figure_from_another_source_is_still_a_conflict() -> None:
    killed = by_about(
        [
            article(1, "a", "Flood", "Three people died in the flood.", 0),
            article(2, "b", "Flood", "Two people died in the flood, police said.", 10),
        ]
    )["killed"]

    assert killed.kind == "conflict"  # type: ignore[attr-defined]


# --- one claim per source and value --------------------------------------------------------


def test_headline_and_body_of_one_source_do_not_dispute() -> None:
    one = article(1, "alpha-news", "Gunman kills at least 12", "Police said 12 people were killed.")
    briefing = build_briefing(1, [one])

    assert [d.kind for d in briefing.differences] == ["single_source"]
    assert "disputed" not in event_line_html(briefing, 1)


def test_each_source_is_named_once_per_value() -> None:
    articles = [
        article(
            1,
            "alpha-news",
            "Quake kills 24",
            "The quake killed 24 people, the disaster agency said. Rescuers said 24 people died.",
        ),
        article(2, "beta", "Quake toll 24", "The quake killed 24 people."),
        article(3, "gamma", "Quake toll 20", "The quake killed 20 people."),
    ]
    text = " ".join(briefing_to_text(build_briefing(1, articles)).split())

    assert "24 (alpha-news, citing disaster agency and rescuers; beta)" in text
    assert text.count("alpha-news") == 1 + text.count("— alpha-news")


def test_names_with_symbols_and_dots_survive_as_speakers() -> None:
    claims = extract_claims(
        "AT&T said 12 exchanges were cut. The U.N. said 40 people were killed. "
        "Al Jazeera said 15 missiles were fired.",
        source="S",
    )

    assert [c.attributed_to for c in claims] == ["AT&T", "U.N.", "Al Jazeera"]


# --- the budget ------------------------------------------------------------------------------


def many_outlets() -> list[Article]:
    """Fourteen outlets on one quake, each with its own mix of figures."""
    articles = []
    for i in range(14):
        killed = (1, 5, 11, 24)[min(i // 3, 3)] if i < 12 else 20 + i
        text = (
            f"The quake killed {killed} people and injured {40 + i * 10} others, officials said. "
            f"Rescuers pulled {i + 2} survivors from the rubble. "
            f"The quake damaged {100 + i} houses and two bridges in {13 + i % 2} countries. "
            "Two trucks of aid arrived. "
            "The 2004 tsunami killed 230,000 people across the region."
        )
        articles.append(article(i + 1, f"outlet-{i:02d}", f"Quake kills {killed}", text, i * 0.6))
    return articles


def test_a_fourteen_source_summary_fits_one_message_with_at_most_five_figure_lines() -> None:
    messages = briefing_html(build_briefing(1, many_outlets()))

    assert len(messages) == 1
    assert units(messages[0]) <= MAX_MESSAGE
    figures = messages[0].split("<b>Where sources differ</b>")[1].split("\n\n")[0]
    lines = [line for line in figures.splitlines() if line.startswith("• ")]
    assert 1 <= len(lines) <= 5
    assert lines[0].startswith("• <b>Killed</b>")
    assert all(line.count(" / ") <= 3 for line in lines)
    assert "more source" in figures
    assert "Truck" not in messages[0] and "Countrie" not in messages[0]
    assert "230,000" not in figures


def test_an_older_report_of_the_current_toll_still_backs_it() -> None:
    killed = by_about(
        [
            article(1, "early", "Quake hits town", "The quake killed two people.", 0),
            article(2, "wire", "Quake kills 24", "The quake killed 24 people.", 4),
            article(3, "late", "Quake toll 24", "The quake killed 24 people.", 12),
        ]
    )["killed"]

    assert {c.source for c in killed.claims} == {"wire", "late"}  # type: ignore[attr-defined]
    assert [c.value for c in killed.earlier] == ["two"]  # type: ignore[attr-defined]


def test_a_progression_lists_only_the_reports_that_moved_the_toll() -> None:
    articles = [
        article(1, "a", "Quake", "The quake killed five people.", 0),
        article(2, "b", "Quake", "The quake killed three people.", 1),
        article(3, "c", "Quake", "The quake killed 11 people.", 2),
        article(4, "d", "Quake", "The quake killed 24 people.", 9),
    ]
    text = " ".join(briefing_to_text(build_briefing(1, articles)).split())

    assert "up from five → 11 in earlier reports" in text


def test_everyday_counts_that_differ_are_not_flagged_as_disputed() -> None:
    briefing = build_briefing(
        1,
        [
            article(1, "a", "Aid reaches the valley", "Two trucks of aid arrived in the valley."),
            article(2, "b", "Aid reaches the valley", "Three trucks of aid arrived in the valley."),
        ],
    )

    assert [d.kind for d in briefing.differences] == ["conflict"]
    assert "disputed" not in event_line_html(briefing, 1)
