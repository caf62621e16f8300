"""Render briefings, alerts, digests and replies as Telegram HTML (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from html import escape

from bot.briefing.figures import FigureLine, disputed_count
from bot.briefing.model import Briefing, Change, ChangeSummary, SourceArticle
from bot.i18n import ENGLISH, Translator
from bot.render.news import new_changes, told_state, whats_new
from bot.render.sections import (
    Changes,
    Differences,
    Heading,
    Section,
    Spellings,
    Summary,
    about_label,
    agreement_tally,
    briefing_sections,
    earlier_phrase,
    figure_phrases,
    format_time,
    more_figures,
    more_line,
    more_updates_line,
    more_values_phrase,
    moved_line,
    reported_value,
    spelling_line,
    statement_line,
    value_sources,
)
from bot.render.split import split_html_sections, units

MAX_ALERT = 1000
MAX_SINCE_EDITS = 2  # article edits /changes shows per event since the last digest


def text(value: str) -> str:
    """Escape a text node."""
    return escape(value, quote=False)


def link(label: str, location: str) -> str:
    """Return a link when ``location`` is a web address, else the escaped label."""
    if location.startswith(("http://", "https://")):
        return f'<a href="{escape(location, quote=True)}">{text(label)}</a>'
    return text(label)


# --- briefings --------------------------------------------------------------------------------


def briefing_html(b: Briefing, *, tz: tzinfo = UTC, t: Translator = ENGLISH) -> list[str]:
    """Render the full briefing as one or more messages, in the language of ``t``."""
    return split_html_sections([_section_html(s, tz, t) for s in briefing_sections(b)])


def meta_html(b: Briefing, tz: tzinfo, t: Translator) -> str:
    """Return "N sources · first seen … · updated …" in the language of ``t`` (escaped)."""
    n = b.source_count
    parts = [t.ngettext("{count} source", "{count} sources", n).format(count=n)]
    if b.first_seen:
        parts.append(t.gettext("first seen {time}").format(time=format_time(b.first_seen, tz, t)))
    if b.last_updated:
        parts.append(t.gettext("updated {time}").format(time=format_time(b.last_updated, tz, t)))
    return text(" · ".join(parts))


def _cosmetic(count: int, t: Translator) -> str:
    return t.ngettext(
        "{count} cosmetic edit not shown", "{count} cosmetic edits not shown", count
    ).format(count=count)


def _section_html(section: Section, tz: tzinfo, t: Translator) -> str:
    match section:
        case Heading(briefing=b):
            return f"<b>{text(b.headline)}</b>\n<i>{meta_html(b, tz, t)}</i>"
        case Summary(sentences=sentences):
            return "\n".join(f"{text(s.text)} — <i>{text(s.source)}</i>" for s in sentences)
        case Differences(title=title, items=items, left_out=left_out):
            lines = [
                f"<b>{text(t.gettext(title))}</b>",
                *(f"• {_figure_line(d, t)}" for d in items),
            ]
            if left_out:
                lines.append(f"<i>{text(more_figures(left_out, t))}: /sources</i>")
            return "\n".join(lines)
        case Spellings(title=title, items=items):
            lines = [f"<b>{text(t.gettext(title))}</b>"]
            return "\n".join(lines + [f"• {text(spelling_line(v, t))}" for v in items])
        case Changes(title=title, substantive=substantive, cosmetic=cosmetic, more_updates=more):
            head = f"<b>{text(t.gettext(title))}</b>"
            lines = [head, *(_change_brief(c, tz, t) for c in substantive)]
            if more:
                lines.append(f"<i>{text(more_updates_line(more, t))}</i>")
            if cosmetic:
                lines.append(f"<i>{_cosmetic(cosmetic, t)}.</i>")
            return "\n".join(lines)


def sources_html(b: Briefing, *, tz: tzinfo = UTC, t: Translator = ENGLISH) -> list[str]:
    """Render each source: its articles, when first seen, versions and the figures it reports."""
    sections = [
        "<b>" + t.gettext("Sources for {headline}").format(headline=text(b.headline)) + "</b>"
    ]
    for entry in b.sources:
        lines = [f"<b>{text(entry.name)}</b>"]
        lines += [f"• {_article_line(a, tz, t)}" for a in entry.articles]
        if entry.claims:
            figures = "; ".join(text(phrase) for phrase in figure_phrases(entry.claims, t))
            lines.append(t.gettext("Figures: {figures}").format(figures=figures))
        sections.append("\n".join(lines))
    if not b.sources:
        sections.append("<i>" + t.gettext("No sources yet.") + "</i>")
    return split_html_sections(sections)


def changes_html(b: Briefing, *, tz: tzinfo = UTC, t: Translator = ENGLISH) -> list[str]:
    """Render the version history of the event's articles."""
    title = t.gettext("What changed in {headline}").format(headline=text(b.headline))
    sections = [f"<b>{title}</b>"]
    cosmetic = 0
    for change in b.changes:
        if not change.diff.substantive:
            cosmetic += 1
            continue
        sections.append(_change_full(change, tz, t))
    if cosmetic:
        sections.append(f"<i>{_cosmetic(cosmetic, t)}.</i>")
    if not b.changes:
        nothing = t.gettext("No article has changed since it was first seen.")
        sections.append(f"<i>{nothing}</i>")
    return split_html_sections(sections)


def event_line_html(b: Briefing, index: int, *, tz: tzinfo = UTC, t: Translator = ENGLISH) -> str:
    """Return one line for the /events list."""
    conflicts = disputed_count(b.differences)
    disputed = t.ngettext("{count} disputed figure", "{count} disputed figures", conflicts)
    flag = f" · ⚠️ {disputed.format(count=conflicts)}" if conflicts else ""
    return f"{index}. <b>{text(b.headline)}</b>\n    <i>{meta_html(b, tz, t)}</i>{flag}"


def alert_html(b: Briefing, reason: str, *, tz: tzinfo = UTC, t: Translator = ENGLISH) -> str:
    """Return a short alert of at most 1000 characters."""
    head = f"🔔 <b>{_clip(reason, 200)}</b>\n<b>{_clip(b.headline, 300)}</b>\n"
    meta = f"<i>{meta_html(b, tz, t)}</i>"
    body = ""
    if b.summary:
        first = b.summary[0]
        room = MAX_ALERT - units(head) - units(meta) - units(first.source) * 6 - 20
        body = f"{_clip(first.text, room)} — <i>{text(first.source)}</i>\n"
    alert = head + body + meta
    return alert if units(alert) <= MAX_ALERT else head + meta


def digest_html(
    bs: Sequence[Briefing],
    *,
    day_label: str,
    tz: tzinfo = UTC,
    t: Translator = ENGLISH,
    more: int = 0,
) -> list[str]:
    """Render a daily digest: numbered events, their first sentences and a link to each source.

    Numbered as a list the chat can use ("/summary 2"); ``more`` events left out are counted
    at the end. Each event is one section, so a split never cuts one apart.
    """
    count = len(bs) + more
    title = t.gettext("Digest — {day}").format(day=text(day_label))
    counted = t.ngettext("{count} event", "{count} events", count).format(count=count)
    sections = [f"<b>{title}</b>\n<i>{counted}</i>"]
    for index, b in enumerate(bs, 1):
        lines = [event_line_html(b, index, tz=tz, t=t)]
        lines += [f"{text(s.text)} — <i>{text(s.source)}</i>" for s in b.summary[:2]]
        links = [
            link(entry.name, entry.articles[0].location)
            for entry in b.sources
            if entry.articles and entry.articles[0].location.startswith(("http://", "https://"))
        ]
        read = t.gettext("Read: {links}").format(links=", ".join(links)) if links else ""
        lines.append(" · ".join(p for p in (read, f"/summary {index}") if p))
        sections.append("\n".join(lines))
    if more:
        sections.append(
            t.ngettext("+{count} more: /events", "+{count} more: /events", more).format(count=more)
        )
    if not bs:
        sections.append("<i>" + t.gettext("Nothing new today.") + "</i>")
    return split_html_sections(sections)


def since_digest_html(
    items: Sequence[tuple[Briefing | None, Briefing]],
    *,
    since_label: str,
    tz: tzinfo = UTC,
    t: Translator = ENGLISH,
    more: int = 0,
) -> list[str]:
    """Render what is new in each event since the chat's last digest, numbered as a list.

    ``items`` pair each event as it stood at the digest (None: it is new) with how it is now.
    """
    since = f"<i>{text(since_label)}</i>"
    if not items:
        nothing = t.gettext("Nothing new since your last digest ({time}).")
        return [nothing.format(time=since)]
    sections = [t.gettext("<b>Since your last digest</b> · {time}").format(time=since)]
    for index, (before, now) in enumerate(items, 1):
        lines = [f"{index}. <b>{text(now.headline)}</b>"]
        if before is None:
            n = now.source_count
            new = t.ngettext("New event, {count} source", "New event, {count} sources", n)
            lines.append(f"    <i>{new.format(count=n)}</i>")
        elif said := whats_new(told_state(before), now, t):
            lines.append(f"    {text(said)}")
        edits = new_changes(before, now) if before is not None else []
        lines += [_change_brief(c, tz, t) for c in edits[:MAX_SINCE_EDITS]]
        if len(edits) > MAX_SINCE_EDITS:
            left = len(edits) - MAX_SINCE_EDITS
            more_edits = t.ngettext(
                "+{count} more update: /changes {number}",
                "+{count} more updates: /changes {number}",
                left,
            )
            lines.append(f"<i>{more_edits.format(count=left, number=index)}</i>")
        sections.append("\n".join(lines))
    if more:
        sections.append(
            t.ngettext("+{count} more: /events", "+{count} more: /events", more).format(count=more)
        )
    sections.append(
        "<i>" + t.gettext("One event in full: /summary 1, /changes 1 (its whole history).") + "</i>"
    )
    return split_html_sections(sections)


# --- pieces ---------------------------------------------------------------------------------


def _figure_line(line: FigureLine, t: Translator) -> str:
    about = f"<b>{text(about_label(line, t))}</b>"
    tally = agreement_tally(line, t)
    if tally:
        value, sources, total = tally
        counted = t.ngettext("{count} of {total} source", "{count} of {total} sources", total)
        counted = counted.format(count=sources, total=total)
        return f"{about}: {text(value)} — {counted}{text(earlier_phrase(line, t))}"
    values = " / ".join(
        f"{text(reported_value(v, t))} (<i>{text(value_sources(v, t))}</i>)" for v in line.values
    )
    tail = more_values_phrase(line, t) + earlier_phrase(line, t)
    return f"{about}: {values}{text(tail)}"


def _article_line(a: SourceArticle, tz: tzinfo, t: Translator) -> str:
    details = [
        t.ngettext("{count} version", "{count} versions", a.versions).format(count=a.versions)
    ]
    if a.first_seen:
        details.insert(
            0, t.gettext("first seen {time}").format(time=format_time(a.first_seen, tz, t))
        )
    where = "" if a.location.startswith(("http://", "https://")) else f" ({text(a.location)})"
    return f"{link(a.title, a.location)}{where} — {', '.join(details)}"


def _change_heading(change: Change, tz: tzinfo, t: Translator) -> str:
    when = f", {text(format_time(change.at, tz, t))}" if change.at else ""
    return (
        f"<b>{text(change.source)}</b>: {link(change.title, change.location)} "
        f"v{change.from_version} → v{change.to_version}{when}"
    )


def _change_brief(change: Change, tz: tzinfo, t: Translator) -> str:
    lines = [f"• {_change_heading(change, tz, t)}"]
    lines += [f"  {line}" for line in _summary_lines(change.diff.summary, t)]
    return "\n".join(lines)


def _change_full(change: Change, tz: tzinfo, t: Translator) -> str:
    return "\n".join([_change_heading(change, tz, t), *_summary_lines(change.diff.summary, t)])


def _summary_lines(summary: ChangeSummary, t: Translator) -> list[str]:
    """Return the lines of an update's summary as Telegram HTML."""
    lines = [
        t.gettext("Correction: {text}").format(text=f"<i>{text(c)}</i>")
        for c in summary.corrections
    ]
    if summary.headline:
        old, new = summary.headline.old, summary.headline.new
        lines.append(
            t.gettext("Headline: {old} → {new}").format(old=f"<s>{text(old)}</s>", new=text(new))
        )
    for figure in summary.figures:
        who = f" ({text(figure.attributed_to)})" if figure.attributed_to else ""
        revised = f"{text(figure.old)} → <b>{text(figure.new)}</b>{who}"
        lines.append(t.gettext("Revised: {change}").format(change=revised))
    if summary.speakers or summary.quotes:
        statement = statement_line(summary, t)
        lines.append(text(statement[:1].upper() + statement[1:]))
    lines += [f"  <i>{text(q)}</i>" for q in summary.quotes]
    lines += [f"➖ <s>{text(s)}</s>" for s in summary.removed]
    lines += [f"➕ {text(s)}" for s in summary.added]
    lines += [f"✏️ {text(r.new)}" for r in summary.rewordings]
    if summary.moved:
        lines.append(f"<i>{text(moved_line(summary.moved, t))}</i>")
    if summary.more_sentences:
        lines.append(f"<i>{text(more_line(summary.more_sentences, t))}</i>")
    return lines


def _clip(value: str, budget: int) -> str:
    """Escape ``value`` and cut it to ``budget`` units, never inside an entity."""
    out: list[str] = []
    used = 0
    for char in value:
        piece = text(char)
        if used + units(piece) > budget - 1:
            out.append("…")
            break
        out.append(piece)
        used += units(piece)
    return "".join(out)
