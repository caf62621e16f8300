"""One function decides a briefing's sections; terminal text and Telegram HTML only format them."""

from __future__ import annotations

import html
import re
from dataclasses import replace

from bot.briefing.model import NameVariants, Spelling
from bot.render.html import briefing_html
from bot.render.sections import Heading, briefing_sections
from bot.render.text import briefing_to_text
from tests.briefing.factories import missile_strike_briefing


def _titled(sections: list[object]) -> list[str]:
    return [s.title for s in sections if not isinstance(s, Heading) and hasattr(s, "title")]


def test_text_and_html_show_the_same_sections_in_the_same_order() -> None:
    spelled = (NameVariants((Spelling("Erbil", ("Outlet B",)), Spelling("Irbil", ("Outlet A",)))),)
    b = replace(missile_strike_briefing(), spellings=spelled)
    titles = _titled(list(briefing_sections(b)))
    assert titles == [
        "Where sources differ",
        "Only in one source",
        "Names spelled differently",
        "What changed",
    ]

    text_titles = [t for t in re.findall(r"^(\S[^\n]*):$", briefing_to_text(b), re.M)]
    html_titles = re.findall(r"<b>([^<]+)</b>\n", "\n\n".join(briefing_html(b)) + "\n")
    assert text_titles == titles
    assert [html.unescape(t) for t in html_titles if t in titles] == titles
    # The cosmetic edit is counted in both formats, not only in one of them.
    assert "1 cosmetic edit not shown" in briefing_to_text(b)
    assert "1 cosmetic edit not shown" in "".join(briefing_html(b))


def test_an_empty_briefing_has_only_its_heading() -> None:
    b = replace(missile_strike_briefing(), summary=(), differences=(), changes=(), spellings=())
    assert [type(s) for s in briefing_sections(b)] == [Heading]


def test_figure_phrases_list_each_reported_figure_once() -> None:
    from bot.briefing.model import Claim
    from bot.render.sections import figure_phrases

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


def test_a_figure_or_speaker_taken_from_a_sentences_start_reads_mid_line() -> None:
    from bot.briefing.figures import FigureLine, ReportedValue, Voice
    from bot.render.sections import earlier_phrase, reported_value, voice_label

    def value(written: str) -> ReportedValue:
        return ReportedValue(written, False, (Voice("Outlet A"),))

    line = FigureLine("killed", "progression", (value("Some 30"),), earlier=("One", "Five"))
    assert reported_value(line.values[0]) == "some 30"
    assert reported_value(value("At least 50")) == "at least 50"
    assert reported_value(value("Twenty-four")) == "twenty-four"
    assert earlier_phrase(line) == ", up from one → five in earlier reports"
    # Names and figures that are not a sentence's capital keep theirs.
    assert reported_value(value("24")) == "24"
    assert reported_value(value("ONE")) == "ONE"
    said = Voice(
        "Outlet A",
        ("Officials", "Hospital officials", "Local official Ann Lee", "Police Chief Ray Kelly"),
    )
    assert voice_label(said) == (
        "Outlet A, citing officials and hospital officials and local official Ann Lee"
        " and Police Chief Ray Kelly"
    )
    assert (
        voice_label(Voice("Outlet A", ("State TV", "Some"))) == "Outlet A, citing State TV and Some"
    )
