"""`briefbot run` as a real process: starts against the configured Bot API, stops on SIGTERM
(a service manager) and SIGINT (Ctrl+C)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.fakes.telegram import TOKEN, FakeTelegram


async def _start_reply_stop(
    tmp_path: Path, url: str, stop_signal: signal.Signals, *python_flags: str, **env_extra: str
) -> tuple[int, str, str]:
    """Run ``python -m bot run``, send /start, stop it; return exit code, log and first reply."""
    fake = await FakeTelegram().start()
    env = {
        **os.environ,
        "BRIEFBOT_TELEGRAM_TOKEN": TOKEN,
        "BRIEFBOT_TELEGRAM_API_URL": fake.api_url,
        "BRIEFBOT_DATABASE_URL": url,
        "BRIEFBOT_INBOX_DIR": str(tmp_path / "inbox"),
        **env_extra,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *python_flags, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await fake.wait_for(lambda: "setMyCommands" in fake.methods(), within=60)
        await fake.command(42, "/start")
        await fake.wait_for(lambda: len(fake.to(42)) >= 1, within=30)
        reply = fake.to(42)[0].text
        proc.send_signal(stop_signal)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.close()
    assert proc.returncode is not None
    return proc.returncode, stderr.decode(), reply


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_run_answers_start_and_stops_cleanly(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    returncode, log, reply = await _start_reply_stop(
        tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", stop_signal, BRIEFBOT_LOG_LEVEL="INFO"
    )
    assert "Welcome" in reply
    assert returncode == 0, log
    assert "stopping" in log and "Traceback" not in log
    assert TOKEN not in log  # the token never reaches the logs


async def test_a_second_run_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    from tests.fakes.faults import bot_process, cli

    fake = await FakeTelegram().start()
    env = {
        "BRIEFBOT_TELEGRAM_TOKEN": TOKEN,
        "BRIEFBOT_TELEGRAM_API_URL": fake.api_url,
        "BRIEFBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "BRIEFBOT_INBOX_DIR": str(tmp_path / "inbox"),
    }
    try:
        async with bot_process(tmp_path, env) as first:
            await fake.wait_for(lambda: "setMyCommands" in fake.methods(), within=60)
            await fake.wait_for(lambda: "getUpdates" in fake.methods(), within=30)
            calls = fake.methods().count("getMe")
            code, _, err = await asyncio.wait_for(cli(tmp_path, env, "run"), 30)
            # The first one still answers; the second never talked to Telegram.
            await fake.command(42, "/start")
            await fake.wait_for(lambda: len(fake.to(42)) == 1, within=30)
            assert fake.methods().count("getMe") == calls
    finally:
        await fake.close()
    assert code == 1
    assert "another `briefbot run`" in err and "SQLite serves one running bot" in err
    assert str(tmp_path / "bot.db") in err and "PostgreSQL" in err
    assert "Traceback" not in err and TOKEN not in err
    assert first.proc.returncode == 0, first.stderr


async def test_run_on_a_current_schema_does_not_import_alembic(tmp_path: Path) -> None:
    """A bot whose schema is current checks its version; Alembic (about 10 MiB) stays unloaded."""
    from storage.db import upgrade

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    returncode, log, _ = await _start_reply_stop(tmp_path, url, signal.SIGTERM, "-X", "importtime")
    assert returncode == 0, log
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in log.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "sqlalchemy" in imported and "telegram" in imported  # the listing is read right
    assert {m for m in imported if m.split(".")[0] in ("alembic", "mako")} == set()
