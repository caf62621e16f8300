"""What the core derives from one version's title and text alone, worked out once.

Placing an article reads its clustering features, its revision pass's weights and its headline
profile. Each is a pure function of the version's title and text, so it can be worked out where
the text is read (a parsing worker) and carried with the article, instead of on the process
that stores and places it.
"""

from __future__ import annotations

from bot.briefing.features import (
    REVISION_NAME_WEIGHT,
    REVISION_PAIR_WEIGHT,
    REVISION_TITLE_WEIGHT,
    revision_weights,
    text_features,
)
from bot.briefing.headline import headline_profile
from bot.briefing.model import TextAnalysis


def analyse_text(
    title: str,
    text: str,
    *,
    name_weight: float = REVISION_NAME_WEIGHT,
    pair_weight: float = REVISION_PAIR_WEIGHT,
    title_weight: float = REVISION_TITLE_WEIGHT,
) -> TextAnalysis:
    """Return what placing a version with this title and text reads of it.

    Args:
        title: the version's title.
        text: the version's text.
        name_weight: the revision pass's weight of names.
        pair_weight: the revision pass's weight of word pairs.
        title_weight: the revision pass's weight of headline words.
    """
    return TextAnalysis(
        features=text_features(title, text),
        revision=revision_weights(
            title,
            text,
            name_weight=name_weight,
            pair_weight=pair_weight,
            title_weight=title_weight,
        ),
        revision_config=(name_weight, pair_weight, title_weight),
        headline=headline_profile(title, text),
    )
