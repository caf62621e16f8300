"""Admin commands and document uploads; everyone else gets a polite refusal."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from html import escape
from typing import Any

from telegram import Update

from bot.ingest.model import Outcome
from handlers import texts
from handlers.context import Context, argument, runtime
from handlers.render import split_html_sections

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def admin_only(handler: Handler) -> Handler:
    """Refuse the update unless it comes from one of settings.admin_ids."""

    @wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        user = update.effective_user
        if not runtime(context).services.admin.is_admin(user.id if user else None):
            assert update.effective_message is not None
            await update.effective_message.reply_text(texts.ADMIN_ONLY)
            return
        await handler(update, context)

    return guarded


async def _reply(update: Update, text: str) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_html(text, disable_web_page_preview=True)


@admin_only
async def add_feed(update: Update, context: Context) -> None:
    """Add a feed to poll."""
    url = argument(context)
    if not url or " " in url:
        await _reply(update, "Usage: /addfeed URL, e.g. /addfeed https://example.org/rss.xml")
        return
    try:
        feed, added = await runtime(context).services.admin.add_feed(url)
    except ValueError as exc:
        await _reply(update, f"Cannot add that feed: {escape(str(exc))}")
        return
    described = f"{feed.id}: {escape(feed.name)} &lt;{escape(feed.url)}&gt;"
    if added:
        await _reply(update, f"Feed {described}. It will be polled within a minute.")
    else:
        await _reply(update, f"Feed {described} is already there (unchanged).")


@admin_only
async def remove_feed(update: Update, context: Context) -> None:
    """Stop polling a feed."""
    ref = argument(context)
    if not ref:
        await _reply(update, "Usage: /removefeed ID or URL (see /feeds)")
        return
    feed = await runtime(context).services.admin.remove_feed(ref)
    if feed is None:
        await _reply(update, f"No feed {escape(ref)}; see /feeds.")
        return
    await _reply(update, f"Removed feed {feed.id}: {escape(feed.url)}")


@admin_only
async def list_feeds(update: Update, context: Context) -> None:
    """List feeds with their state and errors."""
    feeds = await runtime(context).services.admin.feeds()
    if not feeds:
        await _reply(update, "No feeds yet: add one with /addfeed URL.")
        return
    sections = [f"<b>Feeds</b> ({len(feeds)})"]
    for f in feeds:
        state = (
            "never polled"
            if f.last_polled_at is None
            else f"polled {f.last_polled_at:%d %b %H:%M} UTC"
        )
        line = f"{f.id}. {escape(f.name)} — {state}"
        if f.last_error:
            line += f"\n    ⚠️ {f.error_count}× {escape(f.last_error[:200])}"
        sections.append(line)
    # Many feeds take several messages; cutting the text would break a tag or an entity.
    for part in split_html_sections(sections):
        await _reply(update, part)


@admin_only
async def stats(update: Update, context: Context) -> None:
    """Show counts of what is stored and queued."""
    result = await runtime(context).services.admin.stats()
    c = result.counts
    outbox = ", ".join(f"{n} {state}" for state, n in sorted(result.outbox.items())) or "empty"
    await _reply(
        update,
        "<b>Stats</b>\n"
        f"Feeds: {c.feeds} ({c.failing_feeds} failing)\n"
        f"Sources: {c.sources}\nArticles: {c.articles} ({c.versions} versions)\n"
        f"Events: {c.events}\nSubscribers: {c.subscribers}\nOutbox: {outbox}",
    )


@admin_only
async def document(update: Update, context: Context) -> None:
    """Download an article file an admin sent and ingest it."""
    message = update.effective_message
    assert message is not None and message.document is not None
    doc = message.document
    limit = runtime(context).services.settings.max_file_bytes
    if doc.file_size is not None and doc.file_size > limit:
        await _reply(update, f"That file is {doc.file_size:,} bytes; the limit is {limit:,}.")
        return
    file = await doc.get_file()
    data = bytes(await file.download_as_bytearray())
    name = doc.file_name or "upload.txt"
    result = await runtime(context).services.admin.ingest_document(data, filename=name)
    runtime(context).after_ingest()
    line = f"{escape(name)}: {result.outcome.value}"
    if result.event_id is not None:
        line += f" (event {result.event_id})"
    if result.reason:
        line += f" — {escape(result.reason)}"
    if result.outcome is Outcome.REJECTED:
        line += "\nSend .txt, .md, .html or .json article files."
    await _reply(update, line)
