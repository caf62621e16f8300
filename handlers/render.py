"""Render briefings as Telegram HTML messages, split at section boundaries (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, tzinfo
from html import escape

from bot.briefing.model import Briefing, Change, Difference, SourceArticle
from bot.briefing.render import (
    claim_value,
    figure_phrases,
    format_time,
    meta_line,
    spelling_line,
    value_groups,
)
from bot.i18n import ENGLISH, Translator

MAX_MESSAGE = 4096
MAX_ALERT = 1000
_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|.", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z-]+)")


def text(value: str) -> str:
    """Escape a text node."""
    return escape(value, quote=False)


def link(label: str, location: str) -> str:
    """Return a link when ``location`` is a web address, else the escaped label."""
    if location.startswith(("http://", "https://")):
        return f'<a href="{escape(location, quote=True)}">{text(label)}</a>'
    return text(label)


def units(message: str) -> int:
    """Return the length Telegram counts (UTF-16 code units), never less than ``len``."""
    return len(message.encode("utf-16-le")) // 2


# --- messages ---------------------------------------------------------------------------------


def briefing_html(b: Briefing, *, tz: tzinfo = UTC) -> list[str]:
    """Render the full briefing as one or more messages."""
    sections = [f"<b>{text(b.headline)}</b>\n<i>{text(meta_line(b, tz=tz))}</i>"]
    if b.summary:
        sections.append("\n".join(f"{text(s.text)} — <i>{text(s.source)}</i>" for s in b.summary))
    sections += _differences_sections(b.differences)
    if b.spellings:
        lines = ["<b>Names spelled differently</b>"]
        lines += [f"• {text(spelling_line(v))}" for v in b.spellings]
        sections.append("\n".join(lines))
    substantive = [c for c in b.changes if c.diff.substantive]
    if substantive:
        lines = ["<b>What changed</b>"]
        lines += [_change_brief(c, tz) for c in substantive]
        sections.append("\n".join(lines))
    return split_html_sections(sections)


def sources_html(b: Briefing, *, tz: tzinfo = UTC) -> list[str]:
    """Render each source: its articles, when first seen, versions and the figures it reports."""
    sections = [f"<b>Sources for {text(b.headline)}</b>"]
    for entry in b.sources:
        lines = [f"<b>{text(entry.name)}</b>"]
        lines += [f"• {_article_line(a, tz)}" for a in entry.articles]
        if entry.claims:
            figures = "; ".join(text(phrase) for phrase in figure_phrases(entry.claims))
            lines.append(f"Figures: {figures}")
        sections.append("\n".join(lines))
    if not b.sources:
        sections.append("<i>No sources yet.</i>")
    return split_html_sections(sections)


def changes_html(b: Briefing, *, tz: tzinfo = UTC) -> list[str]:
    """Render the version history of the event's articles."""
    sections = [f"<b>What changed in {text(b.headline)}</b>"]
    cosmetic = 0
    for change in b.changes:
        if not change.diff.substantive:
            cosmetic += 1
            continue
        sections.append(_change_full(change, tz))
    if cosmetic:
        sections.append(f"<i>{cosmetic} cosmetic edit{'s' if cosmetic > 1 else ''} not shown.</i>")
    if not b.changes:
        sections.append("<i>No article has changed since it was first seen.</i>")
    return split_html_sections(sections)


def event_line_html(b: Briefing, index: int, *, tz: tzinfo = UTC) -> str:
    """Return one line for the /events list."""
    conflicts = sum(d.kind == "conflict" for d in b.differences)
    flag = f" · ⚠️ {conflicts} disputed figure{'s' if conflicts > 1 else ''}" if conflicts else ""
    return f"{index}. <b>{text(b.headline)}</b>\n    <i>{text(meta_line(b, tz=tz))}</i>{flag}"


def alert_html(b: Briefing, reason: str, *, tz: tzinfo = UTC) -> str:
    """Return a short alert of at most 1000 characters."""
    head = f"🔔 <b>{_clip(reason, 200)}</b>\n<b>{_clip(b.headline, 300)}</b>\n"
    meta = f"<i>{_clip(meta_line(b, tz=tz), 120)}</i>"
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
        lines = [event_line_html(b, index, tz=tz)]
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


# --- pieces -----------------------------------------------------------------------------------


def _differences_sections(differences: Sequence[Difference]) -> list[str]:
    shared = [d for d in differences if d.kind != "single_source"]
    singles = [d for d in differences if d.kind == "single_source"]
    sections = []
    if shared:
        lines = ["<b>Where sources differ</b>"] + [f"• {_difference(d)}" for d in shared]
        sections.append("\n".join(lines))
    if singles:
        lines = ["<b>Only in one source</b>"] + [f"• {_difference(d)}" for d in singles]
        sections.append("\n".join(lines))
    return sections


def _difference(d: Difference) -> str:
    about = f"<b>{text(d.about[:1].upper() + d.about[1:])}</b>"
    if d.kind == "agreement":
        sources = len({c.source for c in d.claims})
        value = text(claim_value(d.claims[0])) if d.claims else ""
        return f"{about}: {value} — {sources} of {d.sources_total or sources} sources"
    return f"{about}: " + " / ".join(
        f"{text(value)} (<i>{text('; '.join(labels))}</i>)" for value, labels in value_groups(d)
    )


def _article_line(a: SourceArticle, tz: tzinfo) -> str:
    details = [f"{a.versions} version{'' if a.versions == 1 else 's'}"]
    if a.first_seen:
        details.insert(0, f"first seen {format_time(a.first_seen, tz)}")
    where = "" if a.location.startswith(("http://", "https://")) else f" ({text(a.location)})"
    return f"{link(a.title, a.location)}{where} — {', '.join(details)}"


def _change_heading(change: Change, tz: tzinfo) -> str:
    when = f", {text(format_time(change.at, tz))}" if change.at else ""
    return (
        f"<b>{text(change.source)}</b>: {link(change.title, change.location)} "
        f"v{change.from_version} → v{change.to_version}{when}"
    )


def _change_brief(change: Change, tz: tzinfo) -> str:
    diff = change.diff
    parts = [f"• {_change_heading(change, tz)}"]
    if diff.headline_change:
        old, new = diff.headline_change.old, diff.headline_change.new
        parts.append(f"  headline: <s>{text(old)}</s> → {text(new)}")
    parts += [f"  {text(f.old)} → <b>{text(f.new)}</b>" for f in diff.figures]
    counts = [
        f"{len(items)} {label}"
        for items, label in ((diff.added, "added"), (diff.removed, "removed"))
        if items
    ]
    if diff.reworded:
        counts.append(f"{len(diff.reworded)} reworded")
    if counts:
        parts.append(f"  sentences: {', '.join(counts)}")
    return "\n".join(parts)


def _change_full(change: Change, tz: tzinfo) -> str:
    diff = change.diff
    lines = [_change_heading(change, tz)]
    if diff.headline_change:
        old, new = diff.headline_change.old, diff.headline_change.new
        lines.append(f"Headline: <s>{text(old)}</s> → {text(new)}")
    for figure in diff.figures:
        lines.append(
            f"Figure: {text(figure.old)} → <b>{text(figure.new)}</b>: <i>{text(figure.sentence)}</i>"
        )
    lines += [f"➕ {text(s)}" for s in diff.added]
    lines += [f"➖ <s>{text(s)}</s>" for s in diff.removed]
    lines += [f"✏️ <s>{text(r.old)}</s>\n→ {text(r.new)}" for r in diff.reworded]
    return "\n".join(lines)


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


# --- splitting --------------------------------------------------------------------------------


def split_html_sections(sections: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Pack whole sections into messages of at most ``limit``; split only oversized sections."""
    messages: list[str] = []
    current = ""
    for section in sections:
        if not section.strip():
            continue
        pieces = [section] if units(section) <= limit else _split_section(section, limit)
        for piece in pieces:
            joined = f"{current}\n\n{piece}" if current else piece
            if units(joined) <= limit:
                current = joined
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _split_section(section: str, limit: int) -> list[str]:
    """Split one section at the best boundary, closing and reopening tags across the cut."""
    tokens = _TOKEN.findall(section)
    pieces: list[str] = []
    stack: list[tuple[str, str]] = []  # (name, opening tag) of the tags open at ``start``
    start = 0
    while start < len(tokens):
        prefix = "".join(opening for _, opening in stack)
        state = list(stack)
        length = units(prefix)
        end = start
        # The latest break of each kind: 3 paragraph, 2 line, 1 sentence, 0 word.
        breaks: dict[int, tuple[int, list[tuple[str, str]], int]] = {}
        while end < len(tokens):
            token = tokens[end]
            after = _apply(state, token)
            if length + units(token) + _closers_units(after) > limit:
                break
            state, length, end = after, length + units(token), end + 1
            kind = _break_kind(tokens, end)
            if kind is not None:
                breaks[kind] = (end, list(state), length)
        if end == len(tokens):
            pieces.append(prefix + "".join(tokens[start:]) + _closers(state))
            break
        cut, cut_state = end, state
        for kind in (3, 2, 1, 0):
            if kind in breaks and breaks[kind][2] >= limit // 2:
                cut, cut_state, _ = breaks[kind]
                break
        if cut == start:  # nothing fits, not even one token: give up on this token
            cut, cut_state = start + 1, _apply(stack, tokens[start])
        piece = prefix + "".join(tokens[start:cut]) + _closers(cut_state)
        if _visible(piece).strip():
            pieces.append(piece)
        start, stack = cut, cut_state
        while start < len(tokens) and tokens[start].isspace():
            start += 1
    return pieces


def _break_kind(tokens: list[str], end: int) -> int | None:
    """Classify the boundary just before ``tokens[end]``."""
    previous = tokens[end - 1]
    following = tokens[end] if end < len(tokens) else ""
    if previous == "\n":
        return 3 if end >= 2 and tokens[end - 2] == "\n" else 2
    if previous == " " and end >= 2 and tokens[end - 2] in {".", "!", "?", "…"}:
        return 1
    if previous == " " and following != " ":
        return 0
    return None


def _apply(stack: list[tuple[str, str]], token: str) -> list[tuple[str, str]]:
    if not token.startswith("<") or len(token) == 1:
        return stack
    match = _TAG_NAME.match(token)
    if match is None:
        return stack
    name = match.group(1).lower()
    if token.startswith("</"):
        for index in range(len(stack) - 1, -1, -1):
            if stack[index][0] == name:
                return stack[:index] + stack[index + 1 :]
        return stack
    return [*stack, (name, token)]


def _closers(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _closers_units(stack: list[tuple[str, str]]) -> int:
    return sum(len(name) + 3 for name, _ in stack)


def _visible(html: str) -> str:
    return re.sub(r"<[^>]*>", "", html)
