"""No secret reaches the output of `briefbot run`: not the token Telegram rejects (text and JSON
logs, with and without --debug), not the webhook secret python-telegram-bot logs at DEBUG."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_webhook import _free_port
from tests.fakes.faults import bot_process, cli
from tests.fakes.telegram import TOKEN, FakeTelegram

REJECTED = "5555555:WRONGwrongWRONGwrongWRONGwrong12345"
WEBHOOK_SECRET = "hook-Secret_never-shown-42"


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_a_rejected_token_is_never_printed(
    tmp_path: Path, log_format: str, debug: bool
) -> None:
    fake = await FakeTelegram().start()
    try:
        env = {
            "BRIEFBOT_TELEGRAM_TOKEN": REJECTED,
            "BRIEFBOT_TELEGRAM_API_URL": fake.api_url,
            "BRIEFBOT_LOG_FORMAT": log_format,
            "BRIEFBOT_LOG_LEVEL": "DEBUG",
        }
        args = ["--debug", "run"] if debug else ["run"]
        code, out, err = await cli(tmp_path, env, *args)
    finally:
        await fake.close()
    assert code == 1
    assert "rejected" in err  # the reason is still there
    assert "WRONGwrong" not in out + err


async def test_the_webhook_secret_is_not_logged_at_debug(tmp_path: Path) -> None:
    fake = await FakeTelegram().start()
    port = _free_port()
    env = {
        "BRIEFBOT_TELEGRAM_TOKEN": TOKEN,
        "BRIEFBOT_TELEGRAM_API_URL": fake.api_url,
        "BRIEFBOT_LOG_LEVEL": "DEBUG",
        "BRIEFBOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
        "BRIEFBOT_WEBHOOK_LISTEN": "127.0.0.1",
        "BRIEFBOT_WEBHOOK_PORT": str(port),
        "BRIEFBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    try:
        async with bot_process(tmp_path, env) as bot:
            await fake.wait_for(lambda: fake.webhook is not None, within=60)
            await fake.wait_for(lambda: "setMyCommands" in fake.methods(), within=60)
    finally:
        await fake.close()
    assert fake.webhook is not None and fake.webhook["secret_token"] == WEBHOOK_SECRET
    assert "setWebhook" in bot.stderr  # DEBUG logging was on
    assert WEBHOOK_SECRET not in bot.stderr
    assert TOKEN not in bot.stderr
