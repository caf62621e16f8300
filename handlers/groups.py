"""Groups: who may change a group's settings (its admins, asked with getChatMember, cached)."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from handlers.context import Context, translation

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
# A member promoted or demoted is seen within this long; Telegram is not asked on every command.
ADMIN_CACHE_SECONDS = 300.0
ADMINS = "group_admins"  # chat_data key: {user id: (is admin, checked at)}
_ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


async def is_group_admin(update: Update, context: Context) -> bool:
    """Tell whether the sender administers the group the update comes from."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    assert chat is not None
    # An anonymous admin writes as the group itself; only admins can do that.
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    if user is None:
        return False
    cache: dict[int, tuple[bool, float]] = (
        context.chat_data.setdefault(ADMINS, {}) if context.chat_data is not None else {}
    )
    known = cache.get(user.id)
    now = time.monotonic()
    if known is not None and now - known[1] < ADMIN_CACHE_SECONDS:
        return known[0]
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError:
        return False  # cannot tell: refuse, the admin can try again
    allowed = member.status in _ADMIN_STATUSES
    cache[user.id] = (allowed, now)
    return allowed


def group_admins_only(handler: Handler) -> Handler:
    """In a group, run ``handler`` only for the group's admins; in a private chat, always."""

    @wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        if is_group(update) and not await is_group_admin(update, context):
            t, _ = await translation(update, context)
            assert update.effective_message is not None
            await update.effective_message.reply_text(
                t.gettext("Only this group's admins can change its alerts and settings.")
            )
            return
        await handler(update, context)

    return guarded
