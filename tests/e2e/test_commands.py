"""Commands over HTTP: user text echoed safely, numbers checked, /stop, limits on replies."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import ADMIN
from tests.fakes.telegram import html_error, units
from tests.shared import ANTWERP_STRIKE

CHAT = 5151
SORRY = "something went wrong"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/summary <x>", "No event matches “<x>”"),
        ("/sources a&b <i>", "No event matches “a&b <i>”"),
        ("/digest <b>", "'<b>' is not a time of day"),
        ("/timezone Foo<x>", "'Foo<x>' is not an IANA time zone"),
        ("/quiet <b>", "'<b>' is not a range"),
        ("/unsubscribe <b>", "You had no filter “<b>”"),
        ("/subscribe <strike>", "matching “<strike>”"),  # settings list the filter
        ("/summary " + "<" * 3000, "No event matches “<<<"),  # echoed shortened
        ("/digest " + "<" * 3000, "Usage: /digest"),
    ],
)
async def test_user_text_is_escaped_in_replies(
    bot_factory: Any, command: str, expected: str
) -> None:
    async with bot_factory() as bot:
        await bot.say(CHAT, "/start")
        (reply,) = await bot.say(CHAT, command)
        assert SORRY not in reply
        assert not html_error(reply) and units(reply) <= 4096
        assert expected in html.unescape(reply)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("99999999999999999999999", "There is no event number 99999999999…"),
        ("0", "There is no event number 0."),
        ("101", "There is no event number 101."),
        ("²", "No event matches “²”"),  # a digit to str.isdigit, not to int()
    ],
)
async def test_event_numbers_are_checked(bot_factory: Any, query: str, expected: str) -> None:
    async with bot_factory() as bot:
        await bot.ingest(*ANTWERP_STRIKE)
        (reply,) = await bot.say(CHAT, f"/summary {query}")
        assert SORRY not in reply
        assert expected in reply and "/events" in reply
        (reply,) = await bot.say(CHAT, "/summary 1")
        assert "Antwerp" in reply


@pytest.mark.parametrize("command", ["/stop", "/unsubscribe"])
async def test_stop_drops_the_chats_queued_messages(bot_factory: Any, command: str) -> None:
    async with bot_factory() as bot:
        await bot.say(CHAT, "/start")
        later = bot.clock() + timedelta(hours=1)  # queued, not yet due
        async with bot.services.db.unit_of_work() as uow:
            for n in range(2):
                await uow.outbox.enqueue(
                    key=f"digest:{CHAT}:{n}", chat_id=CHAT, kind="digest", text=f"d{n}", now=later
                )
            await uow.outbox.enqueue(key="other", chat_id=7, kind="digest", text="x", now=later)
        (reply,) = await bot.say(CHAT, command)
        assert "Stopped" in reply
        async with bot.services.db.unit_of_work() as uow:
            mine = await uow.outbox.list_messages(chat_id=CHAT)
            other = await uow.outbox.list_messages(chat_id=7)
        assert [(m.state, m.last_error) for m in mine] == [("dead", "stopped")] * 2
        assert [m.state for m in other] == ["pending"]


async def test_keywords_made_of_stop_words_are_refused(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.say(CHAT, "/start")
        (reply,) = await bot.say(CHAT, "/subscribe the of and")
        assert "no word to match on" in html.unescape(reply)
        (reply,) = await bot.say(CHAT, "/settings")
        assert "all events" in reply  # the filter was not stored
        (reply,) = await bot.say(CHAT, "/subscribe the strike")
        assert "“the strike”" in html.unescape(reply)


async def test_feeds_list_is_split_not_cut(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        async with bot.services.db.unit_of_work() as uow:
            for n in range(1, 121):
                await uow.feeds.add(
                    url=f"https://news{n}.example.org/rss.xml",
                    name=f"Harbour & River News, regional edition {n}",
                    now=bot.clock(),
                )
        before = len(bot.fake.to(ADMIN))
        await bot.fake.command(ADMIN, "/feeds")
        await bot.fake.wait_for(lambda: len(bot.fake.to(ADMIN)) >= before + 2)
        await bot.fake.command(ADMIN, "/help")  # updates run in order: /feeds is done
        await bot.fake.wait_for(lambda: "<b>Commands</b>" in bot.fake.to(ADMIN)[-1].text)
        parts = [s.text for s in bot.fake.to(ADMIN)[before:-1]]
        assert len(parts) >= 2
        for part in parts:
            assert units(part) <= 4096 and not html_error(part)
        listed = html.unescape("\n".join(parts))
        for n in range(1, 121):
            assert listed.count(f"regional edition {n}</b>") == 1


async def test_edits_and_channel_posts_get_no_pointer(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.fake.edited(CHAT, "hello, edited")
        await bot.fake.channel_post(-100123, "a post in a channel")
        await bot.fake.command(CHAT, "/help")
        # Updates are handled in order: once /help is answered, the others were handled too.
        await bot.fake.wait_for(lambda: any("Commands" in s.text for s in bot.fake.to(CHAT)))
        assert [s.text[:15] for s in bot.fake.to(CHAT)] == ["<b>Commands</b>"]
        assert bot.fake.to(-100123) == []


async def test_replies_wait_out_a_429(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.ingest(*ANTWERP_STRIKE)
        bot.fake.fail_next(429, retry_after=1)
        replies = await bot.say(CHAT, "/summary")
        assert "Antwerp" in replies[0] and SORRY not in replies[0]
        (refused,) = bot.fake.refused
        assert refused.status == 429 and refused.chat_id == CHAT
        assert bot.fake.to(CHAT)[0].at - refused.at >= 0.9  # waited retry_after

        bot.fake.fail_next(429, retry_after=1)
        (reply,) = await bot.say(CHAT, "/settings")
        assert "not subscribed" in reply
        assert [r.status for r in bot.fake.refused] == [429, 429]
        assert all(SORRY not in s.text for s in bot.fake.sent)


async def test_the_menu_help_and_handlers_follow_one_command_table(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        params = next(p for method, p in bot.fake.calls if method == "setMyCommands")
        raw = params["commands"]
        menu = [c["command"] for c in (json.loads(raw) if isinstance(raw, str) else raw)]
        (user_help,) = await bot.say(CHAT, "/help")
        (admin_help,) = await bot.say(ADMIN, "/help")
        listed = re.findall(r"^/(\w+) — ", user_help, re.MULTILINE)
        admin_listed = re.findall(r"^/(\w+) — ", admin_help, re.MULTILINE)
        assert listed == menu and "help" in menu and "addfeed" not in menu
        assert admin_listed[: len(menu)] == menu and "addfeed" in admin_listed[len(menu) :]
        for name in admin_listed:  # every listed command has a handler (none gets the pointer)
            if name == "export":  # answers with a document
                await bot.fake.command(ADMIN, "/export")
                await bot.fake.wait_for(lambda: bool(bot.fake.documents))
                continue
            replies = await bot.say(ADMIN, f"/{name}")
            assert all("I only understand commands" not in r for r in replies), name
