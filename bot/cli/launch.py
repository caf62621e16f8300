"""``make run``: start the bot when a token is configured, otherwise the offline demo."""

from __future__ import annotations

import sys

from bot.cli.app import app
from bot.config import ConfigError, load_settings


def main() -> None:
    """Choose between ``briefbot run`` and ``briefbot demo`` from the configuration."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    if settings.telegram_token is None:
        print(
            "No BRIEFBOT_TELEGRAM_TOKEN set, so running the offline demo "
            "(set it in the environment or .env to run the bot; see README).",
            flush=True,
        )
        app(["demo"])
    else:
        app(["run"])


if __name__ == "__main__":
    main()
