"""The one error handler: log the failure and tell the admins in plain words."""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.error import TelegramError

from handlers.context import Context, services, translation

log = logging.getLogger(__name__)

# Admins hear about errors at most once in this many seconds; the next message counts the rest
# (a burst of failing commands must not become a burst of DMs).
ADMIN_DM_INTERVAL = 60.0


async def on_error(update: object, context: Context) -> None:
    """Log an exception raised while handling an update and tell each admin briefly."""
    error = context.error
    log.error("error while handling an update", exc_info=error)
    what = f"{type(error).__name__}: {error}"[:300]
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            t, _ = await translation(update, context)
            await context.bot.send_message(
                update.effective_chat.id,
                t.gettext("Sorry, something went wrong. The admins were told."),
            )
        except Exception:  # the error may be the database itself
            log.warning("could not tell chat %s about the error", update.effective_chat.id)
    state = context.application.bot_data.setdefault("error_dms", {"last": None, "held": 0})
    now = time.monotonic()
    if state["last"] is not None and now - state["last"] < ADMIN_DM_INTERVAL:
        state["held"] += 1
        return
    held, state["last"], state["held"] = state["held"], now, 0
    more = f" ({held} more error(s) before this one were not reported)" if held else ""
    for admin_id in services(context).settings.admin_ids:
        try:
            await context.bot.send_message(
                admin_id,
                f"briefbot hit an error while handling an update: {what}.{more} See the logs.",
            )
        except TelegramError:
            log.warning("could not tell admin %s about an error", admin_id)
