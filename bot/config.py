"""The one place where configuration is read: ``BRIEFBOT_*`` variables and an optional ``.env``."""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API_URL = "https://api.telegram.org"
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: str) -> time:
    """Parse ``HH:MM`` (24-hour clock) or raise ValueError saying what is allowed."""
    match = _HHMM.match(value.strip())
    if not match:
        raise ValueError(
            f"{value!r} is not a time of day; use HH:MM on a 24-hour clock, e.g. 07:30"
        )
    return time(int(match.group(1)), int(match.group(2)))


class UnknownZone(ValueError):
    """A time zone name matched nothing; ``suggestions`` are the closest real names."""

    def __init__(self, value: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"{value!r} is not an IANA time zone; use a name like Europe/Berlin or UTC{hint}"
        )
        self.value = value
        self.suggestions = suggestions


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


@functools.cache
def _zones_by_city() -> dict[str, str]:
    """Map a city ("berlin", "new_york") to its zone when exactly one canonical zone has it."""
    cities: dict[str, list[str]] = {}
    for name in zoneinfo.available_timezones():
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
            cities.setdefault(name.rsplit("/", 1)[1].casefold(), []).append(name)
    return {city: names[0] for city, names in cities.items() if len(names) == 1}


def suggest_timezones(value: str, *, limit: int = 3) -> list[str]:
    """Return the real zone names closest to ``value`` (by whole name and by city)."""
    from rapidfuzz import fuzz, process, utils

    names = _zones_by_folded_name()
    folded = value.casefold().replace(" ", "_")
    found = process.extract(
        folded, list(names), scorer=fuzz.WRatio, processor=utils.default_process, limit=limit * 2
    )
    best = found[0][1] if found else 0.0
    good = [names[match] for match, score, _ in found if score >= max(70.0, best - 5.0)]
    return list(dict.fromkeys(good))[:limit]


def parse_timezone(value: str) -> ZoneInfo:
    """Return the IANA zone named ``value`` in any letter case, or raise UnknownZone.

    ``europe/berlin`` and ``berlin`` are Europe/Berlin; a typo raises with the closest names as
    suggestions.
    """
    if not value or value.startswith(("/", ".")) or ".." in value or len(value) > 64:
        raise UnknownZone(value, [])
    folded = value.casefold().replace(" ", "_")
    name = _zones_by_folded_name().get(folded) or _zones_by_city().get(folded)
    if name is None:
        raise UnknownZone(value, suggest_timezones(value))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownZone(value, []) from None


class Settings(BaseSettings):
    """Everything briefbot can be configured with (environment prefix ``BRIEFBOT_``)."""

    model_config = SettingsConfigDict(
        env_prefix="BRIEFBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_API_URL
    database_url: str = "sqlite:///./data/briefbot.db"
    inbox_dir: Path = Path("./inbox")
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "UTC"
    digest_time: str = "07:30"
    poll_interval: int = Field(default=900, ge=30, le=86_400)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    allow_private_feeds: bool = False
    max_file_bytes: int = Field(default=5_000_000, ge=1_000, le=200_000_000)
    alert_min_sources: int = Field(default=2, ge=1, le=50)
    alert_window_minutes: int = Field(default=30, ge=0, le=1440)
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None

    @field_validator("telegram_token", "webhook_url", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError(
                    "must be Telegram user ids (whole numbers) separated by commas"
                ) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        parse_timezone(value)
        return value

    @field_validator("digest_time")
    @classmethod
    def _valid_time(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def zone(self) -> ZoneInfo:
        return parse_timezone(self.timezone)

    @property
    def default_digest_time(self) -> time:
        return parse_hhmm(self.digest_time)


class ConfigError(Exception):
    """Configuration is invalid; the message names each variable and what is allowed."""


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one readable message without secrets."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "BRIEFBOT_" + "_".join(str(p) for p in err["loc"]).upper()
            message = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"{name}: {message}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
