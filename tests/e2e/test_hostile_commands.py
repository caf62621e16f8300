"""Hostile arguments get a plain answer, never "Sorry, something went wrong" (nor admin DMs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import ADMIN

ANTWERP = ("harbour-herald/2026-03-16-antwerp-dock-strike.txt",
           "daily-ledger/2026-03-16-antwerp-port-strike.txt")  # fmt: skip


@pytest.mark.parametrize("data", ["s:99999999999999999999", "o:²", "s:-1", "x", "s:1:2:3", ""])
async def test_bad_callback_data_is_answered_plainly(
    bot_factory: Callable[..., Any], data: str
) -> None:
    async with bot_factory() as bot:
        await bot.ingest(*ANTWERP)
        await bot.fake.press(42, data)
        await bot.fake.wait_for(lambda: "answerCallbackQuery" in bot.fake.methods(), within=10)
        await bot.say(42, "/help")  # anything the error handler sent would be there by now
    texts = [s.text for s in bot.fake.sent]
    assert not any("Sorry" in t for t in texts), texts
    assert bot.fake.to(ADMIN) == []


@pytest.mark.parametrize(
    "command", ["/removefeed ²", "/removefeed 99999999999999999999", "/removefeed -3"]
)
async def test_bad_feed_references_are_answered_plainly(
    bot_factory: Callable[..., Any], command: str
) -> None:
    async with bot_factory() as bot:
        (reply,) = await bot.say(ADMIN, command)
    assert "No feed" in reply and "Sorry" not in reply


@pytest.mark.parametrize(
    "command",
    [
        "/summary " + " ".join(f"word{n}" for n in range(1500)),
        "/summary ²",
        "/summary 99999999999999999999",
        "/summary \x00",
    ],
)
async def test_bad_summary_arguments_are_answered_plainly(
    bot_factory: Callable[..., Any], command: str
) -> None:
    async with bot_factory() as bot:
        await bot.ingest(*ANTWERP)
        replies = await bot.say(42, command)
    assert replies and not any("Sorry" in r for r in replies), replies
    assert bot.fake.to(ADMIN) == []


async def test_a_burst_of_failing_commands_sends_admins_one_message(
    bot_factory: Callable[..., Any], tmp_path: Any
) -> None:
    import asyncio

    from tests.fakes.faults import writes_refused_off_loop

    async with bot_factory() as bot:
        url = f"sqlite:///{tmp_path / 'bot.db'}"
        async with writes_refused_off_loop(url, "subscribers", on="INSERT"):
            await asyncio.gather(*(bot.fake.command(42, "/start") for _ in range(15)))
            await bot.fake.wait_for(lambda: len(bot.fake.to(42)) >= 15, within=30)
            await bot.say(43, "/help")
    assert all("Sorry" in s.text for s in bot.fake.to(42))
    assert len(bot.fake.to(ADMIN)) == 1
