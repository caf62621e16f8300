"""A rising toll: one alert per event, replies naming the new figures, the alert edited."""

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


async def test_a_rising_toll_gives_one_alert_two_replies_and_edits_it(bot_factory: Any) -> None:
    async with bot_factory(alert_min_sources=1) as bot:
        await bot.say(CHAT, "/start")
        for source, figure in STEPS:
            await bot.services.pipeline.ingest([_article(source, figure)])
            await bot.settle()
            bot.clock.advance(timedelta(minutes=2))  # well inside the 30-minute window
        await bot.settle()
        sent = [p for m, p in bot.fake.calls if m == "sendMessage" and int(p["chat_id"]) == CHAT]
        alerts = [p for p in sent if "🔔" in str(p["text"])]
        assert len(alerts) == 3, [p["text"] for p in alerts]
        first, *updates = alerts
        assert not first.get("reply_parameters")
        (original,) = [s for s in bot.fake.to(CHAT) if s.text == first["text"]]
        # Two short replies to the one alert message, each naming the new figures.
        assert [u["reply_parameters"]["message_id"] for u in updates] == [original.message_id] * 2
        assert "Killed now 12–23 (Gamma Wire, Beta Times), up from 12" in updates[0]["text"]
        assert "new source: Beta Times" in updates[0]["text"]
        assert "Killed now 12–27" in updates[1]["text"] and "up from 12–23" in updates[1]["text"]
        assert "new source: Delta Post" in updates[1]["text"]
        # The alert itself is edited to the current state.
        edits = [e for e in bot.fake.edits if e.chat_id == CHAT]
        assert [e.message_id for e in edits] == [original.message_id] * 2
        assert "Reported by 3 sources" in edits[-1].text and "3 sources ·" in edits[-1].text


async def test_follow_gets_every_update_and_mute_stops_them(bot_factory: Any) -> None:
    plain, follower, muted = 8611, 8612, 8613
    async with bot_factory(alert_min_sources=1) as bot:
        for chat in (plain, follower, muted):
            await bot.say(chat, "/start")
        await bot.services.pipeline.ingest([_article(*STEPS[0])])
        await bot.settle()
        for chat, label in ((follower, "Follow"), (muted, "Mute")):
            (alert,) = [s for s in bot.fake.to(chat) if "🔔" in s.text]
            buttons = {
                b["text"]: b["callback_data"]
                for row in alert.reply_markup["inline_keyboard"]
                for b in row
            }
            await bot.fake.press(chat, buttons[label], message_id=alert.message_id)
        await bot.fake.wait_for(
            lambda: len([m for m, _ in bot.fake.calls if m == "answerCallbackQuery"]) == 2
        )
        bot.clock.advance(timedelta(minutes=2))
        # A new source with the same figure: not a headline-figure change, inside the window.
        same = "At least 12 people were killed in the derailment, police said."
        await bot.services.pipeline.ingest([_article("Beta Times", same)])
        await bot.settle()
        counts = {
            chat: len([s for s in bot.fake.to(chat) if "🔔" in s.text])
            for chat in (plain, follower, muted)
        }
        assert counts == {plain: 1, follower: 2, muted: 1}
        (update,) = [s for s in bot.fake.to(follower) if "🔔" in s.text][1:]
        assert "new source: Beta Times" in update.text
