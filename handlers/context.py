"""Reach the process's services from a handler."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext

if TYPE_CHECKING:
    from bot.jobs import Runtime

Context = CallbackContext[Any, dict[Any, Any], dict[Any, Any], dict[Any, Any]]


def runtime(context: Context) -> Runtime:
    """Return the Runtime that bot.app.build_application stored in bot_data."""
    return context.application.bot_data["runtime"]  # type: ignore[no-any-return]


def argument(context: Context) -> str:
    """Return the command's arguments as one string."""
    return " ".join(context.args or []).strip()
