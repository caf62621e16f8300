"""A rising toll reaches the chat within minutes, each update naming the new figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.ingest.model import ParsedArticle

CHAT = 8601
STORY = (
    "A passenger train derailed near the town of Velmora on Tuesday morning after a bridge "
    "over the Arvin river gave way, officials said. {figure} Rescue teams worked through the "
    "day to reach carriages that fell into the river, and the regional railway suspended all "
    "services on the line. The cause of the collapse is under investigation, the transport "
    "ministry said."
)
STEPS = [
    ("Gamma Wire", "At least 12 people were killed in the derailment, police said."),
    ("Beta Times", "At least 23 people were killed in the derailment, police said."),
    ("Delta Post", "At least 27 people were killed in the derailment, police said."),
]


def _article(source: str, figure: str) -> ParsedArticle:
    slug = source.lower().replace(" ", "-")
    return ParsedArticle(
        title="Train derails near Velmora after bridge collapse",
        text=STORY.format(figure=figure),
        source=source,
        location=f"https://{slug}.example/velmora-derailment",
        identity=f"https://{slug}.example/velmora-derailment",
    )


async def test_a_rising_toll_in_three_steps_is_told_within_minutes(bot_factory: Any) -> None:
    async with bot_factory(alert_min_sources=1) as bot:
        await bot.say(CHAT, "/start")
        for source, figure in STEPS:
            await bot.services.pipeline.ingest([_article(source, figure)])
            await bot.settle()
            bot.clock.advance(timedelta(minutes=2))  # well inside the 30-minute window
        alerts = [s.text for s in bot.fake.to(CHAT) if "🔔" in s.text]
        assert len(alerts) == 3, alerts
        assert "Killed now 12–23 (Gamma Wire, Beta Times), up from 12" in alerts[1]
        assert "new source: Beta Times" in alerts[1]
        assert "Killed now 12–27" in alerts[2] and "up from 12–23" in alerts[2]
        assert "new source: Delta Post" in alerts[2]
