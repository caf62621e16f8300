"""Alerts through the running bot: keyword filters, quiet hours, coming back after /stop."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from typing import Any

from tests.e2e.conftest import ADMIN, FAST
from tests.shared import ANTWERP_STRIKE, CESENA_FLOOD, SAMPLES

ALL, STRIKES, QUIET = 6001, 6002, 6003


def _alerts(bot: Any, chat_id: int) -> list[Any]:
    return [s for s in bot.fake.to(chat_id) if "🔔" in s.text]


async def test_keyword_filter_alerts_only_matching_events(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.say(ALL, "/start")
        await bot.say(STRIKES, "/subscribe strike")
        await bot.ingest(*ANTWERP_STRIKE, *CESENA_FLOOD)
        await bot.settle()
        assert len(_alerts(bot, ALL)) == 2  # both events were worth an alert
        (alert,) = _alerts(bot, STRIKES)
        assert "Antwerp" in alert.text and "Cesena" not in alert.text


async def test_quiet_hours_send_alerts_silently(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        now = bot.clock()  # the chats' zone is UTC
        hours = f"{now - timedelta(hours=1):%H:%M}-{now + timedelta(hours=1):%H:%M}"
        await bot.say(ALL, "/start")
        await bot.say(QUIET, "/start")
        (reply,) = await bot.say(QUIET, f"/quiet {hours}")
        assert "Quiet hours: " + hours.replace("-", "–") in reply
        await bot.ingest(*ANTWERP_STRIKE)
        await bot.settle()
        (quiet,) = _alerts(bot, QUIET)
        (loud,) = _alerts(bot, ALL)
        assert quiet.silent and not loud.silent


async def test_a_chat_coming_back_is_not_flooded_with_old_events(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.say(ALL, "/start")
        await bot.say(STRIKES, "/start")
        await bot.say(STRIKES, "/stop")
        await bot.ingest(*ANTWERP_STRIKE)  # happens while the chat is away
        await bot.settle()
        assert len(_alerts(bot, ALL)) == 1
        await bot.say(STRIKES, "/start")
        await bot.settle()
        assert _alerts(bot, STRIKES) == []
        await bot.ingest(*CESENA_FLOOD)  # after it came back: alerted
        await bot.settle()
        (alert,) = _alerts(bot, STRIKES)
        assert "Cesena" in alert.text


# The alert job only runs in an hour: an alert sent sooner was asked for by the store itself.
NO_ALERT_JOB = replace(FAST, alert_check=3600.0, first_run=3600.0)


async def test_files_dropped_into_the_inbox_alert_without_waiting_for_the_job(
    bot_factory: Any,
) -> None:
    async with bot_factory(NO_ALERT_JOB) as bot:
        await bot.say(ALL, "/start")
        for name in ANTWERP_STRIKE:
            target = bot.inbox / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(SAMPLES / name, target)
        await bot.fake.wait_for(lambda: len(_alerts(bot, ALL)) == 1, within=20)
        assert "Antwerp" in _alerts(bot, ALL)[0].text


async def test_an_uploaded_document_alerts_without_waiting_for_the_job(bot_factory: Any) -> None:
    first, second = ANTWERP_STRIKE
    data = (SAMPLES / second).read_bytes()
    async with bot_factory(NO_ALERT_JOB) as bot:
        await bot.say(ALL, "/start")
        await bot.ingest(first)  # one source: not worth an alert yet
        assert _alerts(bot, ALL) == []
        await bot.fake.document(ADMIN, "ledger.txt", b"Source: Daily Ledger\n" + data)
        await bot.fake.wait_for(lambda: len(_alerts(bot, ALL)) == 1, within=20)
        assert "2 sources" in _alerts(bot, ALL)[0].text
