"""Buttons navigate in place: views edit the message they are on, Back returns, /events pages."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_digest import distinct_story
from tests.shared import ANTWERP_STRIKE

CHAT = 8501


def _buttons(markup: Any) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}


async def test_buttons_on_an_alert_edit_it_in_place_and_back_returns(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.say(CHAT, "/start")
        await bot.ingest(*ANTWERP_STRIKE)
        await bot.settle()
        (alert,) = [s for s in bot.fake.to(CHAT) if "🔔" in s.text]
        sent_before = len(bot.fake.sent)

        await bot.fake.press(
            CHAT, _buttons(alert.reply_markup)["Summary"], message_id=alert.message_id
        )
        await bot.fake.wait_for(lambda: len(bot.fake.edits) == 1)
        summary = bot.fake.edits[-1]
        assert summary.message_id == alert.message_id and "Antwerp" in summary.text
        assert "◀ Back" in _buttons(summary.reply_markup)

        await bot.fake.press(
            CHAT, _buttons(summary.reply_markup)["Sources"], message_id=alert.message_id
        )
        await bot.fake.wait_for(lambda: len(bot.fake.edits) == 2)
        sources = bot.fake.edits[-1]
        assert sources.message_id == alert.message_id and "Sources for" in sources.text

        await bot.fake.press(
            CHAT, _buttons(sources.reply_markup)["◀ Back"], message_id=alert.message_id
        )
        await bot.fake.wait_for(lambda: len(bot.fake.edits) == 3)
        back = bot.fake.edits[-1]
        assert back.message_id == alert.message_id and "🔔" in back.text
        assert list(_buttons(back.reply_markup)) == [
            "Summary",
            "Sources",
            "Changes",
            "Follow",
            "Mute",
        ]
        assert len(bot.fake.sent) == sent_before  # three presses, no new message


async def test_events_pages_back_and_forth_in_place(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        articles = [distinct_story(n, s) for n in range(12) for s in ("Gamma Wire", "Beta Times")]
        await bot.services.pipeline.ingest(articles)
        before = len(bot.fake.to(CHAT))
        await bot.fake.command(CHAT, "/events")
        await bot.fake.wait_for(lambda: len(bot.fake.to(CHAT)) > before)
        listing = bot.fake.to(CHAT)[-1]
        assert "\n10. <b>" in listing.text and "\n11. <b>" not in listing.text
        buttons = _buttons(listing.reply_markup)
        assert "▶" in buttons and "◀" not in buttons

        await bot.fake.press(CHAT, buttons["▶"], message_id=listing.message_id)
        await bot.fake.wait_for(lambda: len(bot.fake.edits) == 1)
        second = bot.fake.edits[-1]
        assert second.message_id == listing.message_id
        assert (
            "\n11. <b>" in second.text
            and "\n12. <b>" in second.text
            and "\n10. " not in second.text
        )
        page_two = _buttons(second.reply_markup)
        assert "◀" in page_two and "▶" not in page_two

        (summary,) = await bot.say(CHAT, "/summary 12")  # numbers follow the pages
        twelfth = second.text.split("\n12. <b>", 1)[1].split("</b>", 1)[0]
        assert twelfth in summary

        await bot.fake.press(CHAT, page_two["12. Summary"], message_id=listing.message_id)
        await bot.fake.wait_for(lambda: len(bot.fake.edits) == 2)
        await bot.fake.press(
            CHAT, _buttons(bot.fake.edits[-1].reply_markup)["◀ Back"], message_id=listing.message_id
        )
        await bot.fake.wait_for(lambda: len(bot.fake.edits) == 3)
        assert "\n11. <b>" in bot.fake.edits[-1].text  # back to page two


async def test_settings_is_a_screen_that_edits_itself(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.say(CHAT, "/start")
        before = len(bot.fake.to(CHAT))
        await bot.fake.command(CHAT, "/settings")
        await bot.fake.wait_for(lambda: len(bot.fake.to(CHAT)) > before)
        screen = bot.fake.to(CHAT)[-1]
        assert "Link previews: off" in screen.text and "Digest: daily at 07:30" in screen.text
        buttons = _buttons(screen.reply_markup)

        await bot.fake.press(CHAT, buttons["Link previews ▸"], message_id=screen.message_id)
        await bot.fake.wait_for(lambda: len(bot.fake.edits) == 1)
        assert "Link previews: on" in bot.fake.edits[-1].text
        await bot.fake.press(CHAT, buttons["Digest time ▸"], message_id=screen.message_id)
        await bot.fake.wait_for(lambda: len(bot.fake.edits) == 2)
        assert "Digest: daily at 08:00" in bot.fake.edits[-1].text
        await bot.fake.press(CHAT, buttons["Language ▸"], message_id=screen.message_id)
        await bot.fake.wait_for(lambda: len(bot.fake.edits) == 3)
        german = bot.fake.edits[-1]
        assert german.message_id == screen.message_id and "Sprache: Deutsch" in german.text
        assert "Sprache ▸" in _buttons(german.reply_markup)
        (reply,) = await bot.say(CHAT, "/settings")
        assert "Linkvorschau: an" in reply and "täglich um 08:00" in reply
