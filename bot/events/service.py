"""The event service: place stored articles into events, refresh them, build their briefings."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from bot.briefing.build import (
    analyse_event,
    article_claims,
    build_briefing,
    event_times,
    in_order,
    version_changes,
)
from bot.briefing.cluster import ClusterConfig, EventIndex
from bot.briefing.headline import choose_headline
from bot.briefing.model import (
    Article,
    Briefing,
    Change,
    Claim,
    Document,
    Profile,
    TextAnalysis,
)
from bot.briefing.revise import ReviseConfig, Revision, RevisionVector, revise, revision_vector
from bot.events.heap import trim
from bot.events.memo import Memo
from storage.records import EventRecord
from storage.repositories.events import new_event
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")

# How far back the in-memory index reaches after a restart; older events are closed.
REPLAY_WINDOW = timedelta(days=7)
MEMO_SIZE = 10_000
# Articles read from the database at a time when the window is read through.
LOAD_PAGE = 500
VECTOR_MEMO_SIZE = 60_000
# Headline profiles worked out as articles were stored: those of the events being refreshed.
HEADLINE_MEMO_SIZE = 4096
# Up to this size an event's analysis dates "changed in substance" by the article that
# changed it; a bigger one is analysed as it is when read (the analysis reads every article,
# and a flood of thousands must not cost quadratic time).
ANALYSE_EACH_UP_TO = 100
# Events of up to this many articles are briefed on the event loop (6-12 ms cold, then
# memoised): handing them to a thread cost more than the briefing on a loaded machine.
INLINE_BRIEFING = 1
# Briefings kept (a few KB each): the events being read, alerted and digested at once.
BRIEFING_MEMO_SIZE = 500
DEFAULT_REVISE = ReviseConfig()


def as_of(articles: Sequence[Article], moment: datetime) -> list[Article]:
    """Return the articles as they were stored at ``moment``: later versions and articles left out."""
    kept = []
    for article in articles:
        versions = tuple(v for v in article.versions if v.fetched is None or v.fetched <= moment)
        if versions:
            kept.append(replace(article, versions=versions))
    return kept


def document_of(article: Article, analysis: TextAnalysis | None = None) -> Document:
    """Return what the clusterer sees of an article: its latest version.

    ``analysis`` is that version's, when worked out already (``analyse_text``).
    """
    latest = article.latest
    return Document(
        id=article.id,
        title=latest.title,
        text=latest.text,
        published=article.published or latest.updated,
        source=article.source,
        analysis=analysis,
    )


class EventService:
    """Owns the clustering index; the database keeps every assignment so a restart replays them."""

    def __init__(self, config: ClusterConfig | None = None) -> None:
        self._config = config
        self.index = EventIndex(config)
        self._loaded = False
        self._evicted_at: datetime | None = None
        # Claims and diffs: about 2.5 KB an article; enough for every event being refreshed or
        # briefed at once, not for the whole window (they are cheap to redo for an old event).
        self._memo = Memo(size=MEMO_SIZE)
        # Briefings by event and what they were built from (see _briefing).
        self._briefings: OrderedDict[tuple[object, ...], Briefing] = OrderedDict()
        # Revision vectors: every pass reads the vector of every held article.
        self._memo_size = VECTOR_MEMO_SIZE
        # Keyed by article id and version number (versions are append-only).
        self._vectors: OrderedDict[tuple[int, int, ReviseConfig], RevisionVector] = OrderedDict()
        # Articles placed since the last revision pass: only their blocks are grouped again.
        self._changed: set[int] = set()
        # Headline profiles carried by placed articles, by article id and version number.
        self._headlines: OrderedDict[tuple[int, int], Profile] = OrderedDict()

    def invalidate(self) -> None:
        """Drop the in-memory index; the next placement rebuilds it from the database."""
        self._loaded = False

    async def load(self, uow: UnitOfWork, *, now: datetime) -> int:
        """Rebuild the index from the assignments stored in the last replay window."""
        self.index = EventIndex(self._config)
        count = last = 0
        # In pages: the window's texts are only read through, never all held at once.
        while page := await uow.articles.list_held_documents(
            now - REPLAY_WINDOW, after=last, limit=LOAD_PAGE
        ):
            for doc, event_id, arrived in page:
                self.index.add(doc, event_id, arrived=arrived)
            count += len(page)
            last = page[-1][0].id
        self._loaded = True
        trim()  # the pages' texts are freed: hand their memory back before the first pass
        log.info("clustering index rebuilt from %d stored articles", count)
        return count

    def placement(self, uow: UnitOfWork) -> Placement:
        """Start placing the articles of one unit of work; ``Placement.flush`` refreshes events."""
        return Placement(self, uow)

    async def place_stored(
        self, uow: UnitOfWork, article_ids: Sequence[int], *, now: datetime
    ) -> None:
        """Place articles stored earlier (queued, maybe by another process) into events.

        Each touched event is written once, as the store path's own placement does.
        """
        placement = self.placement(uow)
        for article_id in article_ids:
            article = await uow.articles.get_article(article_id)
            if article is None:  # gone since it was queued: nothing to place
                continue
            current = await uow.articles.get_event_id(article_id)
            doc = document_of(article)
            event_id = await placement.event_for(doc, current, now=now)
            if current is None:
                await placement.write_events()
                await uow.articles.set_event(article_id, event_id)
            placement.placed(article, doc, event_id, now=now)
        await placement.flush()

    async def revise(
        self, uow: UnitOfWork, *, now: datetime, config: ReviseConfig | None = None
    ) -> Revision:
        """Group the changed part of the held window again, order-independently (see revise.py).

        Merged events keep the older id, split ones keep theirs on the larger part; a part split
        off becomes a new event. Every touched event is refreshed and the index follows the moves.
        """
        if not self._changed:
            return Revision(moves={})
        since = now - REPLAY_WINDOW
        cfg = config or ReviseConfig()
        # Only ids and version numbers for the whole window: its texts are read only for
        # vectors not memoised yet, and for the articles that move.
        held = await uow.articles.list_held_versions(since)
        events = {article_id: event_id for article_id, event_id, _ in held}
        changed, self._changed = self._changed, set()
        try:
            vectors = await self._revision_vectors(uow, since, held, cfg)
            revision = revise(
                # The pass reads nothing of a document but its id and its vector.
                [Document(id=article_id, title="", text="") for article_id, _, _ in held],
                events,
                changed,
                cfg,
                vector_of=lambda doc: vectors[doc.id],
            )
            if revision.moves:
                await self._apply(uow, revision, events, since, now=now)
        except BaseException:
            self._changed |= changed  # the next pass tries them again
            raise
        finally:
            trim()  # the pass's arrays are freed: hand their memory back
        return revision

    async def _apply(
        self,
        uow: UnitOfWork,
        revision: Revision,
        events: dict[int, int],
        since: datetime,
        *,
        now: datetime,
    ) -> None:
        """Write a pass's moves, refresh the events they touch and move them in the index."""
        by_id = {doc.id: doc async for doc in self._documents(uow, since, list(revision.moves))}
        # Placements before the pass are dated by their own articles, not by the pass.
        for event_id in sorted({events[article_id] for article_id in revision.moves}):
            await self.analysed(uow, event_id)
        titles = {article_id: doc.title for article_id, doc in by_id.items()}
        created: dict[int, int] = {}
        # Each event after the pass, and the events its articles came from.
        origins: dict[int, set[int]] = {}
        for article_id, target in sorted(revision.moves.items()):
            if target < 0:
                if target not in created:
                    created[target] = await uow.events.create(headline=titles[article_id], now=now)
                target = created[target]
            origins.setdefault(target, {target}).add(events[article_id])
            origins.setdefault(events[article_id], {events[article_id]})
            await uow.articles.set_event(article_id, target)
        before = {e: await uow.events.get_event(e) for group in origins.values() for e in group}
        touched = set(origins)
        for event_id in sorted(touched):
            await self.refresh(uow, event_id, now=now)
        for old, survivor in sorted(revision.merged.items()):
            await uow.events.add_alias(old, target_id=survivor, now=now)
        await self._carry_marks(uow, origins, before, gone=set(revision.merged))
        # Move only the moved articles in the index: rebuilding it would extract the whole window.
        if self._loaded:
            for article_id, target in revision.moves.items():
                self.index.add(by_id[article_id], created.get(target, target))
        log.info(
            "revision moved %d articles: %d events merged, %d split off",
            len(revision.moves),
            len(revision.merged),
            sum(revision.split.values()),
        )

    async def _revision_vectors(
        self,
        uow: UnitOfWork,
        since: datetime,
        held: Sequence[tuple[int, int, int]],
        config: ReviseConfig,
    ) -> dict[int, RevisionVector]:
        """Return the revision vector of every held article, extracted once per version."""
        vectors: dict[int, RevisionVector] = {}
        missing: dict[int, int] = {}
        for article_id, _, number in held:
            key = (article_id, number, config)
            vector = self._vectors.get(key)
            if vector is None:
                missing[article_id] = number
            else:
                self._vectors.move_to_end(key)
                vectors[article_id] = vector
        # After a restart that is the whole window, whose texts must never be held at once:
        # each page's documents become vectors and are dropped.
        async for doc in self._documents(uow, since, list(missing)):
            vectors[doc.id] = self._vector(doc, missing[doc.id], config)
        return vectors

    def _vector(self, doc: Document, number: int, config: ReviseConfig) -> RevisionVector:
        """Return (and memoise) the revision vector of version ``number`` of an article."""
        vector = self._vectors[(doc.id, number, config)] = revision_vector(doc, config)
        if len(self._vectors) > self._memo_size:
            self._vectors.popitem(last=False)
        return vector

    @staticmethod
    async def _documents(
        uow: UnitOfWork, since: datetime, ids: list[int]
    ) -> AsyncIterator[Document]:
        """Yield the latest documents of the given held articles, read a page at a time."""
        for start in range(0, len(ids), LOAD_PAGE):
            page = ids[start : start + LOAD_PAGE]
            for doc, _, _ in await uow.articles.list_held_documents(since, ids=page):
                yield doc

    @property
    def pending(self) -> int:
        """Return how many articles were placed since the last revision pass."""
        return len(self._changed)

    async def _carry_marks(
        self,
        uow: UnitOfWork,
        origins: dict[int, set[int]],
        before: dict[int, EventRecord | None],
        *,
        gone: set[int],
    ) -> None:
        """Keep chats from hearing of a regrouping as news.

        A chat told the latest state of every event a regrouped one came from has heard all of
        it: its mark moves to the regrouped event in the new state, so neither a merge, nor a
        part split off, is alerted again. A chat behind on one of them keeps the mark it had,
        so the news it missed still reaches it. Marks on merged-away events are dropped.
        """
        marks = {e: await uow.alerts.get_marks_for_event(e) for e in before}
        for event_id, sources in sorted(origins.items()):
            if event_id in gone:
                continue
            record = await uow.events.get_event(event_id)
            assert record is not None
            chats = {sub for e in sources for sub in marks[e]}
            for sub in sorted(chats):
                known = [(e, marks[e][sub]) for e in sorted(sources) if sub in marks[e]]
                current = all(
                    (old := before[e]) is not None and mark.signature == old.signature
                    for e, mark in known
                )
                if not current and sub in marks[event_id]:
                    continue  # behind on this event already: the next alert catches up
                latest = max(
                    (m.last_sent_at for _, m in known if m.last_sent_at is not None), default=None
                )
                signature = record.signature if current else known[0][1].signature
                await uow.alerts.put_mark(
                    sub, event_id, replace(known[0][1], signature=signature, last_sent_at=latest)
                )
        for event_id in sorted(gone):
            await uow.alerts.delete_marks(event_id)

    def _evict(self, now: datetime) -> None:
        """Close events older than the replay window, at most once an hour, to bound memory."""
        if self._evicted_at is None or now - self._evicted_at >= timedelta(hours=1):
            self.index.evict_before(now - REPLAY_WINDOW)
            self._evicted_at = now

    async def refresh(self, uow: UnitOfWork, event_id: int, *, now: datetime) -> None:
        """Re-analyse an event after a change; mark it changed when its substance changed."""
        record = await uow.events.get_event(event_id)
        assert record is not None
        articles = await uow.articles.list_event_articles(event_id)
        new = self.refreshed(record, articles, now=now)
        signature = self._signature(articles)
        # Through the session (not put_many): a revision reads the event again in this session.
        await uow.events.update(
            event_id,
            headline=new.headline,
            last_updated=new.last_updated,
            changed_at=now if signature != record.signature else record.changed_at,
            signature=signature,
            reported=(new.first_reported, new.last_reported)
            if new.first_reported is not None and new.last_reported is not None
            else None,
            counts=(new.article_count, new.source_count),
            analysed=True,
        )

    def refreshed(
        self, record: EventRecord, articles: Sequence[Article], *, now: datetime
    ) -> EventRecord:
        """Return an event with these articles, placed at ``now``; its analysis left due.

        Only what is cheap is followed here (headline, times, counts): the claims and edits
        that decide "changed in substance" wait until the event is read or alerted
        (``analysed``), which dates the change by the placement that made it.
        """
        ordered = in_order(articles)
        reported = event_times(ordered)
        first, last = reported or (record.first_reported, record.last_reported)
        return replace(
            record,
            headline=choose_headline(ordered, self._headline_of) or record.headline,
            last_updated=now,
            first_reported=first,
            last_reported=last,
            article_count=len(articles),
            source_count=len({a.source for a in articles}),
            analysis_due=record.analysis_due or now,
        )

    def _headline_of(self, article: Article) -> Profile | None:
        """Return the headline profile its latest version was placed with, if still held."""
        return self._headlines.get((article.id, article.latest.number))

    def _signature(self, articles: Sequence[Article]) -> str:
        """Return the signature of an event's analysis with these articles (claims, edits)."""
        analysis = analyse_event(
            articles, claims_of=self._claims, changes_of=self._changes, with_headline=False
        )
        return analysis.signature

    def analysis(self, record: EventRecord, articles: Sequence[Article]) -> tuple[str, datetime]:
        """Return an event's signature and when it last changed in substance, placements included.

        Each placement since ``analysis_due`` is a moment of the event's articles (an article's
        first version, or a later one, was fetched then; the last is ``last_updated``). The
        change time is the last moment at which the signature differs from the moment before,
        found walking back from the latest: usually the last placement or the one before it.
        """
        due = record.analysis_due
        if due is None:
            return record.signature, record.changed_at
        moments = {record.last_updated}
        if len(articles) <= ANALYSE_EACH_UP_TO:
            moments |= {
                v.fetched
                for a in articles
                for v in a.versions
                if v.fetched is not None and due <= v.fetched < record.last_updated
            }
        ordered = sorted(moments)
        final = later = self._signature(articles)
        for i in range(len(ordered) - 1, -1, -1):
            earlier = self._signature(as_of(articles, ordered[i - 1])) if i else record.signature
            if earlier != later:
                return final, ordered[i]
            later = earlier
        return final, record.changed_at

    async def analysed(
        self, uow: UnitOfWork, event_id: int, articles: Sequence[Article] | None = None
    ) -> EventRecord | None:
        """Return the event with its due analysis done and written (``articles``: its own)."""
        record = await uow.events.get_event(event_id)
        if record is None:
            return None
        return await self._analysed(uow, record, articles)

    async def _analysed(
        self, uow: UnitOfWork, record: EventRecord, articles: Sequence[Article] | None = None
    ) -> EventRecord:
        """Do ``record``'s due analysis (if any) and write it; return the event as it is then."""
        if record.analysis_due is None:
            return record
        event_id = record.id
        if articles is None:
            articles = await uow.articles.list_event_articles(event_id)
        # In a thread: the first analysis of a big event reads the claims of thousands.
        signature, changed_at = await asyncio.to_thread(self.analysis, record, articles)
        if await uow.events.put_analysis(record, signature=signature, changed_at=changed_at):
            return replace(record, signature=signature, changed_at=changed_at, analysis_due=None)
        return record  # a placement came in between: its own analysis is due now

    async def analyse_due(
        self, uow: UnitOfWork, *, since: datetime | None = None, min_sources: int = 1
    ) -> int:
        """Analyse the events with placements not analysed yet; return how many.

        ``since`` leaves out events last placed into before it (their change time cannot come
        after it), ``min_sources`` events with fewer sources.
        """
        due = await uow.events.list_due_events(since=since, min_sources=min_sources)
        for record in due:
            try:
                await self.analysed(uow, record.id)
            except Exception:  # its readers fail on it as they always did; the others go on
                log.exception("event %s could not be analysed", record.id)
        return len(due)

    async def briefing(self, uow: UnitOfWork, event_id: int) -> Briefing:
        """Return the current briefing of an event."""
        # An event merged away by a revision lives on in the one that absorbed it (read_event).
        found = await uow.events.read_event(event_id)
        if found is None:
            raise LookupError(f"no event {event_id}")
        return await self._briefing(uow, *found)

    async def recent_briefing(self, uow: UnitOfWork, rank: int) -> Briefing | None:
        """Return the briefing of the ``rank``-th most recently reported event (1: the latest)."""
        found = await uow.events.read_event(rank=rank)
        return None if found is None else await self._briefing(uow, *found)

    async def _briefing(
        self, uow: UnitOfWork, record: EventRecord, articles: list[Article]
    ) -> Briefing:
        # Read means analysed: the event's stored signature and change time are brought up to date.
        await self._analysed(uow, record, articles)
        # A briefing is a pure function of its event's articles, and an article's versions are
        # append-only: the same articles with as many versions each make the same briefing,
        # whichever process stored them. Its articles were just read, so it is never stale.
        key = (record.id, *((a.id, len(a.versions), a.source, a.location) for a in articles))
        if (found := self._briefings.get(key)) is not None:
            self._briefings.move_to_end(key)
            return found
        # First reported and last updated come from the articles' own times (build_briefing).
        if len(articles) <= INLINE_BRIEFING:
            built = build_briefing(
                record.id, articles, claims_of=self._claims, changes_of=self._changes
            )
        else:
            # In a thread: an event of thousands of articles takes seconds to brief, and the
            # bot must keep answering meanwhile.
            built = await asyncio.to_thread(
                build_briefing,
                record.id,
                articles,
                claims_of=self._claims,
                changes_of=self._changes,
            )
        self._briefings[key] = built
        if len(self._briefings) > BRIEFING_MEMO_SIZE:
            self._briefings.popitem(last=False)
        return built

    async def briefing_as_of(
        self, uow: UnitOfWork, event_id: int, moment: datetime
    ) -> Briefing | None:
        """Return an event's briefing as it stood at ``moment`` (None when it had no article yet)."""
        event_id = await uow.events.resolve(event_id)
        articles = as_of(await uow.articles.list_event_articles(event_id), moment)
        if not articles:
            return None
        return await asyncio.to_thread(
            build_briefing, event_id, articles, claims_of=self._claims, changes_of=self._changes
        )

    def _claims(self, article: Article) -> Sequence[Claim]:
        return self._memo.get(
            ("claims", article.id, len(article.versions)), _or_none(article_claims), article
        )

    def _changes(self, article: Article) -> Sequence[Change]:
        if len(article.versions) < 2:
            return ()
        return self._memo.get(
            ("changes", article.id, len(article.versions)), _or_none(version_changes), article
        )


def _or_none(analyse: Callable[[Article], Sequence[T]]) -> Callable[[Article], Sequence[T]]:
    """Wrap an analysis so that a bug on one odd article costs its figures, never the article.

    Storing an article analyses its event; an exception there would refuse the article itself.
    """

    def guarded(article: Article) -> Sequence[T]:
        try:
            return analyse(article)
        except Exception:
            log.exception("could not analyse article %s (%s)", article.id, article.location)
            return ()

    return guarded


@dataclass(slots=True)
class _Touched:
    """An event a unit of work placed articles into: when, and whether the batch created it."""

    first: datetime
    last: datetime
    created: EventRecord | None = None


class Placement:
    """Place one unit of work's articles; each touched event is read and written once, by ``flush``.

    Only the index is followed article by article; the events' cheap fields (headline, times,
    counts) need only their final state, read for every touched event at once when the batch's
    articles are written. Their analysis is left due (``EventService.analysis``).
    """

    def __init__(self, service: EventService, uow: UnitOfWork) -> None:
        self._service = service
        self._uow = uow
        self._touched: dict[int, _Touched] = {}
        # New events with their ids named ahead (``NewIds``): written together by
        # ``write_events``.
        self._new: list[dict[str, object]] = []
        self._ids = uow.events.new_ids()

    async def event_for(self, doc: Document, current: int | None, *, now: datetime) -> int:
        """Return the event ``doc`` goes to (``current`` when it has one), creating it if new."""
        service = self._service
        if not service._loaded:
            await service.load(self._uow, now=now)
        service._evict(now)
        event_id = current if current is not None else service.index.assign(doc)
        if event_id is None:
            ahead = await self._ids.take()
            if ahead is not None:
                event_id = ahead
                self._new.append(new_event(doc.title, now, event_id))
            else:
                event_id = await self._uow.events.create(headline=doc.title, now=now)
                self._ids.inserted(event_id)
            record = EventRecord(event_id, doc.title, now, now, now, 0, 0, "", now, now)
            self._touched[event_id] = _Touched(now, now, record)
        return event_id

    def expect(self, count: int) -> None:
        """Note that up to ``count`` more articles may be placed (each may start an event)."""
        self._ids.expect(count)

    async def write_events(self) -> None:
        """Write the events created and not written yet (an article about to name one needs it)."""
        await self._uow.events.add_many(self._new)
        self._new = []

    def placed(self, article: Article, doc: Document, event_id: int, *, now: datetime) -> None:
        """Record ``article`` in ``event_id`` (from ``event_for``)."""
        service = self._service
        service.index.add(doc, event_id, arrived=article.first_seen or now)
        service._changed.add(article.id)
        # Now, while its features are at hand: the next revision pass reads it.
        service._vector(doc, article.latest.number, DEFAULT_REVISE)
        if doc.analysis is not None:  # the flush chooses the event's headline with it
            service._headlines[(article.id, article.latest.number)] = doc.analysis.headline
            if len(service._headlines) > HEADLINE_MEMO_SIZE:
                service._headlines.popitem(last=False)
        touched = self._touched.get(event_id)
        if touched is None:
            self._touched[event_id] = _Touched(now, now)
        else:
            touched.last = now

    async def flush(self) -> None:
        """Write every touched event once, from its articles as the batch left them."""
        await self.write_events()
        # Whatever writes events after this (a revision pass) draws its own ids.
        self._ids.stop()
        if not self._touched:
            return
        ids = sorted(self._touched)
        stored = await self._uow.events.get_events(
            [e for e in ids if self._touched[e].created is None]
        )
        articles = await self._uow.articles.list_events_articles(ids)
        records = []
        for event_id in ids:
            touched = self._touched[event_id]
            record = touched.created or stored.get(event_id)
            assert record is not None, f"event {event_id} vanished"
            if record.analysis_due is None:
                record = replace(record, analysis_due=touched.first)
            records.append(self._service.refreshed(record, articles[event_id], now=touched.last))
        await self._uow.events.put_many(records)
        self._touched.clear()
