"""The briefbot command as a user runs it: a real process, real exit codes, real output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SUBCOMMANDS = ["run", "demo", "ingest", "brief", "poll", "feeds", "status", "db"]


def briefbot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_help_lists_every_subcommand() -> None:
    result = briefbot("--help")
    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert f" {name} " in result.stdout, name


@pytest.mark.parametrize(
    "args", [["run", "--help"], ["feeds", "add", "--help"], ["db", "upgrade", "--help"]]
)
def test_each_subcommand_has_help(args: list[str]) -> None:
    result = briefbot(*args)
    assert result.returncode == 0
    assert "Usage" in result.stdout


def test_unknown_subcommand_and_bad_option_exit_2() -> None:
    assert briefbot("frobnicate").returncode == 2
    bad = briefbot("status", "--no-such-option")
    assert bad.returncode == 2
    assert "Usage" in bad.stderr


def test_unreachable_database_is_one_clear_line() -> None:
    url = "postgresql+psycopg://briefbot:hunter2@127.0.0.1:1/nowhere"
    result = briefbot("status", env={"BRIEFBOT_DATABASE_URL": url})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert (
        "briefbot: cannot use database postgresql+psycopg://briefbot:***@127.0.0.1:1/nowhere"
        in result.stderr
    )
    debug = briefbot("--debug", "status", env={"BRIEFBOT_DATABASE_URL": url})
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_invalid_setting_exits_1_naming_the_variable() -> None:
    result = briefbot("status", env={"BRIEFBOT_TIMEZONE": "Atlantis/Capital"})
    assert result.returncode == 1
    assert "BRIEFBOT_TIMEZONE" in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_then_status_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'bb.db'}"
    up = briefbot("db", "upgrade", env={"BRIEFBOT_DATABASE_URL": url})
    assert up.returncode == 0, up.stderr
    assert "up to date" in up.stdout
    status = briefbot("status", "--json", env={"BRIEFBOT_DATABASE_URL": url})
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["database"] == url
    for key in (
        "feeds",
        "sources",
        "articles",
        "versions",
        "events",
        "subscribers",
        "queued_messages",
    ):
        assert data[key] == 0


def test_status_hides_the_password() -> None:
    url = "postgresql+psycopg://someone:topsecret@127.0.0.1:1/x"
    result = briefbot("status", env={"BRIEFBOT_DATABASE_URL": url})
    assert "topsecret" not in result.stdout + result.stderr


def test_run_without_token_says_how_to_set_it() -> None:
    result = briefbot("run")
    assert result.returncode == 1
    assert "BRIEFBOT_TELEGRAM_TOKEN" in result.stderr
