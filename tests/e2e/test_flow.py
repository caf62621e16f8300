"""The whole flow over HTTP: /start, files in the inbox, an alert, /summary, /sources."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.e2e.conftest import ADMIN
from tests.fakes.feeds import FakeFeedServer, rss
from tests.fakes.telegram import html_error

FIXTURES = Path(__file__).resolve().parents[1] / "briefing" / "fixtures"
CHAT = 4242


def _signature(bot: Any) -> str:
    """Read the event's signature without the event loop (the fake's wait_for is sync)."""
    import sqlite3

    url = bot.services.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(url) as conn:
        return str(conn.execute("SELECT signature FROM events ORDER BY id LIMIT 1").fetchone()[0])


def _drop(inbox: Path, source: str, name: str, fixture: str) -> None:
    folder = inbox / source
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / fixture, folder / name)


async def test_start_inbox_alert_summary_sources(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        assert "setMyCommands" in bot.fake.methods()
        (welcome,) = await bot.say(CHAT, "/start")
        assert "Welcome" in welcome and "all events" in welcome

        _drop(bot.inbox, "northgate", "strike.txt", "strike_outlet_a.txt")
        _drop(bot.inbox, "harbour", "strike.txt", "strike_outlet_b_v1.txt")
        await bot.fake.wait_for(lambda: any("🔔" in s.text for s in bot.fake.to(CHAT)), 20)
        alerts = [s for s in bot.fake.to(CHAT) if "🔔" in s.text]
        assert len(alerts) == 1
        assert "2 sources" in alerts[0].text
        buttons = alerts[0].reply_markup["inline_keyboard"][0]
        assert [b["callback_data"][:2] for b in buttons] == ["s:", "o:", "c:"]

        summary = await bot.say(CHAT, "/summary")
        assert "missile" in summary[0].lower()
        sources = await bot.say(CHAT, "/sources 1")
        text = "\n".join(sources)
        assert "Northgate Wire" in text

        await bot.fake.press(CHAT, buttons[2]["callback_data"], message_id=alerts[0].message_id)
        await bot.fake.wait_for(lambda: bool(bot.fake.edits))
        assert "answerCallbackQuery" in bot.fake.methods()
        assert bot.fake.edits[0].message_id == alerts[0].message_id

        # A new version with new figures changes the event in substance. Inside the alert
        # window it is folded: no alert until the window has passed, then exactly one.
        _drop(bot.inbox, "harbour", "strike.txt", "strike_outlet_b_v2.txt")
        async with bot.services.db.unit_of_work() as uow:
            (event,) = await uow.events.list_recent_events(limit=1)
        await bot.fake.wait_for(lambda: _signature(bot) != event.signature, 10)
        await bot.runtime.check_alerts()
        assert len([s for s in bot.fake.to(CHAT) if "🔔" in s.text]) == 1
        bot.clock.advance(timedelta(minutes=31))
        await bot.fake.wait_for(lambda: len([s for s in bot.fake.to(CHAT) if "🔔" in s.text]) == 2)
        assert "Updated" in [s for s in bot.fake.to(CHAT) if "🔔" in s.text][-1].text
        for sent in bot.fake.sent:
            assert not html_error(sent.text)


async def test_events_list_and_bad_arguments(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        (reply,) = await bot.say(CHAT, "/events")
        assert "No events" in reply
        (reply,) = await bot.say(CHAT, "/digest 25:00")
        assert "not subscribed" in reply.lower() or "HH:MM" in reply
        await bot.say(CHAT, "/start")
        (reply,) = await bot.say(CHAT, "/digest 25:99")
        assert "HH:MM" in reply
        (reply,) = await bot.say(CHAT, "/timezone Mars/Olympus")
        assert "IANA" in reply
        (reply,) = await bot.say(CHAT, "/timezone Europe/Berlin")
        assert "Europe/Berlin" in reply
        (reply,) = await bot.say(CHAT, "/quiet 22:00-07:00")
        assert "22:00–07:00" in reply
        (reply,) = await bot.say(CHAT, "/quiet soon")
        assert "HH:MM-HH:MM" in reply
        (reply,) = await bot.say(CHAT, "/subscribe Strike Iraq")
        assert "strike iraq" in reply and "all events" not in reply
        (reply,) = await bot.say(CHAT, "/unsubscribe strike iraq")
        assert "Removed" in reply
        (reply,) = await bot.say(CHAT, "hello there")
        assert "/help" in reply
        (reply,) = await bot.say(CHAT, "/frobnicate")
        assert "/help" in reply
        (reply,) = await bot.say(CHAT, "/help")
        assert "/summary" in reply and "/addfeed" not in reply
        (reply,) = await bot.say(CHAT, "/stop")
        assert "Stopped" in reply
        (reply,) = await bot.say(CHAT, "/settings")
        assert "not subscribed" in reply


async def test_admin_commands_refused_to_others_and_documents_ingested(
    bot_factory: Any, feed_server: FakeFeedServer
) -> None:
    data = (FIXTURES / "strike_outlet_a.txt").read_bytes()
    url = feed_server.feed("/rss.xml", rss([], title="Example Wire"))
    async with bot_factory(allow_private_feeds=True) as bot:
        for command in ("/addfeed https://example.org/rss", "/removefeed 1", "/feeds", "/stats"):
            (reply,) = await bot.say(CHAT, command)
            assert "only the bot's admins" in reply
        before = len(bot.fake.to(CHAT))
        await bot.fake.document(CHAT, "strike.txt", data)
        await bot.fake.wait_for(lambda: len(bot.fake.to(CHAT)) > before)
        assert "only the bot's admins" in bot.fake.to(CHAT)[-1].text
        assert "getFile" not in bot.fake.methods()
        async with bot.services.db.unit_of_work() as uow:
            assert (await uow.stats.count_all()).articles == 0

        (reply,) = await bot.say(ADMIN, "/help")
        assert "/addfeed" in reply
        (reply,) = await bot.say(ADMIN, f"/addfeed {url}")
        assert "Feed 1" in reply and "polled within a minute" in reply
        (reply,) = await bot.say(ADMIN, f"/addfeed {url}")
        assert "Feed 1" in reply and "already there" in reply
        (reply,) = await bot.say(ADMIN, "/feeds")
        assert "Example Wire" in reply and url in reply
        (reply,) = await bot.say(ADMIN, "/addfeed not-a-url")
        assert "Cannot add" in reply

        before = len(bot.fake.to(ADMIN))
        await bot.fake.document(ADMIN, "big.txt", b"x", size=10**9)
        await bot.fake.wait_for(lambda: len(bot.fake.to(ADMIN)) > before)
        assert "limit" in bot.fake.to(ADMIN)[-1].text
        assert "getFile" not in bot.fake.methods()

        before = len(bot.fake.to(ADMIN))
        await bot.fake.document(ADMIN, "strike.txt", data)
        await bot.fake.wait_for(lambda: len(bot.fake.to(ADMIN)) > before)
        assert "new article" in bot.fake.to(ADMIN)[-1].text
        assert "(event 1: <b>" in bot.fake.to(ADMIN)[-1].text  # names the event's headline
        assert "getFile" in bot.fake.methods()
        (reply,) = await bot.say(ADMIN, "/stats")
        assert "Articles: 1" in reply
