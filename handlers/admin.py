"""Admin commands and document uploads; everyone else gets a polite refusal."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from html import escape
from typing import Any

from telegram import Update

from bot.ingest.model import Outcome
from bot.render import replies
from handlers.context import Context, argument, services
from handlers.respond import reply

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def admin_only(handler: Handler) -> Handler:
    """Refuse the update unless it comes from one of settings.admin_ids."""

    @wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        user = update.effective_user
        if not services(context).is_admin(user.id if user else None):
            assert update.effective_message is not None
            await update.effective_message.reply_text(replies.ADMIN_ONLY)
            return
        await handler(update, context)

    return guarded


@admin_only
async def add_feed(update: Update, context: Context) -> None:
    """Add a feed to poll."""
    url = argument(context)
    if not url or " " in url:
        await reply(update, "Usage: /addfeed URL, e.g. /addfeed https://example.org/rss.xml")
        return
    try:
        feed, added = await services(context).feeds.add(url)
    except ValueError as exc:
        await reply(update, f"Cannot add that feed: {escape(str(exc))}")
        return
    if added:
        await reply(update, f"Feed {replies.feed_html(feed)}. It will be polled within a minute.")
    else:
        await reply(update, f"Feed {replies.feed_html(feed)} is already there (unchanged).")


@admin_only
async def remove_feed(update: Update, context: Context) -> None:
    """Stop polling a feed."""
    ref = argument(context)
    if not ref:
        await reply(update, "Usage: /removefeed ID or URL (see /feeds)")
        return
    feed = await services(context).feeds.remove(ref)
    if feed is None:
        await reply(update, f"No feed {escape(ref)}; see /feeds.")
        return
    await reply(update, f"Removed feed {feed.id}: {escape(feed.url)}")


@admin_only
async def list_feeds(update: Update, context: Context) -> None:
    """List feeds with their state and errors."""
    feeds = await services(context).feeds.list()
    if not feeds:
        await reply(update, "No feeds yet: add one with /addfeed URL.")
        return
    await reply(update, *replies.feeds_html(feeds))


@admin_only
async def show_stats(update: Update, context: Context) -> None:
    """Show counts of what is stored and queued."""
    status = await services(context).status.status()
    await reply(update, replies.stats_html(status.counts, status.outbox))


@admin_only
async def ingest_document(update: Update, context: Context) -> None:
    """Download an article file an admin sent and ingest it."""
    message = update.effective_message
    assert message is not None and message.document is not None
    doc = message.document
    limit = services(context).settings.max_file_bytes
    if doc.file_size is not None and doc.file_size > limit:
        await reply(update, f"That file is {doc.file_size:,} bytes; the limit is {limit:,}.")
        return
    file = await doc.get_file()
    data = bytes(await file.download_as_bytearray())
    name = doc.file_name or "upload.txt"
    result = await services(context).uploads.ingest_document(data, filename=name)
    await reply(
        update,
        replies.ingested_html(
            name,
            result.outcome.value,
            event_id=result.event_id,
            reason=result.reason,
            rejected=result.outcome is Outcome.REJECTED,
        ),
    )
