"""What an update changed, told in a few verbatim lines."""

from __future__ import annotations

from bot.briefing.changes import MAX_LINES, speaker_of, summarize_diff, updates_to_brief
from bot.briefing.diff import diff_versions, is_furniture
from bot.briefing.model import Change, HeadlineChange, Version
from bot.render.sections import change_summary_lines
from tests.briefing.fixtures import load_article


def version_of(name: str, number: int) -> Version:
    article = load_article(name)
    return Version(number=number, title=article.title, text=article.body)


def wire_update() -> list[str]:
    diff = diff_versions(version_of("wire_update_v1.txt", 1), version_of("wire_update_v2.txt", 2))
    return change_summary_lines(diff.summary)


def test_long_update_fits_in_six_lines_with_a_count_of_the_rest() -> None:
    diff = diff_versions(version_of("wire_update_v1.txt", 1), version_of("wire_update_v2.txt", 2))
    lines = change_summary_lines(diff.summary)

    assert diff.summary.line_count == len(lines) <= MAX_LINES
    # 11 new sentences and 1 reworded: a correction, a revised figure and one quotation shown.
    assert lines[-1] == "+9 more sentences"


def test_update_names_correction_headline_revised_figure_and_speakers_first() -> None:
    lines = wire_update()

    assert lines[0] == (
        "correction: Correction: An earlier version of this story misstated the name of the "
        "northern province."
    )
    assert lines[1] == (
        "headline: Rockets hit two bases in the north; no casualties reported → "
        "Rockets hit two bases in the north; the capital weighs its answer"
    )
    assert lines[2] == (
        "revised: 30 soldiers were killed → 80 soldiers were killed (Regional television)"
    )
    assert lines[3] == "new: statement by Hallam (Defence ministry), Ostrova, Kessel"


def test_most_important_statement_is_quoted_verbatim_with_its_speaker() -> None:
    lines = wire_update()

    assert (
        "  > “Everyone is accounted for! Nobody is missing,” Governor Lena Ostrova wrote on "
        "social media."
    ) in lines
    # Only one quotation fits beside the correction, headline and figure.
    assert not any("We will rebuild" in line for line in lines)


def test_captions_credits_bylines_related_links_and_share_bars_never_count() -> None:
    diff = diff_versions(version_of("wire_update_v1.txt", 1), version_of("wire_update_v2.txt", 2))
    told = " ".join(diff.added) + " ".join(wire_update())

    for furniture in ("via Lantern Wire", "FILE -", "Related:", "By Mara Vell", "Share Tweet"):
        assert furniture not in told
    assert len(diff.added) == 11


def test_furniture_is_told_from_sentences_that_look_alike() -> None:
    for line in (
        "A crane lifts debris near the harbour. (Harbour Authority via Lantern Wire)",
        "Firefighters at the scene. (AP Photo/Dana Roe)",
        "Photo: Lantern Wire",
        "By Mara Vell and Tobin Ashe, Lantern Wire",
        "Reporting by Mara Vell; Editing by Tobin Ashe",
        "Facebook Twitter WhatsApp Copy link",
    ):
        assert is_furniture(line), line
    for line in (
        "By Friday the toll had risen to 24.",
        "By noon, rescuers had reached the village.",
        "Share prices fell 3 percent on Monday.",
        "The photo was released by the army on Monday.",
    ):
        assert not is_furniture(line), line


def test_sentence_that_only_moved_is_not_news() -> None:
    first = "The bridge reopened on Monday."
    second = "Traffic was light in the morning."
    diff = diff_versions(
        Version(1, "Bridge", f"{first} {second}"), Version(2, "Bridge", f"{second} {first}")
    )

    assert diff.substantive
    assert change_summary_lines(diff.summary) == ["1 sentence moved"]


def test_removed_claim_is_shown() -> None:
    diff = diff_versions(
        Version(1, "Flood", "The river rose overnight. Police said 40 homes were flooded."),
        Version(2, "Flood", "The river rose overnight."),
    )

    assert change_summary_lines(diff.summary) == [
        "removed: Police said 40 homes were flooded.",
    ]


def test_summary_stays_within_budget_when_everything_changes() -> None:
    statements = [f"Official number {i} said the talks would go on." for i in range(9)]
    summary = summarize_diff(
        HeadlineChange("Talks stall", "Talks resume"),
        [f"Correction: item {i} was wrong." for i in range(3)] + statements,
        ["Police said 4 people were held.", "Police said 9 people were freed."],
        (),
        (),
    )

    assert summary.line_count <= MAX_LINES
    assert summary.more_sentences > 0
    assert len(change_summary_lines(summary)) == summary.line_count


def test_speaker_names_keep_their_institution() -> None:
    assert speaker_of("Pentagon spokesman Jon Hale said the strike was defensive.") == (
        "Hale (Pentagon)"
    )
    assert speaker_of("“It is calm,” said Nadia Orr, a spokeswoman for the Harbour Police.") == (
        "Orr (Harbour Police)"
    )
    assert speaker_of("The Health Ministry said 12 people were hurt.") == "Health Ministry"
    assert speaker_of("He said the roads were closed.") is None


def test_briefing_shows_the_updates_that_matter_and_counts_the_rest() -> None:
    def update(number: int, old: str, new: str) -> Change:
        diff = diff_versions(Version(1, "Flood", old), Version(2, "Flood", new))
        return Change(f"outlet-{number}", f"https://o{number}.example/", "Flood", 1, 2, diff)

    base = "The river rose overnight."
    changes = [update(i, base, f"{base} Crews worked on street number {i}.") for i in range(4)]
    changes.append(
        update(9, "Police said 4 people died.", "Police said 9 people died in the flood.")
    )
    changes.append(update(10, base, base))  # cosmetic: never shown, never counted

    shown, left_out = updates_to_brief(changes, limit=3)

    assert [c.source for c in shown] == ["outlet-0", "outlet-1", "outlet-9"]
    assert left_out == 2
