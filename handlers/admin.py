"""Admin commands and document uploads; everyone else gets a polite refusal."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from html import escape
from typing import Any

from telegram import InputFile, Update

from bot.i18n import Translator
from bot.ingest.model import Outcome
from bot.render import replies as texts
from bot.render.split import split_html_sections
from bot.services.feeds import FeedRefused, FeedStatus
from handlers.context import Context, services, translation

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
FORCE = "--force"
OPML_SUFFIXES = (".opml", ".xml")


def admin_only(handler: Handler) -> Handler:
    """Refuse the update unless it comes from one of settings.admin_ids."""

    @wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        user = update.effective_user
        if not services(context).is_admin(user.id if user else None):
            t, _ = await translation(update, context)
            assert update.effective_message is not None
            await update.effective_message.reply_text(texts.admin_only(t))
            return
        await handler(update, context)

    return guarded


async def _reply(update: Update, text: str) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_html(text, disable_web_page_preview=True)


@admin_only
async def add_feed(update: Update, context: Context) -> None:
    """Check a feed once and add it, named by its own title or the name given."""
    t, _ = await translation(update, context)
    args = list(context.args or [])
    force = FORCE in args
    words = [a for a in args if a != FORCE]
    if not words:
        usage = t.gettext(
            "Usage: /addfeed URL [name], e.g. /addfeed https://example.org/rss.xml Example News"
        )
        await _reply(update, usage)
        return
    url, name = words[0], " ".join(words[1:]) or None
    try:
        result = await services(context).feeds.add(url, name=name, force=force)
    except FeedRefused as exc:
        text = t.gettext("Cannot add that feed: {reason}").format(reason=escape(str(exc)))
        hint = t.gettext("Send /addfeed {url} --force to add it anyway.").format(url=escape(url))
        await _reply(update, f"{text}\n{hint}")
        return
    feed = result.feed
    described = f"{feed.id}: <b>{escape(feed.name)}</b> &lt;{escape(feed.url)}&gt;"
    if not result.added:
        reply = t.gettext("Feed {feed} is already there (unchanged).").format(feed=described)
    else:
        reply = t.gettext("Feed {feed}. It will be polled within a minute.").format(feed=described)
        if result.problem:
            reply += "\n⚠️ " + t.gettext("Added anyway: {reason}").format(
                reason=escape(result.problem)
            )
    await _reply(update, reply)


@admin_only
async def remove_feed(update: Update, context: Context) -> None:
    """Stop polling a feed."""
    t, _ = await translation(update, context)
    ref = " ".join(context.args or []).strip()
    if not ref:
        await _reply(update, t.gettext("Usage: /removefeed ID or URL (see /feeds)"))
        return
    feed = await services(context).feeds.remove(ref)
    if feed is None:
        await _reply(update, t.gettext("No feed {ref}; see /feeds.").format(ref=escape(ref)))
        return
    reply = t.gettext("Removed feed {id}: {name} &lt;{url}&gt;").format(
        id=feed.id, name=escape(feed.name), url=escape(feed.url)
    )
    await _reply(update, reply)


def _feed_section(t: Translator, status: FeedStatus, language: str) -> str:
    f = status.feed
    success = (
        t.gettext("never") if f.last_success_at is None else texts.when(f.last_success_at, language)
    )
    articles = t.ngettext("{count} article", "{count} articles", status.articles).format(
        count=status.articles
    )
    lines = [
        f"{f.id}. <b>{escape(f.name)}</b>",
        f"    {escape(f.url)}",
        "    "
        + t.gettext("Last success: {when} · {articles}").format(when=success, articles=articles),
    ]
    if f.last_error:
        failures = t.ngettext("{count} failure", "{count} failures", f.error_count).format(
            count=f.error_count
        )
        lines.append(f"    ⚠️ {failures}: {escape(f.last_error[:200])}")
    return "\n".join(lines)


@admin_only
async def list_feeds(update: Update, context: Context) -> None:
    """List feeds: name, URL, last success, error and article count."""
    t, language = await translation(update, context)
    feeds = await services(context).feeds.list()
    if not feeds:
        await _reply(update, t.gettext("No feeds yet: add one with /addfeed URL."))
        return
    sections = [t.gettext("<b>Feeds</b> ({count})").format(count=len(feeds))]
    sections += [_feed_section(t, status, language) for status in feeds]
    # Many feeds take several messages; cutting the text would break a tag or an entity.
    for part in split_html_sections(sections):
        await _reply(update, part)


@admin_only
async def export_feeds(update: Update, context: Context) -> None:
    """Send every feed as an OPML file."""
    t, _ = await translation(update, context)
    data = await services(context).feeds.export_opml()
    assert update.effective_message is not None
    await update.effective_message.reply_document(
        InputFile(data, filename="briefbot-feeds.opml"),
        caption=t.gettext("Your feeds as OPML: send this file back to a briefbot to import them."),
    )


@admin_only
async def stats(update: Update, context: Context) -> None:
    """Show counts of what is stored and queued."""
    t, _ = await translation(update, context)
    result = await services(context).status.status()
    c = result.counts
    outbox = ", ".join(f"{n} {state}" for state, n in sorted(result.outbox.items())) or "—"
    lines = [
        t.gettext("<b>Stats</b>"),
        t.gettext("Feeds: {feeds} ({failing} failing)").format(
            feeds=c.feeds, failing=c.failing_feeds
        ),
        t.gettext("Sources: {count}").format(count=c.sources),
        t.gettext("Articles: {count} ({versions} versions)").format(
            count=c.articles, versions=c.versions
        ),
        t.gettext("Events: {count}").format(count=c.events),
        t.gettext("Subscribers: {count}").format(count=c.subscribers),
        t.gettext("Outbox: {outbox}").format(outbox=outbox),
    ]
    await _reply(update, "\n".join(lines))


async def _import_opml(update: Update, context: Context, data: bytes, t: Translator) -> None:
    try:
        report = await services(context).feeds.import_opml(data)
    except FeedRefused as exc:
        await _reply(update, t.gettext("Cannot import: {reason}").format(reason=escape(str(exc))))
        return
    lines = [
        t.gettext(
            "OPML import: {added} added, {existing} already there, {refused} refused."
        ).format(
            added=len(report.added), existing=len(report.existing), refused=len(report.refused)
        )
    ]
    lines += [f"+ {escape(f.name)} &lt;{escape(f.url)}&gt;" for f in report.added[:30]]
    lines += [f"✗ {escape(url)}: {escape(reason)}" for url, reason in report.refused[:30]]
    for part in split_html_sections(lines):
        await _reply(update, part)


@admin_only
async def document(update: Update, context: Context) -> None:
    """Import an .opml file an admin sent, or ingest an article file."""
    t, _ = await translation(update, context)
    message = update.effective_message
    assert message is not None and message.document is not None
    doc = message.document
    limit = services(context).settings.max_file_bytes
    if doc.file_size is not None and doc.file_size > limit:
        text = t.gettext("That file is {size} bytes; the limit is {limit}.").format(
            size=f"{doc.file_size:,}", limit=f"{limit:,}"
        )
        await _reply(update, text)
        return
    file = await doc.get_file()
    data = bytes(await file.download_as_bytearray())
    name = doc.file_name or "upload.txt"
    if name.lower().endswith(OPML_SUFFIXES) and b"<opml" in data[:4096].lower():
        await _import_opml(update, context, data, t)
        return
    result = await services(context).uploads.ingest_document(data, filename=name)
    line = f"{escape(name)}: {result.outcome.value}"
    if result.event_id is not None:
        headline = await services(context).lookup.headline(result.event_id)
        event = t.gettext("event {id}").format(id=result.event_id)
        line += f" ({event}: <b>{escape(headline)}</b>)" if headline else f" ({event})"
    if result.reason:
        line += f" — {escape(result.reason)}"
    if result.outcome is Outcome.REJECTED:
        line += "\n" + t.gettext("Send .txt, .md, .html or .json article files, or an .opml file.")
    await _reply(update, line)
