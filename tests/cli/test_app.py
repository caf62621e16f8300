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


def _story(folder: Path, name: str, content: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(content, encoding="utf-8")


def test_brief_shows_and_orders_events_by_the_articles_own_times(tmp_path: Path) -> None:
    ferry = (
        "The Skerry Star ferry ran aground near the mouth of Port Ellis harbour on Tuesday and "
        "all forty passengers were taken off by lifeboats. Coast guard chief Maren Holt said the "
        "tide would lift the Skerry Star by evening."
    )
    vote = (
        "The valley council voted to rebuild the old stone bridge over the river. Work on the "
        "bridge starts in spring and the road stays closed until the summer."
    )
    _story(
        tmp_path / "news" / "Coast Post",
        "a.txt",
        f"Ferry aground\n\nJuly 2, 2013 07:44\n\n{ferry}\n",
    )
    _story(
        tmp_path / "news" / "Harbour Daily",
        "b.txt",
        f"Ferry stuck off the harbour\n\nPublished: July 3, 2013 13:38 {ferry}\n",
    )
    # Read first (its folder sorts first), but reported earlier: listed after the ferry.
    _story(tmp_path / "news" / "A Valley Times", "c.txt", f"Bridge vote\n\nMay 5, 2011\n\n{vote}\n")
    result = briefbot("brief", "--json", str(tmp_path / "news"))
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)["events"]
    assert [len(e["sources"]) for e in events] == [2, 1]
    assert events[0]["headline"].startswith("Ferry")
    assert events[1]["headline"] == "Bridge vote"
    assert events[0]["first_seen"] == "2013-07-02T07:44:00+00:00"
    assert events[0]["last_updated"] == "2013-07-03T13:38:00+00:00"
    assert events[1]["first_seen"] == events[1]["last_updated"] == "2011-05-05T00:00:00+00:00"
    text = briefbot("brief", str(tmp_path / "news"), env={"BRIEFBOT_TIMEZONE": "Asia/Tokyo"})
    assert "first reported 2 Jul 16:44 JST · updated 3 Jul 22:38 JST" in text.stdout


def test_an_unknown_role_is_refused_naming_the_roles() -> None:
    result = briefbot("run", "--role", "delivery", "--role", "juggler")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unknown role juggler" in result.stderr and "telegram" in result.stderr
    assert briefbot("status", env={"BRIEFBOT_ROLES": "juggler"}).returncode == 1
