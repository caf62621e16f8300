"""Store a parsed article: new article, new version, unchanged or duplicate."""

from __future__ import annotations

import hashlib
from datetime import datetime

from bot.briefing.text import normalize_space
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from storage.unit_of_work import UnitOfWork


def content_hash(title: str, text: str) -> str:
    """Hash an article's headline and text with white space normalised."""
    payload = normalize_space(title) + "\n" + normalize_space(text)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


async def store_article(uow: UnitOfWork, item: ParsedArticle, *, now: datetime) -> IngestResult:
    """Store ``item`` as a new article or a new version of a known one."""
    digest = content_hash(item.title, item.text)
    existing = await uow.articles.get_by_identity(item.identity)
    if existing is not None:
        if await uow.articles.latest_hash(existing.id) == digest:
            return IngestResult(
                item.location, Outcome.UNCHANGED, article_id=existing.id, title=item.title
            )
        await uow.articles.add_version(
            article_id=existing.id,
            title=item.title,
            text=item.text,
            content_hash=digest,
            published=item.published or existing.published,
            updated=item.updated,
            now=now,
        )
        return IngestResult(
            item.location, Outcome.VERSION, article_id=existing.id, title=item.title
        )
    source_id = await uow.sources.get_or_create(item.source, now=now)
    article_id = await uow.articles.add(
        identity=item.identity,
        source_id=source_id,
        location=item.location,
        fingerprint=None,
        now=now,
    )
    await uow.articles.add_version(
        article_id=article_id,
        title=item.title,
        text=item.text,
        content_hash=digest,
        published=item.published,
        updated=item.updated,
        now=now,
    )
    return IngestResult(item.location, Outcome.NEW, article_id=article_id, title=item.title)
