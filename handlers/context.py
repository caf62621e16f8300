"""What a handler reaches of the process: the services, and the command's arguments."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext

from bot.services.container import Services

Context = CallbackContext[Any, dict[Any, Any], dict[Any, Any], dict[Any, Any]]

# The bot_data key bot.app.build_application stores the services under.
SERVICES = "services"


def services(context: Context) -> Services:
    """Return the process's services."""
    found = context.application.bot_data[SERVICES]
    assert isinstance(found, Services)
    return found


def argument(context: Context) -> str:
    """Return the command's arguments as one string."""
    return " ".join(context.args or []).strip()
