"""What a handler reaches of the process: the services, and the command's arguments."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackContext

from bot.i18n import Translator, pick, translator
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


LANGUAGE = "language"  # chat_data key: the chat's language, once looked up


async def chat_language(update: Update, context: Context) -> str:
    """Return the chat's language: its choice, else its user's Telegram language, else English."""
    cache = context.chat_data if context.chat_data is not None else {}
    cached = cache.get(LANGUAGE)
    if isinstance(cached, str):
        return cached
    stored = None
    if update.effective_chat is not None:
        stored = await services(context).subscribers.language(update.effective_chat.id)
    user = update.effective_user
    language = pick(stored, user.language_code if user else None)
    cache[LANGUAGE] = language
    return language


def remember_language(context: Context, language: str) -> None:
    """Use ``language`` for this chat's next replies (after /language changed it)."""
    if context.chat_data is not None:
        context.chat_data[LANGUAGE] = language


async def translation(update: Update, context: Context) -> tuple[Translator, str]:
    """Return the chat's translator and its language code."""
    language = await chat_language(update, context)
    return translator(language), language
