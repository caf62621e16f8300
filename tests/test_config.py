"""Settings: defaults, validation messages that name the variable, secrets kept secret."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake1"


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIEFBOT_DATABASE_URL")
    monkeypatch.delenv("BRIEFBOT_INBOX_DIR")
    settings = load_settings()
    assert settings.telegram_token is None
    assert settings.database_url == "sqlite:///./data/briefbot.db"
    assert settings.inbox_dir == Path("inbox")
    assert settings.timezone == "UTC"
    assert settings.default_digest_time == time(7, 30)
    assert settings.telegram_api_url == "https://api.telegram.org"


def test_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFBOT_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("BRIEFBOT_ADMIN_IDS", "42, 7 99")
    monkeypatch.setenv("BRIEFBOT_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("BRIEFBOT_DIGEST_TIME", "6:05")
    monkeypatch.setenv("BRIEFBOT_LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.admin_ids == frozenset({42, 7, 99})
    assert settings.zone.key == "Europe/Berlin"
    assert settings.default_digest_time == time(6, 5)
    assert settings.log_level == "DEBUG"
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BRIEFBOT_POLL_INTERVAL=120\n", encoding="utf-8")
    assert load_settings().poll_interval == 120


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "BRIEFBOT_TIMEZONE",
            "Mars/Olympus",
            "BRIEFBOT_TIMEZONE: 'Mars/Olympus' is not an IANA time zone",
        ),
        ("BRIEFBOT_DIGEST_TIME", "25:00", "BRIEFBOT_DIGEST_TIME: '25:00' is not a time of day"),
        ("BRIEFBOT_ADMIN_IDS", "alice", "BRIEFBOT_ADMIN_IDS: must be Telegram user ids"),
        ("BRIEFBOT_POLL_INTERVAL", "5", "BRIEFBOT_POLL_INTERVAL"),
        ("BRIEFBOT_LOG_FORMAT", "xml", "BRIEFBOT_LOG_FORMAT"),
        ("BRIEFBOT_TELEGRAM_API_URL", "ftp://x", "BRIEFBOT_TELEGRAM_API_URL: must start with http"),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv("BRIEFBOT_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert expected in str(info.value)
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize(
    "token",
    ["your-token-here", "123456:replace-me-with-the-real-one", "<token>", "abc:def", "123456789"],
)
def test_a_placeholder_token_is_refused_without_being_echoed(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("BRIEFBOT_TELEGRAM_TOKEN", token)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "BRIEFBOT_TELEGRAM_TOKEN: is not a bot token" in str(info.value)
    assert token not in str(info.value)


def test_a_real_token_is_accepted_even_when_it_spells_a_word() -> None:
    for token in (
        "7012345678:AAyourXXXXchange0replaceZZZZexample12",
        "123456:TEST-token-never-real",
    ):
        settings = load_settings(telegram_token=token)
        assert settings.telegram_token is not None
        assert settings.telegram_token.get_secret_value() == token


def test_a_webhook_url_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFBOT_WEBHOOK_URL", "https://bot.example.org/telegram")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "BRIEFBOT_WEBHOOK_SECRET is required with BRIEFBOT_WEBHOOK_URL" in str(info.value)

    monkeypatch.setenv("BRIEFBOT_WEBHOOK_SECRET", "s3cret-token_1")
    assert load_settings().webhook_url == "https://bot.example.org/telegram"
