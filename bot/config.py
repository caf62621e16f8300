"""The one place where configuration is read: ``BRIEFBOT_*`` variables and an optional ``.env``."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.times import parse_hhmm, parse_timezone

DEFAULT_API_URL = "https://api.telegram.org"
# What @BotFather hands out: the bot's numeric id, a colon, then a secret of URL-safe characters.
_TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{10,}$")
# Words that mark a value copied from an example rather than a real token. Only whole words
# between - or _ count: a real token's random characters may well contain "your" or "xxxx".
_PLACEHOLDER_WORDS = frozenset(
    {"your", "change", "changeme", "replace", "placeholder", "example", "paste", "insert"}
)


# What a `briefbot run` may do when several share one PostgreSQL database (see bot.roles).
ROLE_NAMES: tuple[str, ...] = ("telegram", "events", "digests", "delivery", "feeds")


def parse_roles(value: str) -> frozenset[str]:
    """Return the roles named (commas or spaces between, "all" for all); ValueError if unknown."""
    names = {n for n in value.replace(",", " ").lower().split() if n}
    if not names or "all" in names:
        return frozenset(ROLE_NAMES)
    unknown = sorted(names - set(ROLE_NAMES))
    if unknown:
        raise ValueError(
            f"unknown role {', '.join(unknown)}: choose from {', '.join(ROLE_NAMES)} or all"
        )
    return frozenset(names)


class Settings(BaseSettings):
    """Everything briefbot can be configured with (environment prefix ``BRIEFBOT_``)."""

    model_config = SettingsConfigDict(
        env_prefix="BRIEFBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_API_URL
    database_url: str = "sqlite:///./data/briefbot.db"
    inbox_dir: Path = Path("./inbox")
    health_file: Path = Path("./data/health.json")
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
    # Roles this process may take with several processes on PostgreSQL ("all": any).
    roles: str = "all"

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

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: str) -> str:
        parse_roles(value)
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

    @field_validator("telegram_token")
    @classmethod
    def _real_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        token = value.get_secret_value().strip()
        words = set(re.split(r"[-_]", token.partition(":")[2].lower()))
        if not _TOKEN_SHAPE.match(token) or words & _PLACEHOLDER_WORDS:
            # Never echo the value: it may be a real token pasted with a typo.
            raise ValueError(
                "is not a bot token (it looks like a placeholder); paste the token @BotFather "
                "gave you (digits, a colon, then a long secret), or leave it empty for the offline demo"
            )
        return SecretStr(token)

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Self:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError(
                "BRIEFBOT_WEBHOOK_SECRET is required with BRIEFBOT_WEBHOOK_URL "
                "(Telegram sends it with every update so strangers cannot post to the webhook)"
            )
        return self

    @property
    def role_set(self) -> frozenset[str]:
        return parse_roles(self.roles)

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
            message = str(err["msg"]).removeprefix("Value error, ")
            if not err["loc"]:  # a rule across fields names its variables itself
                lines.append(message)
                continue
            name = "BRIEFBOT_" + "_".join(str(p) for p in err["loc"]).upper()
            lines.append(f"{name}: {message}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
