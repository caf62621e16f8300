"""Telegram HTML rendering: allowed tags only, balanced, escaped, split under the limit."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.briefing.model import (
    Briefing,
    Change,
    Claim,
    Difference,
    NameVariants,
    SourceArticle,
    SourceEntry,
    Spelling,
    SummarySentence,
    VersionDiff,
)
from bot.render.html import (
    alert_html,
    briefing_html,
    changes_html,
    digest_html,
    event_line_html,
    sources_html,
)
from bot.render.split import MAX_MESSAGE, split_html_sections
from tests.briefing.factories import T0, missile_strike_briefing

ALLOWED = {"b", "i", "u", "s", "a", "code", "pre", "blockquote", "tg-spoiler"}
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#x27|#\d+);")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self.errors.append(f"tag <{tag}> not allowed")
        names = [name for name, _ in attrs]
        if names != (["href"] if tag == "a" else []):
            self.errors.append(f"attributes {names} on <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")


def assert_valid(message: str) -> None:
    assert 0 < len(message) <= MAX_MESSAGE
    assert len(message.encode("utf-16-le")) // 2 <= MAX_MESSAGE
    assert_well_formed(message)


def assert_well_formed(message: str) -> None:
    checker = _Checker()
    checker.feed(message)
    checker.close()
    assert checker.errors == []
    assert checker.stack == [], f"unclosed {checker.stack}"
    # Outside tags nothing is raw: no "<", ">" and every "&" starts an entity.
    outside = re.sub(r"<[^>]*>", "", message)
    assert "<" not in outside and ">" not in outside
    assert _ENTITY.sub("", outside).count("&") == 0


def visible(messages: list[str]) -> str:
    """Return the text a reader sees, white space removed."""
    raw = "".join(html.unescape(re.sub(r"<[^>]*>", "", m)) for m in messages)
    return re.sub(r"\s+", "", raw)


def test_the_missile_strike_shows_each_figure_with_who_said_it() -> None:
    messages = briefing_html(missile_strike_briefing())
    assert len(messages) == 1
    assert_valid(messages[0])
    body = messages[0]
    assert body.startswith("<b>Missiles hit air base in western Iraq</b>")
    assert (
        "<b>Missiles</b>: more than a dozen (<i>Outlet A, citing the defence ministry</i>) / "
        "15 (<i>Outlet B, citing state TV</i>) / 22 (<i>Outlet B, citing Iraq</i>)"
    ) in body
    assert "<b>Killed</b>: 22 — 2 of 3 sources" in body
    assert "Only in one source" in body
    assert "<s>Missiles hit air base</s> → Missiles hit air base, 22 killed" in body
    assert "Outlet B</b>: " not in body  # its only change was cosmetic


def test_names_spelled_differently_get_their_own_escaped_section() -> None:
    variants = NameVariants((Spelling("Erbil", ("B & Co",)), Spelling("Irbil", ("<A>",))))
    (message,) = briefing_html(replace(missile_strike_briefing(), spellings=(variants,)))
    assert_valid(message)
    assert "<b>Names spelled differently</b>\n• Erbil (B &amp; Co) / Irbil (&lt;A&gt;)" in message
    assert "spelled differently" not in briefing_html(missile_strike_briefing())[0]


def test_sources_link_web_articles_and_list_their_figures() -> None:
    (message,) = sources_html(missile_strike_briefing())
    assert_valid(message)
    assert '<a href="https://a.example/1">Missiles hit air base, 22 killed</a>' in message
    assert "first seen 8 Jan 06:00 UTC, 2 versions" in message
    assert 'href="file:' not in message and "Base attacked (file:///inbox/c.txt)" in message
    assert "Figures: more than a dozen missiles (citing the defence ministry); 22 killed" in message


def test_changes_show_the_history_and_count_cosmetic_edits() -> None:
    (message,) = changes_html(missile_strike_briefing())
    assert_valid(message)
    assert "v1 → v2" in message
    assert "➕ Rescue teams were still searching the rubble on Tuesday evening." in message
    assert "Revised: 10 → <b>22</b>" in message
    assert "1 cosmetic edit not shown" in message


def test_event_line_alert_and_digest_are_valid() -> None:
    b = missile_strike_briefing()
    line = event_line_html(b, 3)
    assert line.startswith("3. <b>Missiles hit air base in western Iraq</b>")
    assert "1 disputed figure" in line
    assert_valid(line)
    alert = alert_html(b, "Death toll revised")
    assert_valid(alert)
    assert len(alert) <= 1000 and "Death toll revised" in alert
    digest = digest_html([b, b], day_label="Monday 8 January")
    for message in digest:
        assert_valid(message)
    assert "Digest — Monday 8 January" in digest[0] and "2. <b>Missiles" in digest[0]


def test_a_long_briefing_splits_into_valid_messages_without_losing_text() -> None:
    sentence = "Officials gave <new> figures & more “details” at a briefing on Tuesday. "
    summary = tuple(SummarySentence(sentence * 6 + str(i), f"Outlet {i}") for i in range(40))
    b = replace(missile_strike_briefing(), summary=summary)
    messages = briefing_html(b)
    assert len(messages) > 1
    for message in messages:
        assert_valid(message)
    for s in summary:
        assert re.sub(r"\s+", "", s.text) in visible(messages)


def test_one_oversized_section_is_cut_at_a_boundary_and_tags_are_reopened() -> None:
    paragraph = "<b>" + " ".join(f"word{i} &amp; <i>more</i>." for i in range(400)) + "</b>"
    messages = split_html_sections(["<b>Head</b>", paragraph], limit=500)
    assert len(messages) > 5
    for message in messages:
        assert len(message) <= 500
        assert_valid(message)
    # Cut between words, never inside one: every message but the first opens the bold again.
    assert all(m.startswith("<b>") for m in messages[1:])
    for message in messages[1:]:
        shown = html.unescape(re.sub(r"<[^>]*>", "", message)).split()
        assert all(re.fullmatch(r"word\d+|&|more\.", w) for w in shown), shown
        assert shown[-1] == "more."  # at the end of a sentence, when one is late enough
    assert visible(messages) == visible(["<b>Head</b>", paragraph])


def test_sections_that_fit_are_packed_together_and_never_split() -> None:
    sections = [f"<b>Section {i}</b>\n" + "x" * 1500 for i in range(5)]
    messages = split_html_sections(sections)
    assert len(messages) == 3
    assert all(m.count("<b>Section") in (1, 2) for m in messages)
    assert all(m.startswith("<b>Section") for m in messages)


NASTY = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(
        ["<b>", "</i>", "&amp;", "&", "a < b > c", "\"quoted\" 'single'", "🚀💥🇺🇦", "&#x27;", "\n"]
    ),
    st.integers(min_value=1, max_value=5000).map(lambda n: "W" * n),
)


LOCATIONS = st.sampled_from(['https://x.example/?a=1&b="2"', "x<y", "https://e.example/<b>"])


@st.composite
def nasty_briefings(draw: st.DrawFn) -> Briefing:
    name = draw(NASTY)
    claims = tuple(
        Claim(draw(NASTY), draw(NASTY), None, None, name, draw(st.none() | NASTY), draw(NASTY))
        for _ in range(draw(st.integers(0, 3)))
    )
    diff = VersionDiff(None, (draw(NASTY),), (draw(NASTY),), (), (), True)
    return Briefing(
        event_id=1,
        headline=draw(NASTY),
        first_seen=T0,
        last_updated=T0 + timedelta(hours=1),
        summary=tuple(
            SummarySentence(draw(NASTY), draw(NASTY)) for _ in range(draw(st.integers(0, 4)))
        ),
        sources=(SourceEntry(name, (SourceArticle(draw(NASTY), draw(LOCATIONS), 1),), claims),),
        differences=(Difference(draw(NASTY), "conflict", claims, 1),) if claims else (),
        changes=(Change(name, "https://x.example/a", draw(NASTY), 1, 2, diff),),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nasty_briefings())
def test_nasty_text_always_renders_valid_escaped_messages(b: Briefing) -> None:
    for render in (briefing_html, sources_html, changes_html):
        messages = render(b)
        assert messages
        for message in messages:
            assert_valid(message)
        assert re.sub(r"\s+", "", b.headline) in visible(messages)
    assert_well_formed(event_line_html(b, 1))
    assert_valid(alert_html(b, "reason <&>"))
    assert len(alert_html(b, "x" * 5000)) <= 1000
    for message in digest_html([b], day_label="<today>"):
        assert_valid(message)


def test_summary_shows_three_updates_and_points_to_the_rest() -> None:
    b = missile_strike_briefing()
    update = b.changes[0]
    many = tuple(replace(update, source=f"Outlet {n}") for n in range(5))
    message = briefing_html(replace(b, changes=many))[0]

    assert_valid(message)
    assert message.count("Revised: 10 → <b>22</b>") == 3
    assert "<i>+2 more updates: /changes</i>" in message
