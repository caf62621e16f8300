"""Store a parsed article: new article, new version, unchanged or duplicate."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

import numpy as np

from bot.briefing.model import Article, Document, Version
from bot.events.service import document_of
from bot.ingest.dedupe import content_hash, fingerprint, similarity
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from storage.records import AliasRecord, StoredArticle
from storage.unit_of_work import UnitOfWork

# Syndicated copies differ by a byline or a footer; rewrites of a story fall far below this.
DUPLICATE_JACCARD = 0.85
DUPLICATE_WINDOW = timedelta(days=7)
# Compare with at most this many of a source's newest articles, to keep each store cheap.
DUPLICATE_CANDIDATES = 300
FIRST_REFETCH = timedelta(minutes=15)


def _duplicate(item: ParsedArticle, article_id: int, location: str, why: str) -> IngestResult:
    return IngestResult(
        item.location,
        Outcome.DUPLICATE,
        reason=f"same story as article {article_id} ({location}), {why}",
        article_id=article_id,
        title=item.title,
    )


def _fingerprint(item: ParsedArticle) -> bytes | None:
    """Return the item's fingerprint, as a parsing worker worked it out when one did."""
    return item.analysis.fingerprint if item.analysis is not None else fingerprint(item.text)


def _document(article: Article, item: ParsedArticle) -> Document:
    """Return what the clusterer sees of ``article``, whose latest version is ``item``'s."""
    return document_of(article, item.analysis.text if item.analysis is not None else None)


def _utc(moment: datetime | None) -> datetime | None:
    """Return a moment as the database gives it back: aware UTC."""
    return None if moment is None else moment.astimezone(UTC)


class Placer(Protocol):
    """Places stored articles into events within the store's unit of work (the event service)."""

    async def event_for(self, doc: Document, current: int | None, *, now: datetime) -> int:
        """Return the event ``doc`` goes to (``current`` when it has one), creating it if new."""
        ...

    async def write_events(self) -> None:
        """Write the events ``event_for`` created and has not written yet."""
        ...

    def expect(self, count: int) -> None:
        """Note that up to ``count`` more articles may be placed in this unit of work."""
        ...

    def placed(self, article: Article, doc: Document, event_id: int, *, now: datetime) -> None:
        """Record that ``article`` (as ``doc``) is in ``event_id`` now."""
        ...


@dataclass(slots=True)
class _Print:
    article_id: int
    location: str
    first_seen: datetime
    print_: bytes


def _micros(moment: datetime) -> int:
    """Return a moment as whole microseconds since the epoch (exact, unlike a float)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _SourcePrints:
    """A source's newest fingerprints, oldest first, kept stacked as rows of one array.

    A new article's fingerprint is compared with all of them at once; the rows follow the list
    as it grows at its end and is cut at its start (the usual changes), and are stacked again
    after any other change.
    """

    __slots__ = ("_rows", "_start", "_times", "entries")

    def __init__(self) -> None:
        self.entries: list[_Print] = []
        self._rows: np.ndarray | None = None
        self._times = np.zeros(0, dtype=np.int64)
        # The row of entries[0] (rows before it were cut off).
        self._start = 0

    def extend(self, added: list[_Print]) -> None:
        """Add entries at the end (newer ids), then keep only the newest candidates."""
        self.entries += added
        rows = self._rows
        if rows is not None:
            end = self._start + len(self.entries)
            same = all(len(p.print_) == 8 * rows.shape[1] for p in added)
            if same and end <= len(rows):
                for n, entry in enumerate(added, start=end - len(added)):
                    rows[n] = np.frombuffer(entry.print_, dtype=np.uint64)
                    self._times[n] = _micros(entry.first_seen)
            else:
                self._rows = None
        cut = max(0, len(self.entries) - DUPLICATE_CANDIDATES)
        del self.entries[:cut]
        self._start += cut

    def insert(self, at: int, entry: _Print) -> None:
        """Insert an entry at ``at``, then keep only the newest candidates."""
        if at == len(self.entries):
            self.extend([entry])
            return
        self.entries.insert(at, entry)
        self.changed()
        del self.entries[: max(0, len(self.entries) - DUPLICATE_CANDIDATES)]

    def changed(self) -> None:
        """Note that an entry changed in place: stack the rows again when next compared."""
        self._rows = None

    def _stacked(self, width: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Return the rows and first-seen times of the entries, None when their widths differ."""
        if self._rows is None or self._rows.shape[1] != width:
            if any(len(p.print_) != 8 * width for p in self.entries):
                return None
            # Room to grow by as many again (a source with few articles gets a small stack:
            # a poll cycle touches hundreds of sources).
            room = min(2 * DUPLICATE_CANDIDATES, max(8, 2 * len(self.entries)))
            rows = np.empty((room, width), dtype=np.uint64)
            times = np.empty(room, dtype=np.int64)
            for n, entry in enumerate(self.entries):
                rows[n] = np.frombuffer(entry.print_, dtype=np.uint64)
                times[n] = _micros(entry.first_seen)
            self._rows, self._times, self._start = rows, times, 0
        end = self._start + len(self.entries)
        return self._rows[self._start : end], self._times[self._start : end]

    def closest(self, print_: bytes, since: datetime) -> tuple[int, str, float] | None:
        """Return (id, location, share of equal hashes) of the most alike entry first seen since.

        The newest of equally alike ones; entries of another width are never alike.
        """
        if len(print_) % 8:
            return _closest(print_, self.entries, since)
        query = np.frombuffer(print_, dtype=np.uint64)
        stacked = self._stacked(len(query))
        if stacked is None:  # fingerprints of several widths: only those of this one count
            return _closest(print_, self.entries, since)
        rows, times = stacked
        # Newest first, as the store compares them.
        recent = np.flatnonzero(times >= _micros(since))[::-1]
        if not len(recent) or not len(query):
            return _closest(print_, self.entries, since)
        equal = np.count_nonzero(rows == query, axis=1)[recent]
        best = int(np.argmax(equal))
        entry = self.entries[int(recent[best])]
        # The share as a mean of the equal hashes gives it: an exact count over the width.
        return entry.article_id, entry.location, float(equal[best] / len(query))


def _closest(
    print_: bytes, entries: list[_Print], since: datetime
) -> tuple[int, str, float] | None:
    """Return the entry most alike ``print_`` among those first seen since (see ``closest``)."""
    usable = [
        p for p in reversed(entries) if p.first_seen >= since and len(p.print_) == len(print_)
    ]
    if not usable:
        return None
    matrix = np.frombuffer(b"".join(p.print_ for p in usable), dtype=np.uint64).reshape(
        len(usable), -1
    )
    scores = (matrix == np.frombuffer(print_, dtype=np.uint64)).mean(axis=1)
    best = int(np.argmax(scores))
    return usable[best].article_id, usable[best].location, float(scores[best])


class ArticleStore:
    """What the store path keeps between units of work: source ids and recent fingerprints.

    Each source's newest fingerprints are read once, then kept up to date in memory; each unit
    of work that needs them again reads only the articles stored since by anyone else (another
    process, `briefbot ingest`), under the source's lock (``lock_for_storing``). Both go stale
    when a unit of work rolls back: ``forget`` drops them.
    """

    def __init__(self) -> None:
        # Sources are never deleted, so a committed source's id stays good for the process.
        self.source_ids: dict[str, int] = {}
        # By source id, oldest first, at most DUPLICATE_CANDIDATES.
        self._prints: dict[int, _SourcePrints] = {}
        # By source id, the highest article id read or stored: articles are added to a source
        # under its lock, so any the cache lacks come after it.
        self._upto: dict[int, int] = {}

    def forget(self) -> None:
        """Drop what a rolled-back unit of work may have added."""
        self.source_ids.clear()
        self._prints.clear()
        self._upto.clear()

    def batch(self, uow: UnitOfWork, placer: Placer | None = None) -> StoreBatch:
        """Start storing items in ``uow``; ``placer`` places new articles and versions."""
        return StoreBatch(self, uow, placer)

    async def source_id(self, uow: UnitOfWork, name: str, *, now: datetime) -> int:
        found = self.source_ids.get(name)
        if found is None:
            found = self.source_ids[name] = await uow.sources.get_or_create_id(name, now=now)
        return found

    async def _loaded(
        self, uow: UnitOfWork, source_id: int, *, now: datetime, fresh: set[int]
    ) -> _SourcePrints:
        """Return the source's fingerprints, caught up once per unit of work (``fresh``)."""
        prints = self._prints.get(source_id)
        if prints is not None and source_id in fresh:
            return prints
        rows = await uow.articles.list_recent_fingerprints(
            source_id,
            since=now - DUPLICATE_WINDOW,
            limit=DUPLICATE_CANDIDATES,
            after_id=self._upto.get(source_id, 0) if prints is not None else 0,
        )
        if prints is None:
            prints = self._prints[source_id] = _SourcePrints()
        prints.extend([_Print(*row) for row in reversed(rows)])
        if rows:
            self._upto[source_id] = max(self._upto.get(source_id, 0), rows[0][0])
        fresh.add(source_id)
        return prints

    async def closest(
        self, uow: UnitOfWork, source_id: int, print_: bytes, *, now: datetime, fresh: set[int]
    ) -> tuple[int, str, float] | None:
        """Return (id, location, similarity) of the source's newest article most like ``print_``.

        Among its newest articles of the duplicate window; ``fresh`` holds the sources already
        caught up in this unit of work.
        """
        prints = await self._loaded(uow, source_id, now=now, fresh=fresh)
        return prints.closest(print_, now - DUPLICATE_WINDOW)

    async def remember(
        self,
        uow: UnitOfWork,
        source_id: int,
        entry: tuple[int, str, datetime, bytes],
        *,
        now: datetime,
        fresh: set[int],
    ) -> None:
        """Keep an article's (new) fingerprint among its source's, in id order."""
        prints = await self._loaded(uow, source_id, now=now, fresh=fresh)
        article_id = entry[0]
        self._upto[source_id] = max(self._upto.get(source_id, 0), article_id)
        entries = prints.entries
        for known in entries:
            if known.article_id == article_id:
                known.print_ = entry[3]
                prints.changed()
                return
        at = len(entries)
        while at and entries[at - 1].article_id > article_id:
            at -= 1
        prints.insert(at, _Print(*entry))


class StoreBatch:
    """Store items one after another in one unit of work, writing what can wait at the end.

    What the batch stores is known here, so nothing just written is read back: articles and
    aliases of the batch's identities are read in two statements up front, versions and
    fingerprint changes are written together by ``flush``.
    """

    def __init__(self, store: ArticleStore, uow: UnitOfWork, placer: Placer | None) -> None:
        self._store = store
        self._uow = uow
        self._placer = placer
        self._stored: dict[str, StoredArticle] = {}
        self._aliases: dict[str, AliasRecord] = {}
        self._written: dict[int, Article] = {}
        self._versions: list[dict[str, object]] = []
        self._prints: list[tuple[int, bytes]] = []
        # New articles with their ids named ahead (``NewIds``): written together, before
        # anything that refers to them.
        self._articles: list[dict[str, object]] = []
        self._ids = uow.articles.new_ids()
        # Sources whose fingerprints were caught up with the database in this unit of work.
        self._fresh: set[int] = set()

    async def prefetch(self, items: list[ParsedArticle]) -> None:
        """Lock the items' sources, then read what is stored under their identities (articles,
        then aliases): another process storing into those sources waits for this one."""
        await self._uow.sources.lock_for_storing({item.source for item in items})
        identities = [item.identity for item in items]
        self._stored = await self._uow.articles.list_stored(identities)
        self._aliases = await self._uow.articles.list_aliases(
            [i for i in identities if i not in self._stored]
        )
        # At most this many new articles (and so new events) come of the batch.
        new = len({i for i in identities if i not in self._stored and i not in self._aliases})
        self._ids.expect(new)
        if self._placer is not None:
            self._placer.expect(new)

    async def _write_articles(self) -> None:
        """Write the new articles not written yet (a statement about to name them needs them)."""
        if self._placer is not None:
            await self._placer.write_events()  # the articles name them
        await self._uow.articles.add_many(self._articles)
        self._articles = []

    async def flush(self) -> None:
        """Write the batch's new articles, versions and fingerprint changes."""
        await self._write_articles()
        await self._uow.articles.insert_versions(self._versions)
        await self._uow.articles.set_fingerprints(self._prints)
        self._versions, self._prints = [], []

    def _version_row(self, article_id: int, version: Version, digest: str) -> None:
        self._versions.append(
            {
                "article_id": article_id,
                "number": version.number,
                "title": version.title,
                "text": version.text,
                "content_hash": digest,
                "published": version.published,
                "updated": version.updated,
                "fetched": version.fetched,
            }
        )

    async def _still_a_copy(self, article_id: int, print_: bytes | None) -> bool:
        """Tell whether a fingerprint still matches any version of the article."""
        if print_ is None:
            return False
        article = self._written.get(article_id) or await self._uow.articles.get_article(article_id)
        if article is None:
            return False
        for version in article.versions:
            known = fingerprint(version.text)
            if known is not None and similarity(print_, known) >= DUPLICATE_JACCARD:
                return True
        return False

    async def store(self, item: ParsedArticle, *, now: datetime) -> IngestResult:
        """Store ``item`` (see ``store_article``) and place it when it is new or a version."""
        now = now.astimezone(UTC)
        digest = content_hash(item.title, item.text)
        existing = self._stored.get(item.identity)
        if existing is not None:
            if existing.latest_hash == digest:
                return IngestResult(
                    item.location,
                    Outcome.UNCHANGED,
                    article_id=existing.article.id,
                    title=item.title,
                )
            return await self._add_version(item, existing, digest, now=now)
        alias = self._aliases.get(item.identity)
        # The same copy again is a duplicate at once: no fingerprint, no search of the source.
        if alias is not None and alias.content_hash == digest:
            return _duplicate(item, alias.article_id, alias.article_location, "a copy seen before")
        print_ = _fingerprint(item)
        if alias is not None:
            if await self._still_a_copy(alias.article_id, print_):
                return _duplicate(
                    item, alias.article_id, alias.article_location, "a copy seen before"
                )
            await self._uow.articles.remove_alias(item.identity)
            del self._aliases[item.identity]
        source_id = await self._store.source_id(self._uow, item.source, now=now)
        if print_ is not None:
            closest = await self._store.closest(
                self._uow, source_id, print_, now=now, fresh=self._fresh
            )
            if closest is not None and closest[2] >= DUPLICATE_JACCARD:
                article_id, location, score = closest
                await self._write_articles()  # the alias names its article
                # Remembered for good: the window and the candidate limit only bound the search.
                await self._uow.articles.add_alias(
                    identity=item.identity, article_id=article_id, content_hash=digest, now=now
                )
                self._aliases[item.identity] = AliasRecord(
                    item.identity, article_id, location, digest, now
                )
                return _duplicate(item, article_id, location, f"{score:.0%} alike")
        return await self._add_article(item, source_id, digest, print_, now=now)

    async def _add_article(
        self,
        item: ParsedArticle,
        source_id: int,
        digest: str,
        print_: bytes | None,
        *,
        now: datetime,
    ) -> IngestResult:
        version = Version(
            number=1,
            title=item.title,
            text=item.text,
            published=_utc(item.published),
            updated=_utc(item.updated),
            fetched=now,
        )
        draft = Article(0, item.source, item.location, (version,), first_seen=now)
        event_id = None
        if self._placer is not None:
            # Placed before it is written, so the article goes in with its event in one statement.
            event_id = await self._placer.event_for(_document(draft, item), None, now=now)
        refetch_at = now + FIRST_REFETCH if item.refetch else None
        ahead = await self._ids.take()
        if ahead is not None:
            article_id = ahead
            self._articles.append(
                {
                    "id": article_id,
                    "identity": item.identity,
                    "source_id": source_id,
                    "location": item.location,
                    "fingerprint": print_,
                    "first_seen": now,
                    "event_id": event_id,
                    "next_refetch_at": refetch_at,
                }
            )
        else:
            if self._placer is not None:
                await self._placer.write_events()  # the article names its event
            article_id = await self._uow.articles.add(
                identity=item.identity,
                source_id=source_id,
                location=item.location,
                fingerprint=print_,
                now=now,
                event_id=event_id,
                refetch_at=refetch_at,
            )
            self._ids.inserted(article_id)
        article = replace(draft, id=article_id)
        self._version_row(article_id, version, digest)
        self._stored[item.identity] = StoredArticle(
            article, item.identity, source_id, event_id, digest
        )
        self._written[article_id] = article
        if print_ is not None:
            await self._store.remember(
                self._uow,
                source_id,
                (article_id, item.location, now, print_),
                now=now,
                fresh=self._fresh,
            )
        if self._placer is not None and event_id is not None:
            self._placer.placed(article, _document(article, item), event_id, now=now)
        return IngestResult(
            item.location, Outcome.NEW, article_id=article_id, event_id=event_id, title=item.title
        )

    async def _add_version(
        self, item: ParsedArticle, existing: StoredArticle, digest: str, *, now: datetime
    ) -> IngestResult:
        old = existing.article
        version = Version(
            number=old.latest.number + 1 if old.versions else 1,
            title=item.title,
            text=item.text,
            published=_utc(item.published) or old.published,
            updated=_utc(item.updated),
            fetched=now,
        )
        article = replace(old, versions=(*old.versions, version))
        self._version_row(old.id, version, digest)
        print_ = _fingerprint(item)
        if print_ is not None:
            self._prints.append((old.id, print_))
            assert old.first_seen is not None
            await self._store.remember(
                self._uow,
                existing.source_id,
                (old.id, old.location, old.first_seen, print_),
                now=now,
                fresh=self._fresh,
            )
        event_id = existing.event_id
        if self._placer is not None:
            doc = _document(article, item)
            placed = await self._placer.event_for(doc, event_id, now=now)
            if event_id is None:
                await self._write_articles()  # it may be one of this batch's
                await self._uow.articles.set_event(old.id, placed)
            event_id = placed
            self._placer.placed(article, doc, event_id, now=now)
        self._stored[item.identity] = replace(
            existing, article=article, latest_hash=digest, event_id=event_id
        )
        self._written[old.id] = article
        return IngestResult(
            item.location, Outcome.VERSION, article_id=old.id, event_id=event_id, title=item.title
        )


async def store_article(
    uow: UnitOfWork,
    item: ParsedArticle,
    *,
    now: datetime,
    store: ArticleStore | None = None,
) -> IngestResult:
    """Store ``item`` as a new article, a new version of a known one, or report a duplicate.

    A duplicate's identity is kept as an alias of the article it copies, so the copy stays a
    duplicate however late it comes back. A copy that comes back edited stays one while it still
    matches some version of that article; rewritten beyond that it is no longer a copy, so its
    alias is dropped and it is stored like an unseen item (nothing the copy says is lost, and the
    article's own versions never mix in a copy's text).

    This stores one item, unplaced; the pipeline stores whole batches (``ArticleStore.batch``).
    """
    batch = (store or ArticleStore()).batch(uow)
    await batch.prefetch([item])
    result = await batch.store(item, now=now)
    await batch.flush()
    return result
