"""What a briefing shows and in which order, decided once; and the phrases every format shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from bot.briefing.changes import updates_to_brief
from bot.briefing.figures import FigureLine, ReportedValue, Voice, select_figures
from bot.briefing.model import (
    Briefing,
    Change,
    ChangeSummary,
    Claim,
    NameVariants,
    SummarySentence,
)
from bot.briefing.numbers import CATEGORIES
from bot.i18n import ENGLISH, N_, Translator

# How /sources marks figures that are not the event's own total.
_SCOPE_NOTE = {"background": N_("earlier event"), "partial": N_("part of the total")}
# The figure categories the core extracts, as a line's label ("Killed: 12") and as the noun
# after a number ("12 killed"); other nouns come from the articles and are shown as written.
CATEGORY_LABELS = {
    "killed": N_("Killed"),
    "injured": N_("Injured"),
    "casualties": N_("Casualties"),
    "missing": N_("Missing"),
    "missiles": N_("Missiles"),
    "evacuated": N_("Evacuated"),
    "displaced": N_("Displaced"),
    "arrested": N_("Arrested"),
    "troops": N_("Troops"),
    "magnitude": N_("Magnitude"),
}
CATEGORY_NOUNS = {
    "killed": N_("killed"),
    "injured": N_("injured"),
    "casualties": N_("casualties"),
    "missing": N_("missing"),
    "missiles": N_("missiles"),
    "evacuated": N_("evacuated"),
    "displaced": N_("displaced"),
    "arrested": N_("arrested"),
    "troops": N_("troops"),
    "magnitude": N_("magnitude"),
}


@dataclass(frozen=True, slots=True)
class Heading:
    """The headline and the "N sources · first reported … · updated …" line."""

    briefing: Briefing


@dataclass(frozen=True, slots=True)
class Summary:
    sentences: tuple[SummarySentence, ...]


@dataclass(frozen=True, slots=True)
class Differences:
    """The chosen figure lines under a title, and how many figures the budget left out."""

    title: str
    items: tuple[FigureLine, ...]
    left_out: int = 0


@dataclass(frozen=True, slots=True)
class Spellings:
    title: str
    items: tuple[NameVariants, ...]


@dataclass(frozen=True, slots=True)
class Changes:
    """The weightiest substantive edits, how many more there are, and how many cosmetic ones."""

    title: str
    substantive: tuple[Change, ...]
    cosmetic: int
    more_updates: int = 0


Section = Heading | Summary | Differences | Spellings | Changes


def briefing_sections(b: Briefing) -> list[Section]:
    """Return the sections of a briefing in reading order, leaving out the empty ones."""
    sections: list[Section] = [Heading(b)]
    if b.summary:
        sections.append(Summary(b.summary))
    figures = select_figures(b.differences)
    shared = tuple(line for line in figures.lines if line.kind != "single_source")
    singles = tuple(line for line in figures.lines if line.kind == "single_source")
    if shared:
        left_out = 0 if singles else figures.left_out
        sections.append(Differences(N_("Where sources differ"), shared, left_out))
    if singles:
        sections.append(Differences(N_("Only in one source"), singles, figures.left_out))
    if b.spellings:
        sections.append(Spellings(N_("Names spelled differently"), b.spellings))
    shown, more_updates = updates_to_brief(b.changes)
    cosmetic = sum(not c.diff.substantive for c in b.changes)
    if shown or cosmetic:
        sections.append(Changes(N_("What changed"), tuple(shown), cosmetic, more_updates))
    return sections


def change_summary_lines(summary: ChangeSummary) -> list[str]:
    """Return one plain line per item of an update's summary, "+k more sentences" last."""
    lines = [f"correction: {c}" for c in summary.corrections]
    if summary.headline:
        lines.append(f"headline: {summary.headline.old} → {summary.headline.new}")
    for figure in summary.figures:
        who = f" ({figure.attributed_to})" if figure.attributed_to else ""
        lines.append(f"revised: {figure.old} → {figure.new}{who}")
    if summary.speakers or summary.quotes:
        lines.append(statement_line(summary))
    lines += [f"  > {q}" for q in summary.quotes]
    lines += [f"removed: {s}" for s in summary.removed]
    lines += [f"+ {s}" for s in summary.added]
    lines += [f"reworded: {r.new}" for r in summary.rewordings]
    if summary.moved:
        lines.append(moved_line(summary.moved))
    if summary.more_sentences:
        lines.append(more_line(summary.more_sentences))
    return lines


def statement_line(summary: ChangeSummary, t: Translator = ENGLISH) -> str:
    """Return "new: statement by Hoffman (Pentagon), Esper" or "new statement"."""
    if not summary.speakers:
        count = len(summary.quotes)
        return t.ngettext("new statement", "new statements", count)
    return t.gettext("new: statement by {speakers}").format(speakers=", ".join(summary.speakers))


def moved_line(count: int, t: Translator = ENGLISH) -> str:
    """Return "1 sentence moved"."""
    return t.ngettext("{count} sentence moved", "{count} sentences moved", count).format(
        count=count
    )


def more_line(count: int, t: Translator = ENGLISH) -> str:
    """Return "+3 more sentences"."""
    return t.ngettext("+{count} more sentence", "+{count} more sentences", count).format(
        count=count
    )


def more_updates_line(count: int, t: Translator = ENGLISH) -> str:
    """Return "+2 more updates: /changes"."""
    more = t.ngettext("+{count} more update: /changes", "+{count} more updates: /changes", count)
    return more.format(count=count)


def plural(count: int, noun: str) -> str:
    """Return "1 source" or "3 sources"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def cosmetic_note(count: int) -> str:
    """Return "2 cosmetic edits not shown"."""
    return f"{plural(count, 'cosmetic edit')} not shown"


def meta_line(b: Briefing, *, tz: tzinfo = UTC) -> str:
    """Return "N sources · first reported … · updated …" (the articles' own times)."""
    parts = [plural(b.source_count, "source")]
    if b.first_seen:
        parts.append(f"first reported {format_time(b.first_seen, tz)}")
    if b.last_updated and b.last_updated != b.first_seen:
        parts.append(f"updated {format_time(b.last_updated, tz)}")
    return " · ".join(parts)


MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
          N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"))  # fmt: skip


def format_time(moment: datetime, tz: tzinfo = UTC, t: Translator = ENGLISH) -> str:
    """Format a moment for a reader in ``tz``, e.g. "8 Jan 06:00 UTC" ("8. Jan. 06:00 UTC")."""
    local = moment.astimezone(tz)
    day = t.gettext("{day} {month} {time}").format(
        day=local.day, month=t.gettext(MONTHS[local.month - 1]), time=f"{local:%H:%M}"
    )
    return f"{day} {local.tzname() or ''}".rstrip()


def _split(words: str) -> list[str]:
    return words.split()


# Words a figure or a speaker took from the start of its sentence ("Some 30 people died",
# "Officials said"): mid-line they read as any other word of it. Names are never among them.
_NUMBER_STARTS = frozenset(
    _split(
        """a an about almost approximately around at just less fewer more nearly no none nobody
    only over roughly several some up zero dozens hundreds thousands tens scores millions one
    two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred thousand million dozen"""
    )
)
_SPEAKER_STARTS = frozenset(
    _split(
        """officials official police authorities witnesses residents rescuers doctors
    medics paramedics firefighters investigators prosecutors officers sources hospital health
    local security military government state rescue emergency medical army relatives family
    media analysts experts survivors villagers activists"""
    )
)


def _lowered_start(text: str, starts: frozenset[str], *, named: bool = False) -> str:
    """Lower the capital of a first word in ``starts``; with ``named``, only when the word
    after it is lower case ("Hospital officials", "Local official Ann Lee", not "Police Chief
    Ray Kelly" or "State TV")."""
    first, _, rest = text.partition(" ")
    word = first.split("-", 1)[0]
    if not (word[:1].isupper() and word[1:].islower() and word.lower() in starts):
        return text
    if named and rest[:1].isupper():
        return text
    return text[0].lower() + text[1:]


def mid_line(value: str) -> str:
    """Return a figure as written, its sentence's capital lowered: "Some 30" reads "some 30"."""
    return _lowered_start(value, _NUMBER_STARTS)


def _mid_sentence(who: str) -> str:
    # "A source said" reads as "citing a source", "Officials said" as "citing officials";
    # proper names keep their capitals.
    if who.split(" ", 1)[0] in ("A", "An", "The"):
        return who[0].lower() + who[1:]
    return _lowered_start(who, _SPEAKER_STARTS, named=True)


def attribution(claim: Claim) -> str | None:
    """Return who a claim is attributed to, as it reads mid-sentence ("a source", "Iraq")."""
    return _mid_sentence(claim.attributed_to) if claim.attributed_to else None


def claim_label(claim: Claim, t: Translator = ENGLISH) -> str:
    """Return "Outlet A, citing the defence ministry" or just "Outlet A"."""
    who = attribution(claim)
    return _citing(claim.source, [who], t) if who else claim.source


def _citing(source: str, whom: Sequence[str], t: Translator) -> str:
    return t.gettext("{source}, citing {whom}").format(
        source=source, whom=t.gettext(" and ").join(whom)
    )


def category_label(about: str, t: Translator = ENGLISH) -> str:
    """Return what a figure is about, capitalised and in the reader's language: "Killed"."""
    label = CATEGORY_LABELS.get(about)
    if label is not None:
        return t.gettext(label)
    return about[:1].upper() + about[1:]  # a noun from the articles ("ships"): as written


def _figure_phrase(claim: Claim, t: Translator) -> str:
    noun = CATEGORY_NOUNS.get(claim.about)
    if claim_value(claim) == "none":
        return t.gettext("no {noun}").format(noun=t.gettext(noun) if noun else claim.about)
    if noun is None:
        return f"{mid_line(claim.value)} {claim.about}"
    return t.gettext("{value} {noun}").format(value=mid_line(claim.value), noun=t.gettext(noun))


def figure_phrases(claims: Sequence[Claim], t: Translator = ENGLISH) -> list[str]:
    """Return each distinct reported figure once: "15 missiles (citing state TV)", "no casualties"."""
    phrases: dict[tuple[str, str], str] = {}
    for c in claims:
        if c.about not in CATEGORIES and not any(ch.isdigit() for ch in c.value):
            continue  # "two bases", "several countries": context, not a reported figure
        figure = _figure_phrase(c, t)
        who = attribution(c)
        notes = [t.gettext("citing {whom}").format(whom=who)] if who else []
        notes += [t.gettext(_SCOPE_NOTE[c.scope])] if c.scope in _SCOPE_NOTE else []
        note = f" ({', '.join(notes)})" if notes else ""
        phrases.setdefault((figure.lower(), c.about), figure + note)
    return list(phrases.values())


def claim_value(claim: Claim) -> str:
    """Return the figure as written, with "no"/"nobody" shown as "none"."""
    if claim.high == 0 and claim.value.lower() in ("no", "nobody", "zero", "none"):
        return "none"
    return mid_line(claim.value)


def more_figures(count: int, t: Translator = ENGLISH) -> str:
    """Return "1 more figure" or "N more figures"."""
    return t.ngettext("{count} more figure", "{count} more figures", count).format(count=count)


def voice_label(voice: Voice, t: Translator = ENGLISH) -> str:
    """Return "reuters, citing Iraq" or "reuters": each source once, with whom it cites."""
    citing = [_mid_sentence(who) for who in voice.citing]
    if not citing:
        return voice.source
    return _citing(voice.source, citing, t)


def reported_value(value: ReportedValue, t: Translator = ENGLISH) -> str:
    """Return the figure as written, with "no"/"nobody" shown as "none"."""
    if value.is_none and value.value.lower() in ("no", "nobody", "zero", "none", "no one"):
        return t.gettext("none")
    return mid_line(value.value)


def _more_sources(count: int, t: Translator) -> str:
    return t.ngettext("+{count} more source", "+{count} more sources", count).format(count=count)


def value_sources(value: ReportedValue, t: Translator = ENGLISH) -> str:
    """Return "AFP, citing the agency; BBC; +2 more sources"."""
    labels = [voice_label(v, t) for v in value.voices]
    if value.more_sources:
        labels.append(_more_sources(value.more_sources, t))
    return "; ".join(labels)


def earlier_phrase(line: FigureLine, t: Translator = ENGLISH) -> str:
    """Return ", up from 1 → 5 → 11 in earlier reports" (or "down from"), or ""."""
    if not line.earlier:
        return ""
    steps = " → ".join(mid_line(step) for step in line.earlier)
    if line.rising:
        return t.gettext(", up from {steps} in earlier reports").format(steps=steps)
    return t.gettext(", down from {steps} in earlier reports").format(steps=steps)


def more_values_phrase(line: FigureLine, t: Translator = ENGLISH) -> str:
    """Return " / +3 more sources" for the figures a line leaves out, or ""."""
    if not line.more_values:
        return ""
    if line.more_sources:
        return " / " + _more_sources(line.more_sources, t)
    more = t.ngettext("+{count} more figure", "+{count} more figures", line.more_values)
    return " / " + more.format(count=line.more_values)


def about_label(line: FigureLine, t: Translator = ENGLISH) -> str:
    """Return what a figure line is about, capitalised: "Missiles"."""
    return category_label(line.about, t)


def agreement_tally(line: FigureLine, t: Translator = ENGLISH) -> tuple[str, int, int] | None:
    """Return the one agreed figure, how many sources report it and out of how many, or None."""
    if line.kind != "agreement" or len(line.values) != 1:
        return None
    return reported_value(line.values[0], t), line.sources, line.sources_total or line.sources


def figure_line_text(line: FigureLine) -> str:
    """Return one line such as "Missiles: 15 (Outlet B, citing state TV) / 22 (Outlet C)"."""
    tally = agreement_tally(line)
    if tally:
        value, sources, total = tally
        return f"{about_label(line)}: {value} — {sources} of {total} sources{earlier_phrase(line)}"
    values = " / ".join(f"{reported_value(v)} ({value_sources(v)})" for v in line.values)
    return f"{about_label(line)}: {values}{more_values_phrase(line)}{earlier_phrase(line)}"


def spelling_line(variants: NameVariants, t: Translator = ENGLISH) -> str:
    """Return one line such as "Erbil (Outlet B) / Irbil (Outlet A)"."""
    spelled = t.gettext("{name} ({sources})")
    return " / ".join(
        spelled.format(name=s.name, sources=", ".join(s.sources)) for s in variants.spellings
    )


def polled_state(last_polled_at: datetime | None, *, stamp: str) -> str:
    """Return "never polled" or "polled <time> UTC", the time written with ``stamp``."""
    if last_polled_at is None:
        return "never polled"
    return f"polled {last_polled_at:{stamp}} UTC"
