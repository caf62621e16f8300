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
        await bot.say(CHAT, "/subscribe strike")
        before = len(bot.fake.to(CHAT))
        await bot.fake.command(CHAT, "/settings")
        await bot.fake.wait_for(lambda: len(bot.fake.to(CHAT)) > before)
        screen = bot.fake.to(CHAT)[-1]
        assert "Link previews: off" in screen.text and "Digest: daily at 07:30" in screen.text
        sent = len(bot.fake.sent)
        edits: list[Any] = []

        async def press(label: str) -> Any:
            """Press a button of the screen as it is now; return the screen after the edit."""
            current = edits[-1].reply_markup if edits else screen.reply_markup
            data = _buttons(current)[label]
            count = len(bot.fake.edits)
            await bot.fake.press(CHAT, data, message_id=screen.message_id)
            await bot.fake.wait_for(lambda: len(bot.fake.edits) > count)
            edits.append(bot.fake.edits[-1])
            assert edits[-1].message_id == screen.message_id
            return edits[-1]

        zones = await press("Time zone ▸")
        assert "/timezone Area/City" in zones.text and "America/New_York" in _buttons(
            zones.reply_markup
        )
        assert "Time zone: Europe/London" in (await press("Europe/London")).text
        quiet = await press("Quiet hours ▸")
        assert "✓ Off" in _buttons(quiet.reply_markup)
        assert "Quiet hours: 22:00–07:00" in (await press("22:00–07:00")).text
        filters = await press("Filters ▸")
        assert "“strike”" in filters.text and "/subscribe" in filters.text
        assert "Alerts and digest: nothing" in (await press("✖ strike")).text
        assert "Alerts and digest: all events" in (await press("All events")).text
        await press("◀ Back")
        await press("Digest time ▸")
        assert "Digest: daily at 08:00" in (await press("08:00")).text
        assert "Link previews: on" in (await press("Link previews: off")).text
        await press("Language ▸")
        german = await press("Deutsch")
        assert "Sprache: Deutsch" in german.text and "Zeitzone ▸" in _buttons(german.reply_markup)
        assert len(bot.fake.sent) == sent  # every press edited the one screen

        (reply,) = await bot.say(CHAT, "/settings")
        assert "Linkvorschau: an" in reply and "täglich um 08:00" in reply
        assert "Europe/London" in reply and "22:00–07:00" in reply and "alle Ereignisse" in reply
