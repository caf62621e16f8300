"""Store a parsed article: new article, new version, unchanged or duplicate."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import numpy as np

from bot.briefing.text import normalize_space, words
from bot.ingest.minhash import MinHasher
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from storage.unit_of_work import UnitOfWork

NUM_PERM = 128
SHINGLE_WORDS = 3
# Too few shingles and two unrelated short texts look alike.
MIN_SHINGLES = 12
# Syndicated copies differ by a byline or a footer; rewrites of a story fall far below this.
DUPLICATE_JACCARD = 0.85
DUPLICATE_WINDOW = timedelta(days=7)
# Compare with at most this many of a source's newest articles, to keep each store cheap.
DUPLICATE_CANDIDATES = 300
FIRST_REFETCH = timedelta(minutes=15)
# Drawing the permutations is most of a MinHash's set-up; every fingerprint shares one draw.
_MINHASH = MinHasher(NUM_PERM)


def content_hash(title: str, text: str) -> str:
    """Hash an article's headline and text with white space normalised."""
    payload = normalize_space(title) + "\n" + normalize_space(text)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def fingerprint(text: str) -> bytes | None:
    """Return the MinHash of the text's word shingles, or None when it is too short to judge."""
    tokens = [w.lower() for w in words(text)]
    shingles = {
        " ".join(tokens[i : i + SHINGLE_WORDS]).encode("utf-8")
        for i in range(len(tokens) - SHINGLE_WORDS + 1)
    }
    if len(shingles) < MIN_SHINGLES:
        return None
    return bytes(_MINHASH.signature(shingles).astype(np.uint64).tobytes())


def similarity(a: bytes, b: bytes) -> float:
    """Estimate the Jaccard similarity of two fingerprints."""
    left = np.frombuffer(a, dtype=np.uint64)
    right = np.frombuffer(b, dtype=np.uint64)
    if left.shape != right.shape:
        return 0.0
    return float(np.mean(left == right))


def _closest(
    print_: bytes, candidates: list[tuple[int, str, bytes]]
) -> tuple[int, str, float] | None:
    usable = [(i, loc, f) for i, loc, f in candidates if len(f) == len(print_)]
    if not usable:
        return None
    matrix = np.frombuffer(b"".join(f for _, _, f in usable), dtype=np.uint64).reshape(
        len(usable), -1
    )
    scores = (matrix == np.frombuffer(print_, dtype=np.uint64)).mean(axis=1)
    best = int(np.argmax(scores))
    return usable[best][0], usable[best][1], float(scores[best])


def _duplicate(item: ParsedArticle, article_id: int, location: str, why: str) -> IngestResult:
    return IngestResult(
        item.location,
        Outcome.DUPLICATE,
        reason=f"same story as article {article_id} ({location}), {why}",
        article_id=article_id,
        title=item.title,
    )


async def _still_a_copy(uow: UnitOfWork, article_id: int, print_: bytes | None) -> bool:
    """Tell whether a fingerprint still matches any version of the article."""
    article = await uow.articles.get_article(article_id)
    if print_ is None or article is None:
        return False
    for version in article.versions:
        known = fingerprint(version.text)
        if known is not None and similarity(print_, known) >= DUPLICATE_JACCARD:
            return True
    return False


async def store_article(
    uow: UnitOfWork,
    item: ParsedArticle,
    *,
    now: datetime,
    source_ids: dict[str, int] | None = None,
) -> IngestResult:
    """Store ``item`` as a new article, a new version of a known one, or report a duplicate.

    A duplicate's identity is kept as an alias of the article it copies, so the copy stays a
    duplicate however late it comes back. A copy that comes back edited stays one while it still
    matches some version of that article; rewritten beyond that it is no longer a copy, so its
    alias is dropped and it is stored like an unseen item (nothing the copy says is lost, and the
    article's own versions never mix in a copy's text).

    ``source_ids`` caches source ids by name across calls; the caller drops it when a unit of
    work rolls back, since a source created there is gone.
    """
    digest = content_hash(item.title, item.text)
    existing = await uow.articles.get_article_by_identity(item.identity)
    if existing is not None:
        if await uow.articles.get_latest_hash(existing.id) == digest:
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
            fingerprint=fingerprint(item.text),
        )
        return IngestResult(
            item.location, Outcome.VERSION, article_id=existing.id, title=item.title
        )
    alias = await uow.articles.get_alias(item.identity)
    # The same copy again is a duplicate at once: no fingerprint, no search of the source.
    if alias is not None and alias.content_hash == digest:
        return _duplicate(item, alias.article_id, alias.article_location, "a copy seen before")
    print_ = fingerprint(item.text)
    if alias is not None:
        if await _still_a_copy(uow, alias.article_id, print_):
            return _duplicate(item, alias.article_id, alias.article_location, "a copy seen before")
        await uow.articles.remove_alias(item.identity)
    source_id = source_ids.get(item.source) if source_ids is not None else None
    if source_id is None:
        source_id = await uow.sources.get_or_create_id(item.source, now=now)
        if source_ids is not None:
            source_ids[item.source] = source_id
    if print_ is not None:
        candidates = await uow.articles.list_recent_fingerprints(
            source_id, since=now - DUPLICATE_WINDOW, limit=DUPLICATE_CANDIDATES
        )
        closest = _closest(print_, candidates)
        if closest is not None and closest[2] >= DUPLICATE_JACCARD:
            article_id, location, score = closest
            # Remembered for good: the window and the candidate limit only bound the search.
            await uow.articles.add_alias(
                identity=item.identity, article_id=article_id, content_hash=digest, now=now
            )
            return _duplicate(item, article_id, location, f"{score:.0%} alike")
    article_id = await uow.articles.add(
        identity=item.identity,
        source_id=source_id,
        location=item.location,
        fingerprint=print_,
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
        number=1,
    )
    if item.refetch:
        await uow.articles.set_refetch(article_id, now + FIRST_REFETCH)
    return IngestResult(item.location, Outcome.NEW, article_id=article_id, title=item.title)
