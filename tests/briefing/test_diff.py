"""What changed between versions: real edits are named, cosmetic ones are not."""

from __future__ import annotations

import difflib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.briefing.diff import content_sentences, diff_versions, sentence_key
from bot.briefing.model import FigureChange, HeadlineChange, Version
from tests.briefing.fixtures import load_article
from tests.shared import shared_path


def version_of(name: str, number: int = 1) -> Version:
    article = load_article(name)
    return Version(number=number, title=article.title, text=article.body)


def plain(title: str, text: str, number: int = 1) -> Version:
    return Version(number=number, title=title, text=text)


def test_strike_update_shows_headline_statement_and_revised_toll() -> None:
    diff = diff_versions(
        version_of("strike_outlet_b_v1.txt"), version_of("strike_outlet_b_v2.txt", 2)
    )

    assert diff.substantive
    assert diff.headline_change == HeadlineChange(
        old="Iran fires missiles at US bases in Iraq",
        new="Iran strikes US bases in Iraq; Washington weighs its response",
    )
    assert len(diff.added) == 1
    assert diff.added[0].startswith("The Pentagon said in a statement")
    assert diff.removed == ()
    revised = (
        "State TV claimed 83 dead among what it called American occupiers, without giving evidence."
    )
    assert [r.new for r in diff.reworded] == [revised]
    assert diff.figures == (FigureChange(old="80 dead", new="83 dead", sentence=revised),)


def test_cosmetic_edit_is_not_substantive() -> None:
    # Title case, dash and quote style, a new time stamp, spacing and a different footer.
    diff = diff_versions(version_of("cosmetic_v1.txt"), version_of("cosmetic_v2.txt", 2))

    assert not diff.substantive
    assert diff.headline_change is None
    assert (diff.added, diff.removed, diff.reworded, diff.figures) == ((), (), (), ())


def test_figures_change_in_words_and_digits() -> None:
    old = plain(
        "Strike", "Officials said at least 10 missiles were fired. Later, 30 killed in the raid."
    )
    new = plain(
        "Strike",
        "Officials said more than a dozen missiles were fired. Later, 80 killed in the raid.",
    )

    diff = diff_versions(old, new)

    assert [(f.old, f.new) for f in diff.figures] == [
        ("at least 10 missiles", "more than a dozen missiles"),
        ("30 killed", "80 killed"),
    ]
    assert all(f.sentence in new.text for f in diff.figures)


def test_unchanged_figure_in_a_reworded_sentence_is_not_a_figure_change() -> None:
    old = plain("T", "The storm killed 12 people on the coast.")
    new = plain("T", "The violent storm killed 12 people along the northern coast.")

    diff = diff_versions(old, new)

    assert diff.substantive and len(diff.reworded) == 1
    assert diff.figures == ()


def test_one_letter_in_a_name_is_substantive() -> None:
    diff = diff_versions(
        plain("T", "He founded the Peterson Automotive Museum."),
        plain("T", "He founded the Petersen Automotive Museum."),
    )

    assert diff.substantive
    assert len(diff.reworded) == 1


def test_sentence_split_in_two_is_not_a_change() -> None:
    old = plain(
        "T", "Read more: Ebola patient may face charges in Texas A vexing mystery in Spain:"
    )
    new = plain(
        "T", "Read more: Ebola patient may face charges in Texas\n\nA vexing mystery in Spain:"
    )

    assert not diff_versions(old, new).substantive


def test_moved_sentence_is_reported_where_it_left_and_arrived() -> None:
    first, second, third = (
        "The river rose overnight.",
        "Schools closed on Monday.",
        "The mayor asked residents to stay home.",
    )
    diff = diff_versions(
        plain("T", f"{first} {second} {third}"), plain("T", f"{third} {first} {second}")
    )

    assert diff.substantive
    assert diff.added == (third,)
    assert diff.removed == (third,)


def test_boilerplate_lines_are_left_out() -> None:
    text = "WASHINGTON —\n\nUpdated: 8 January 2026, 06:00 GMT\n\nThe talks ended.\n\nClick here to subscribe."
    assert content_sentences(text) == ["The talks ended."]


def _differing_new_keys(old_sentences: list[str], new_sentences: list[str]) -> str:
    """Join the keys of the new sentences that a plain sentence diff marks as changed."""
    old_keys = [sentence_key(s) for s in old_sentences]
    new_keys = [sentence_key(s) for s in new_sentences]
    matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
    # Runs are joined without a separator: the splitter may cut sentences differently.
    runs = [
        "".join(new_keys[j1:j2]) for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal"
    ]
    return "|".join(runs)


def _differing_old_keys(old_sentences: list[str], new_sentences: list[str]) -> str:
    return _differing_new_keys(new_sentences, old_sentences)


def test_every_real_version_pair_is_substantive_and_names_its_changes() -> None:
    path = shared_path("version_pairs", "version_pairs.jsonl")
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert len(pairs) >= 10
    for number, pair in enumerate(pairs):
        old, new = pair["old_sentences"], pair["new_sentences"]
        diff = diff_versions(plain("", " ".join(old)), plain("", " ".join(new), 2))
        assert diff.substantive, number
        assert diff.added or diff.removed or diff.reworded, number
        changed_new = _differing_new_keys(old, new)
        changed_old = _differing_old_keys(old, new)
        moved = set(diff.added) & set(diff.removed)
        for sentence in moved:
            # A swap of two sentences can be told as either one moving.
            key = sentence_key(sentence)
            assert key in changed_new or key in changed_old, (number, sentence)
        for sentence in [*diff.added, *(r.new for r in diff.reworded)]:
            if sentence not in moved:
                assert sentence_key(sentence) in changed_new, (number, sentence)
        for sentence in [*diff.removed, *(r.old for r in diff.reworded)]:
            if sentence not in moved:
                assert sentence_key(sentence) in changed_old, (number, sentence)


# --- properties ---------------------------------------------------------------------------

_word = st.sampled_from(
    [
        "the",
        "council",
        "mayor",
        "river",
        "flood",
        "vote",
        "budget",
        "police",
        "said",
        "on",
        "Monday",
        "Tuesday",
        "bridge",
        "school",
        "officials",
        "12",
        "40",
        "residents",
        "city",
        "hospital",
        "closed",
        "opened",
        "night",
    ]
)
_sentence = st.lists(_word, min_size=3, max_size=12).map(lambda ws: " ".join(ws).capitalize() + ".")
_text = st.lists(_sentence, min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(title=_sentence, sentences=_text)
def test_a_version_compared_with_itself_has_no_changes(title: str, sentences: list[str]) -> None:
    version = plain(title, "\n\n".join(sentences))

    diff = diff_versions(version, version)

    assert not diff.substantive
    assert (diff.headline_change, diff.added, diff.removed, diff.reworded, diff.figures) == (
        None,
        (),
        (),
        (),
        (),
    )


_QUOTES = str.maketrans({"'": "’", '"': "“", "-": "—"})


@settings(max_examples=60, deadline=None)
@given(title=_sentence, sentences=_text, data=st.data())
def test_cosmetic_rewrites_are_never_substantive(
    title: str, sentences: list[str], data: st.DataObject
) -> None:
    old = plain(title, "\n\n".join(sentences))
    cosmetic = [
        data.draw(
            st.sampled_from([s, s.upper(), s.lower(), s.translate(_QUOTES), s.replace(" ", "  ")])
        )
        for s in sentences
    ]
    footer = data.draw(
        st.sampled_from(["", "Follow us on Twitter.", "Updated: 8 January 2026 10:00 GMT"])
    )
    new = plain(title.upper(), "\n\n".join([*cosmetic, footer]), 2)

    assert not diff_versions(old, new).substantive


@settings(max_examples=60, deadline=None)
@given(sentences=_text, index=st.integers(min_value=0, max_value=7), before=st.integers(2, 500))
def test_a_changed_toll_is_always_reported(sentences: list[str], index: int, before: int) -> None:
    index %= len(sentences) + 1
    after = before + 7
    old_sentences = [
        *sentences[:index],
        f"At least {before} people were killed.",
        *sentences[index:],
    ]
    new_sentences = [
        *sentences[:index],
        f"At least {after} people were killed.",
        *sentences[index:],
    ]

    diff = diff_versions(
        plain("T", " ".join(old_sentences)), plain("T", " ".join(new_sentences), 2)
    )

    assert diff.substantive
    assert (
        FigureChange(
            old=f"At least {before} people were killed",
            new=f"At least {after} people were killed",
            sentence=f"At least {after} people were killed.",
        )
        in diff.figures
    )


def test_toll_moved_to_a_rewritten_sentence_is_still_a_figure_change() -> None:
    old = plain("T", "Officials said 30 people were killed in the northern town overnight.")
    new = plain("T", "By Friday the governor put the toll at 45 dead, citing hospital records.")

    diff = diff_versions(old, new)

    assert diff.reworded == ()
    assert [(f.old, f.new) for f in diff.figures] == [("30 people were killed", "45 dead")]


def test_dateline_and_capitals_are_cosmetic() -> None:
    old = plain("T", "WASHINGTON — A report found right-wing groups gave $3 million.")
    new = plain(
        "T", "A REPORT FOUND RIGHT–WING GROUPS GAVE $3 MILLION. Copyright 2026 Example News"
    )

    assert not diff_versions(old, new).substantive


def test_capitals_and_a_dash_inside_an_article_are_not_a_dateline() -> None:
    old = plain("T", "The vote passed. PRICES ROSE — and so did rents.")
    new = plain("T", "The vote passed. And so did rents.")

    assert diff_versions(old, new).substantive


# Quotations over several sentences, closing quotes, speakers, titles and boilerplate lines:
# every look-ahead of the sentence splitter.
_LAZY_CASES = [
    "“All is well!” Trump said. He left.\nThe talks ended.",
    "He said “yes. No. Maybe.” Then he left. South Dakota Gov. Kristi Noem said so.",
    '"The pier is open. Boats are back. The season starts." the mayor said. Crews left.',
    '“We will rebuild. ” Then the crowd cheered.\n\nFollow us on Twitter\nA 17" screen broke.',
    "WASHINGTON — The talks ended.\nUpdated 5 May 2013, 10:00\nClick here to subscribe.\nMore.",
    "Officials said “the bridge is safe.\n” Engineers checked it. (Photo: Reuters)\nIt held.",
    "Rev. Smith spoke. Lt. Col. Jones agreed. Sen.\nDoe left.",
]

# What the splitter gave before it read lazily: (split_sentences, content_sentences) of each.
_LAZY_EXPECTED = [
    (
        ["“All is well!” Trump said.", "He left.", "The talks ended."],
        ["“All is well!” Trump said.", "He left.", "The talks ended."],
    ),
    (
        ["He said “yes. No. Maybe.”", "Then he left.", "South Dakota Gov. Kristi Noem said so."],
        ["He said “yes. No. Maybe.”", "Then he left.", "South Dakota Gov. Kristi Noem said so."],
    ),
    (
        ['"The pier is open. Boats are back. The season starts." the mayor said.', "Crews left."],
        ['"The pier is open. Boats are back. The season starts." the mayor said.', "Crews left."],
    ),
    (
        [
            "“We will rebuild. ”",
            "Then the crowd cheered.",
            'Follow us on Twitter A 17" screen broke.',
        ],
        ["“We will rebuild. ”", "Then the crowd cheered.", 'A 17" screen broke.'],
    ),
    (
        [
            "WASHINGTON — The talks ended.",
            "Updated 5 May 2013, 10:00 Click here to subscribe.",
            "More.",
        ],
        ["The talks ended.", "More."],
    ),
    (
        [
            "Officials said “the bridge is safe. ”",
            "Engineers checked it.",
            "(Photo: Reuters)",
            "It held.",
        ],
        ["Officials said “the bridge is safe.", "It held."],
    ),
    (
        ["Rev. Smith spoke.", "Lt. Col. Jones agreed.", "Sen. Doe left."],
        ["Rev. Smith spoke.", "Lt. Col. Jones agreed.", "Sen.", "Doe left."],
    ),
]


def _corpus_texts() -> list[str]:
    path = shared_path("ecbplus", "ecbplus_docs.jsonl")  # skips when the corpora are absent
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines()[:100]:
        sentences = json.loads(line)["sentences"]
        texts += [" ".join(sentences), "\n".join(sentences)]
    return texts


def _split_joined(text: str) -> list[str]:
    """content_sentences as defined: kept lines joined as paragraphs, then split once."""
    from bot.briefing.diff import _DATELINE_PREFIX, is_boilerplate
    from bot.briefing.text import split_sentences

    kept = [line for line in text.splitlines() if not is_boilerplate(line)]
    sentences = [s for s in split_sentences("\n\n".join(kept)) if not is_boilerplate(s)]
    if sentences:
        sentences[0] = _DATELINE_PREFIX.sub("", sentences[0], count=1) or sentences[0]
    return sentences


def _check_lazy(texts: list[str], counts: range | None = None) -> None:
    from itertools import islice

    from bot.briefing.diff import iter_content_sentences
    from bot.briefing.text import iter_sentences, split_sentences

    for text in texts:
        whole = content_sentences(text)
        assert whole == _split_joined(text), text
        for count in counts or range(len(whole) + 1):
            assert list(islice(iter_content_sentences(text), count)) == whole[:count], text
        split = split_sentences(text)
        for count in counts or range(len(split) + 1):
            assert list(islice(iter_sentences(text), count)) == split[:count], text


def test_sentences_read_lazily_are_the_sentences_of_the_whole_split() -> None:
    from bot.briefing.text import split_sentences

    for text, (split, content) in zip(_LAZY_CASES, _LAZY_EXPECTED, strict=True):
        assert (split_sentences(text), content_sentences(text)) == (split, content)
    _check_lazy(_LAZY_CASES)


def test_sentences_read_lazily_are_those_of_the_whole_split_on_ecbplus() -> None:
    _check_lazy(_corpus_texts(), range(1, 4))
