"""Attributed figures: what they count, who said them, and where sources differ."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.briefing.claims import (
    attribution,
    attribution_key,
    compare_claims,
    distinct_values,
    extract_claims,
)
from bot.briefing.model import Claim
from bot.briefing.names import canonical_name, fold_names, proper_names, spelling_variants
from bot.briefing.text import normalize_space
from tests.briefing.fixtures import load_article


def claims_of(name: str, source: str, article_id: int) -> list[Claim]:
    article = load_article(name)
    return extract_claims(article.body, source=source, article_id=article_id, title=article.title)


def only(sentence: str) -> Claim:
    claims = extract_claims(sentence, source="S")
    assert len(claims) == 1, claims
    return claims[0]


@pytest.mark.parametrize(
    ("sentence", "about", "value", "low", "high"),
    [
        ("Rebels fired 15 missiles at the town.", "missiles", "15", 15, 15),
        ("More than a dozen missiles hit the base.", "missiles", "More than a dozen", 13, None),
        ("Tens of missiles fell on the city.", "missiles", "Tens", 20, 99),
        ("Fifteen rockets were launched overnight.", "missiles", "Fifteen", 15, 15),
        ("The army sent 5,000 troops to the border.", "troops", "5,000", 5000, 5000),
        ("At least 80 people were killed in the blast.", "killed", "At least 80", 80, None),
        ("The blast left 80 dead.", "killed", "80", 80, 80),
        ("The bomb exploded in a market, killing 80.", "killed", "80", 80, 80),
        ("There were no casualties.", "casualties", "no", 0, 0),
        ("None of their troops were hurt.", "injured", "None", 0, 0),
        ("Dozens of people were wounded.", "injured", "Dozens", 24, 99),
        ("Hundreds of residents were evacuated.", "evacuated", "Hundreds", 200, 999),
        ("Between 10 and 15 rockets landed.", "missiles", "Between 10 and 15", 10, 15),
        ("Police arrested 10-15 protesters.", "arrested", "10-15", 10, 15),
        ("Iran launched 22 ballistic missiles.", "missiles", "22", 22, 22),
        ("Twenty-two civilians were injured.", "injured", "Twenty-two", 22, 22),
        ("A dozen soldiers were killed.", "killed", "A dozen", 12, 12),
        ("The city will spend $56 million on repairs.", "money (USD)", "$56 million", 56e6, 56e6),
        ("Firefighters saved 300 homes.", "home", "300", 300, 300),
        ("The euro zone set up a $1 trillion fund.", "money (USD)", "$1 trillion", 1e12, 1e12),
        ("Lenders agreed a $143-billion loan.", "money (USD)", "$143-billion", 143e9, 143e9),
        ("Lenders agreed a $143 - billion loan.", "money (USD)", "$143 - billion", 143e9, 143e9),
    ],
)
def test_extracts_what_a_figure_counts(
    sentence: str, about: str, value: str, low: float, high: float | None
) -> None:
    claim = only(sentence)

    assert (claim.about, claim.value, claim.low, claim.high) == (about, value, low, high)
    assert claim.sentence == sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "The 42-year-old man was charged on Tuesday.",
        "The elections were held in 2020.",
        "The meeting starts at 10:30 on 8 January.",
        "Turnout rose by 12 percent.",
        "He lives at 10 Downing Street.",
        "The report is on page 5 of the file.",
        "She waited for 48 hours.",
        "One of the bases was hit.",
        "The F-16 jets and COVID-19 were discussed.",
        "Officials gave no figure for the damage.",
        "The sell-off drove the euro below $1.",
        "The pound fell to $1.50 on Friday.",
    ],
)
def test_skips_figures_that_count_nothing(sentence: str) -> None:
    assert extract_claims(sentence, source="S") == []


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("State television said 15 missiles were fired.", "State television"),
        ("The Pentagon said 11 troops were injured.", "Pentagon"),
        ("At least 22 missiles were fired, according to Iraq.", "Iraq"),
        ("Iraq said 22 missiles had been fired.", "Iraq"),
        ("The defence ministry confirmed that 12 missiles hit the base.", "defence ministry"),
        ("A source said early indications were no casualties.", "A source"),
        ("Eighty people were killed, the health ministry said.", "health ministry"),
        ("Eighty people were killed, said a spokesman for the army.", "a spokesman for the army"),
        ("Eighty people were killed in the strike.", None),
        ("The fire caused an estimated $1 million in damage.", None),
        ("More than 60 people reported feeling the quake.", None),
        ("The new cable serves 14 states.", None),
        # A speaker placed by a preposition is the speaker, not the place.
        ("Doctors in the city said 40 people died.", "Doctors in the city"),
        ("Nurses at Mercy Hospital said 40 people died.", "Nurses at Mercy Hospital"),
        ("Officials in Lagos said 40 people died.", "Officials in Lagos"),
        ("Five people were killed in Lagos, officials said.", "officials"),
        ("Five people were killed in Lagos police said.", "Lagos police"),
        # What was said is no speaker: ", said the strikes were needed" names nobody.
        (
            "Ann Lee, a baker who earns less than 900 euros a month, said the strikes were needed.",
            None,
        ),
        ("Twelve people were hurt, said Smith who has been at the scene.", "Smith"),
    ],
)
def test_finds_who_a_figure_is_attributed_to(sentence: str, speaker: str | None) -> None:
    assert only(sentence).attributed_to == speaker


def test_each_figure_in_a_sentence_keeps_its_own_speaker() -> None:
    sentence = "State TV reported 15 missiles, but Iraq said 22 missiles were fired."
    claims = extract_claims(sentence, source="S")

    assert [(c.value, c.attributed_to) for c in claims] == [("15", "State TV"), ("22", "Iraq")]
    assert attribution(sentence, sentence.index("22"), sentence.index("22") + 2) == "Iraq"


def test_strike_fixture_shows_both_conflicts_with_who_said_what() -> None:
    claims = [
        *claims_of("strike_outlet_a.txt", "Northgate Wire", 1),
        *claims_of("strike_outlet_b_v1.txt", "Harbour Daily", 2),
    ]

    differences = compare_claims(claims)

    by_about = {d.about: d for d in differences}
    missiles = by_about["missiles"]
    assert missiles.kind == "conflict"
    said = {
        value: {(c.source, c.attributed_to) for c in group}
        for value, group in distinct_values(missiles)
    }
    assert said == {
        "More than a dozen": {("Northgate Wire", "defence ministry")},
        "15": {("Harbour Daily", "Iranian state TV")},
        "22": {("Harbour Daily", "Iraq")},
    }
    killed = by_about["killed"]
    assert killed.kind == "conflict"
    assert {value for value, _ in distinct_values(killed)} == {"80", "no"}
    assert {c.attributed_to for c in killed.claims} == {"State TV", "A source"}
    assert killed.sources_total == 2
    # Conflicts come first, deaths before missiles.
    assert [d.about for d in differences[:2]] == ["killed", "missiles"]
    assert all(d.kind == "conflict" for d in differences[:2])


def test_strike_fixture_spellings_of_the_base_fold_to_one_name() -> None:
    texts = [load_article(n).body for n in ("strike_outlet_a.txt", "strike_outlet_b_v1.txt")]
    names = [name for text in texts for name in proper_names(text)]
    assert "Irbil" in names and "Erbil" in names

    folded = fold_names(names)

    assert folded["Irbil"] == folded["Erbil"]
    assert len({folded[n] for n in names if n in ("Irbil", "Erbil")}) == 1


def test_strike_briefing_names_the_base_once_with_both_spellings() -> None:
    texts = [
        ("Northgate Wire", load_article("strike_outlet_a.txt").body),
        ("Harbour Daily", load_article("strike_outlet_b_v1.txt").body),
    ]

    variants = spelling_variants(texts)

    spellings = [[(s.name, s.sources) for s in v.spellings] for v in variants]
    assert [("Erbil", ("Harbour Daily",)), ("Irbil", ("Northgate Wire",))] in spellings
    # Every other name in the two reports is written the same way by both outlets.
    assert len(variants) == 1


@pytest.mark.parametrize(
    "texts",
    [
        # One outlet writing both spellings means two different names.
        [("A", "The Angels beat Angeles, 3-2."), ("B", "Angeles scored twice.")],
        # A longer form, a possessive or another title is not another spelling.
        [("A", "Israel said the talks would go on."), ("B", "Israeli officials met.")],
        [("A", "Iraq's army moved in."), ("B", "Iraq responded.")],
        [("A", "CEO Larry Lucchino spoke."), ("B", "COO Larry Lucchino spoke.")],
        # Alike in sound, far apart in letters.
        [("A", "Reuters reported the clash."), ("B", "Rioters reported the clash.")],
        # Only one source: nobody differs.
        [("A", "Erbil was hit, then Irbil again.")],
    ],
)
def test_names_that_are_not_spelling_variants_are_left_alone(texts: list[tuple[str, str]]) -> None:
    assert spelling_variants(texts) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [("Erbil", "Irbil"), ("Soleimani", "Suleimani"), ("Qassem", "Qasem"), ("Kyiv", "Kiev")],
)
def test_spelling_variants_fold(a: str, b: str) -> None:
    assert canonical_name(b, [a]) == a
    assert canonical_name(a, [b]) == b


@pytest.mark.parametrize(
    ("a", "b"), [("Iran", "Iraq"), ("Sudan", "Sedan"), ("Austria", "Australia"), ("Gaza", "Giza")]
)
def test_different_places_stay_apart(a: str, b: str) -> None:
    assert canonical_name(b, [a]) == b


def test_agreement_counts_the_sources_backing_one_figure() -> None:
    claims = [
        *extract_claims("Officials said 22 missiles were fired.", source="A"),
        *extract_claims("Twenty-two missiles were fired, the army said.", source="B"),
        *extract_claims("The strike hit a base in the north.", source="C"),
    ]

    differences = compare_claims(claims, sources=["A", "B", "C"])

    assert [(d.about, d.kind, d.sources_total) for d in differences] == [
        ("missiles", "agreement", 3)
    ]
    assert {c.source for c in differences[0].claims} == {"A", "B"}


def test_a_figure_only_one_source_carries_is_reported_as_such() -> None:
    claims = extract_claims("The strike killed 12 people, the mayor said.", source="A")
    claims += extract_claims("The strike hit a market.", source="B")

    differences = compare_claims(claims)

    assert [(d.about, d.kind) for d in differences] == [("killed", "single_source")]


def test_no_casualties_conflicts_with_an_injury_count() -> None:
    claims = extract_claims("There were no casualties, officials said.", source="A")
    claims += extract_claims("Seven people were wounded, the hospital said.", source="B")

    differences = compare_claims(claims)

    assert [(d.about, d.kind) for d in differences] == [("injured", "conflict")]


def test_same_figure_written_twice_by_one_source_is_not_a_conflict() -> None:
    claims = extract_claims(
        "Iraq said 22 missiles were fired. Iraq said 22 missiles hit.", source="A"
    )

    assert [d.kind for d in compare_claims(claims)] == ["single_source"]


# --- properties ---------------------------------------------------------------------------

_speaker = st.sampled_from(["Iraq said", "State TV reported", "The ministry confirmed", ""])
_figure = st.one_of(
    st.integers(min_value=2, max_value=99_999).map(lambda n: f"{n:,}"),
    st.sampled_from(["more than a dozen", "dozens of", "fifteen", "at least 10", "no", "10-15"]),
)
_noun = st.sampled_from(["missiles", "people were killed", "troops", "casualties", "rockets"])
_sentence = st.builds(
    lambda s, f, n: f"{s} {f} {n}.".strip().capitalize(), _speaker, _figure, _noun
)
_filler = st.text(
    alphabet=st.sampled_from(list("abcdefghij ,.;:-–—'’\"“”0123456789$%\n")), max_size=80
)


@settings(max_examples=80, deadline=None)
@given(parts=st.lists(st.one_of(_sentence, _filler), min_size=1, max_size=6))
def test_every_claim_quotes_its_own_sentence(parts: list[str]) -> None:
    text = " ".join(parts)
    title = parts[0]

    claims = extract_claims(text, source="S", title=title)

    where = normalize_space(text) + "\n" + normalize_space(title)
    for claim in claims:
        assert claim.value in claim.sentence
        assert claim.sentence in where
        assert claim.source == "S"
        assert claim.low is not None and (claim.high is None or claim.low <= claim.high)
    for difference in compare_claims(claims):
        assert all(c in claims for c in difference.claims)


@settings(max_examples=60, deadline=None)
@given(figure=st.integers(min_value=2, max_value=10_000))
def test_a_written_figure_is_read_back_exactly(figure: int) -> None:
    claim = only(f"Officials said {figure:,} people were evacuated.")

    assert (claim.about, claim.value, claim.low, claim.high) == (
        "evacuated",
        f"{figure:,}",
        figure,
        figure,
    )


# --- real-world phrasings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "about", "value", "low", "high"),
    [
        ("The death toll from the landslide rose to 19 on Monday.", "killed", "19", 19, 19),
        ("State TV said 80 “American terrorists” were killed.", "killed", "80", 80, 80),
        ("Dozens have been reported injured.", "injured", "Dozens", 24, 99),
        ("Three Gazans were killed when the shell hit.", "killed", "Three", 3, 3),
        (
            "About 50 people with serious injuries reached the clinic.",
            "injured",
            "About 50",
            50,
            50,
        ),
        ("A powerful 6.1-magnitude earthquake hit the island.", "magnitude", "6.1", 6.1, 6.1),
        ("A quake of magnitude 5.9 shook the coast.", "magnitude", "5.9", 5.9, 5.9),
        ("The flood killed some 230, 000 people.", "killed", "some 230, 000", 230_000, 230_000),
        (
            "The trial cost more than $2 million.",
            "money (USD)",
            "more than $2 million",
            2e6 + 1,
            None,
        ),
        ("Two officers suffered minor injuries.", "injured", "Two", 2, 2),
        ("Three people, who had sought shelter there, died.", "killed", "Three", 3, 3),
    ],
)
def test_reads_figures_as_reporters_write_them(
    sentence: str, about: str, value: str, low: float, high: float | None
) -> None:
    claim = only(sentence)

    assert (claim.about, claim.value, claim.low, claim.high) == (about, value, low, high)


@pytest.mark.parametrize(
    "sentence",
    [
        "A mother of 12 was killed in the crossfire.",
        "One woman said the street was calm.",
        "He was arrested 12 days after the shooting.",
        "Seven others were at home.",
        "Police arrested him at 10News studios.",
        "Jurors were split nine in favour and three against the death sentence.",
    ],
)
def test_skips_numbers_that_are_not_the_events_counts(sentence: str) -> None:
    assert extract_claims(sentence, source="S") == []


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("Mr Lang, the county commissioner, said 12 people had been killed.", "Mr Lang"),
        (
            "Around 50 people were hurt, Dewi Sartika, a nurse at the clinic, told AFP.",
            "Dewi Sartika",
        ),
        ("An activist who spoke to aid workers later said 12 people were hurt.", "An activist"),
        ("There were no casualties or fatalities confirmed.", None),
    ],
)
def test_finds_speakers_in_appositions_and_relative_clauses(sentence: str, speaker: str) -> None:
    assert only(sentence).attributed_to == speaker


@pytest.mark.parametrize(
    ("sentence", "about", "low", "high"),
    [
        ("The state counted 9,500 new virus cases on Sunday.", "case", 9500, 9500),
        ("The ministry will expel 7 senior foreign diplomats.", "diplomat", 7, 7),
        ("He faces two first - degree murder charges.", "charge", 2, 2),
        ("Officials said 40 million Covid-19 cases were logged.", "case", 4e7, 4e7),
        ("The plant will keep nearly 900 U.S. jobs.", "job", 765, 900),
        ("Four attackers were shot dead by the police.", "killed", 4, 4),
        ("By noon 3,210 people had now died in the region.", "killed", 3210, 3210),
        ("The crash killed all 140 passengers on board.", "killed", 140, 140),
        ("Some were asked to pay $900 or more for a seat.", "money (USD)", 900, None),
        ("The plan could cost trillions of dollars.", "money (USD)", 2e12, 9.99e12),
        ("Border Agents Stop 64,000 Migrants at the Crossing.", "migrant", 64000, 64000),
    ],
)
def test_reads_counted_nouns_and_outcomes_past_their_modifiers(
    sentence: str, about: str, low: float, high: float | None
) -> None:
    claim = only(sentence)

    assert (claim.about, claim.low, claim.high) == (about, low, high)


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("Employers added 90,000 jobs in May, the ministry reported.", "ministry"),
        ("Factories added 12,000 workers last month.", None),
        ("The region on Sunday reported 800 new cases.", "The region"),
        ("Around 90 guards are in quarantine, the Daily Ledger reports.", "Daily Ledger"),
        ("Officers seized 3,000 rifles, as prices rose across the United States.", None),
    ],
)
def test_speakers_come_from_reporting_verbs_not_from_look_alikes(
    sentence: str, speaker: str | None
) -> None:
    claim = only(sentence)

    assert attribution_key(claim.attributed_to) == attribution_key(speaker)


@pytest.mark.parametrize(
    ("sentence", "scope"),
    [
        ("Border agents stopped 150,000 migrants in June.", "event"),
        ("The economy lost 700,000 jobs in April, the agency said.", "event"),
        ("In April, a flood in the valley killed 30 people.", "background"),
    ],
)
def test_a_month_later_in_the_sentence_is_the_period_counted(sentence: str, scope: str) -> None:
    assert only(sentence).scope == scope


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The strike left one armed fighter dead.", [("killed", 1)]),
        (
            "The wave killed 9,000 people there and thousands more along the coast.",
            [("killed", 9000), ("killed", 2000)],
        ),
        ("Three young men who were brothers died in the fire.", [("killed", 3)]),
        ("Three men who stabbed a guard were arrested.", [("arrested", 3)]),
        (
            "At least 9 members of one family, including four children, were killed.",
            [("killed", 9), ("killed", 4)],
        ),
        ("Six soldiers lost their lives in the attack.", [("killed", 6)]),
        ("Three people have died, one more than the police reported.", [("killed", 3)]),
        ("The doctor told the Herald 31 bodies had been recovered.", [("killed", 31)]),
        ("They won a 27 - 20 victory on Sunday.", []),
        ("http: / / www. example. com / 2013 / 12 / 555 _ Nine _ Hikers _ Found", []),
        (
            "http: / / www. example. com / 2013 / four - hurt - in - storm Four hurt in storm",
            [("injured", 4)],
        ),
    ],
)
def test_reads_tolls_in_asides_relative_clauses_and_ellipses(
    sentence: str, expected: list[tuple[str, float]]
) -> None:
    claims = extract_claims(sentence, source="S")

    assert [(c.about, c.low) for c in claims] == expected


_modifier = st.sampled_from(
    [
        "more than",
        "fewer than",
        "less than",
        "over",
        "under",
        "nearly",
        "almost",
        "up to",
        "at least",
        "at most",
        "about",
        "some",
        "",
    ]
)
_base = st.sampled_from(
    [
        "dozens of",
        "hundreds of",
        "thousands of",
        "several",
        "scores of",
        "tens of thousands of",
        "a dozen",
        "12",
        "2",
        "twenty-two",
        "1,500",
        "half a dozen",
        "millions of",
    ]
)


@settings(max_examples=200, deadline=None)
@given(modifier=_modifier, base=_base, noun=_noun)
def test_any_modifier_before_any_figure_reads_a_range(modifier: str, base: str, noun: str) -> None:
    # "More than dozens" once raised on Python 3.11 (int has no is_integer there), and the
    # article it was in could not be stored.
    sentence = f"{modifier} {base} {noun}, officials said.".strip().capitalize()

    for claim in extract_claims(sentence, source="S", title=""):
        assert claim.low is not None and (claim.high is None or claim.low <= claim.high)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("About 3,000 villagers fled their homes after the blast.", [("displaced", 3000)]),
        ("Hundreds of families were forced to flee the fighting.", [("displaced", 200)]),
        ("Some 500 residents were ordered to leave their homes.", [("displaced", 500)]),
        ("A few hundred protesters marched on the palace.", [("protester", 200)]),
        ("The gunman said his dozen bullets were meant for a rival.", [("bullet", 12)]),
        ("His two cousins, 19 and 23, were also arrested.", [("arrested", 2)]),
    ],
)
def test_reads_flight_vague_hundreds_bare_dozens_and_ages_in_asides(
    sentence: str, expected: list[tuple[str, float]]
) -> None:
    claims = extract_claims(sentence, source="S")

    assert [(c.about, c.low) for c in claims] == expected


def test_a_subject_ending_in_a_pronoun_is_no_speaker() -> None:
    sentence = "Had you told me that 40 teams would enter, I would have laughed."

    assert only(sentence).attributed_to is None


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # "one" with a singular noun is no count unless it is a casualty
        ("One man has been arrested, though no injuries were reported.", [("injured", 0)]),
        ("She leaves a husband and three grandchildren.", [("grandchild", 3)]),
        # a possessive plural before the counted noun is not what is counted
        ("He missed eight of the Tigers' games.", [("game", 8)]),
        # "killed 40" is what the attack did, not what happened to "one of the schools"
        ("The strike on one of the schools killed 40 people.", [("killed", 40)]),
        ("His three half - brothers were also arrested.", [("arrested", 3)]),
    ],
)
def test_reads_counted_nouns_past_compounds_possessives_and_transitive_verbs(
    sentence: str, expected: list[tuple[str, float]]
) -> None:
    claims = extract_claims(sentence, source="S")

    assert [(c.about, c.low) for c in claims] == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("He was hurt two Sundays ago in Leeds.", []),
        ("ATI works with two of the other largest banks in town.", [("bank", 2)]),
    ],
)
def test_weekdays_count_time_and_superlatives_pick_members(
    sentence: str, expected: list[tuple[str, float]]
) -> None:
    claims = extract_claims(sentence, source="S")

    assert [(c.about, c.low) for c in claims] == expected
    assert all(c.scope == "event" for c in claims)


def test_the_nearest_reporting_verb_names_the_speaker() -> None:
    sentence = "Howard said other jurors told him the three holdouts refused to talk."

    assert attribution_key(only(sentence).attributed_to) == "other jurors"


def test_a_figure_naming_the_source_itself_has_no_speaker() -> None:
    sentence = "An aide warned that the plan could fail, according to three officials."

    assert only(sentence).attributed_to is None


@pytest.mark.parametrize(
    ("sentence", "about", "low", "high"),
    [
        ("The strikes pushed the death toll above 600.", "killed", 601, None),
        ("Two plainclothes NYPD officers chased the car.", "officer", 2, 2),
    ],
)
def test_reads_a_toll_above_a_figure_and_modifiers_before_the_noun(
    sentence: str, about: str, low: float, high: float | None
) -> None:
    claim = only(sentence)

    assert (claim.about, claim.low, claim.high) == (about, low, high)


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        # the sentence before ends at its full stop
        ("He wound up with nine catches for 80 yards. Smith said he was pleased.", None),
        # "after police say he ...": the speaker of a later clause did not give the figure
        ("Two officers shot a man after police say he drew a gun.", None),
        # a title in lower case before the name
        (
            "The storm injured 40 people, said national agency spokesman Budi Santoso.",
            "Budi Santoso",
        ),
    ],
)
def test_speakers_stay_inside_their_sentence_and_clause(sentence: str, speaker: str | None) -> None:
    claim = extract_claims(sentence, source="S")[0]

    if speaker is None:
        assert claim.attributed_to is None
    else:
        assert speaker in (claim.attributed_to or "")
