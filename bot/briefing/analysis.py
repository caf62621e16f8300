"""What the core derives from one version's title and text alone, worked out once.

Placing an article reads its clustering features, its revision pass's weights and its headline
profile. Each is a pure function of the version's title and text, so it can be worked out where
the text is read (a parsing worker) and carried with the article, instead of on the process
that stores and places it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.briefing.features import Features, revision_weights, text_features
from bot.briefing.headline import Profile, headline_profile

# The revision pass's default weights (revise.ReviseConfig; not imported: it pulls in scipy).
NAME_WEIGHT = 1.0
PAIR_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """One version's clustering features, revision weights and headline profile."""

    features: Features
    revision: dict[str, float]
    """``features.revision_weights`` with ``revision_config`` (name weight, pair weight)."""
    revision_config: tuple[float, float]
    headline: Profile


def analyse_text(
    title: str,
    text: str,
    *,
    name_weight: float = NAME_WEIGHT,
    pair_weight: float = PAIR_WEIGHT,
) -> TextAnalysis:
    """Return what placing a version with this title and text reads of it.

    Args:
        title: the version's title.
        text: the version's text.
        name_weight: the revision pass's weight of names.
        pair_weight: the revision pass's weight of word pairs.
    """
    return TextAnalysis(
        features=text_features(title, text),
        revision=revision_weights(title, text, name_weight=name_weight, pair_weight=pair_weight),
        revision_config=(name_weight, pair_weight),
        headline=headline_profile(title, text),
    )
