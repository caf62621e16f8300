"""The store path keeps every stored result: the same input gives the same outcomes, events,
aliases and briefings as the expectations recorded from the one-article-at-a-time path."""

from __future__ import annotations

import json
import logging
import os
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bot.briefing.features import extract
from bot.briefing.headline import display_title, headline_profile
from bot.briefing.model import Article, Document, Version
from bot.briefing.revise import ReviseConfig, revision_vector
from bot.events.service import EventService
from bot.ingest.analysis import analyse, analyse_all
from bot.ingest.dedupe import fingerprint
from bot.ingest.files import read_paths
from bot.ingest.model import IngestResult, ParsedArticle
from bot.ingest.offload import ParsePool
from bot.ingest.pipeline import Pipeline, storable
from bot.render.json import briefing_to_dict
from storage.db import sync_url
from storage.unit_of_work import Database

EXPECTED = Path(__file__).parent / "fixtures" / "identical.json"
SAMPLES = Path(__file__).parents[2] / "bot" / "samples"
START = datetime(2026, 3, 1, tzinfo=UTC)
WORDS = [
    "harbour",
    "council",
    "bridge",
    "budget",
    "strike",
    "flood",
    "school",
    "river",
    "minister",
    "vote",
    "crane",
    "pier",
    "union",
    "rail",
    "station",
    "hospital",
    "court",
    "mayor",
    "police",
    "storm",
    "dock",
    "port",
    "factory",
    "workers",
]


class SteadyClock:
    """A clock that moves on by a second at every reading."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def _sentence(rng: random.Random, topic: list[str]) -> str:
    picked = rng.sample(topic, 3)
    return (
        f"The {picked[0]} and the {picked[1]} said on Monday that {rng.randint(2, 900)} people "
        f"near the {picked[2]} were affected."
    )


def generated() -> list[ParsedArticle]:
    """Return new articles, versions, unchanged repeats, exact and edited copies, short texts."""
    rng = random.Random(12)
    topics = [rng.sample(WORDS, 7) for _ in range(12)]
    items: list[ParsedArticle] = []
    texts: dict[str, str] = {}
    for i in range(120):
        topic = topics[i % len(topics)]
        source = f"Wire {i % 5}"
        identity = f"https://wire{i % 5}.example/story-{i}"
        body = " ".join(_sentence(rng, topic) for _ in range(rng.randint(4, 8)))
        if i % 17 == 0:
            body = "Short note about the " + topic[0] + "."
        dated = START - timedelta(hours=i % 30) if i % 3 else None
        item = ParsedArticle(
            title=f"{topic[0].title()} {topic[1]} news {i % 7}",
            text=body,
            source=source,
            location=identity,
            identity=identity,
            published=dated,
            refetch=i % 4 == 0,
        )
        items.append(item)
        texts[identity] = body
        if i % 9 == 4:  # the same article again, unchanged
            items.append(item)
        if i % 11 == 5:  # an edited version
            edited = body + " " + _sentence(rng, topic)
            items.append(ParsedArticle(item.title, edited, source, identity, identity, dated))
        if i % 8 == 3:  # a syndicated copy on the same source under another address
            copy = f"{identity}-copy"
            items.append(ParsedArticle(item.title, body + " Reuse.", source, copy, copy, dated))
            if i % 16 == 3:  # the copy comes back rewritten: no longer a copy
                rewritten = " ".join(_sentence(rng, topic) for _ in range(6))
                items.append(ParsedArticle(item.title, rewritten, source, copy, copy, dated))
            else:  # the same copy again
                items.append(ParsedArticle(item.title, body + " Reuse.", source, copy, copy))
    return items


def sample_items() -> list[ParsedArticle | IngestResult]:
    return list(read_paths([SAMPLES], max_bytes=5_000_000))


def _rows(db_url: str, query: str) -> list[list[Any]]:
    engine = create_engine(sync_url(db_url))
    with engine.connect() as conn:
        rows = [list(row) for row in conn.execute(text(query))]
    engine.dispose()
    return [[_plain(value) for value in row] for row in rows]


def _plain(value: Any) -> Any:
    """Write a timestamp as SQLite stores it, so both databases compare with one expectation."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


async def analysed_in_workers(items: list[Any]) -> list[Any]:
    """Return the items with their analysis worked out in parsing workers, as the poller has it."""
    pool = ParsePool(2)
    try:
        articles = [item for item in items if isinstance(item, ParsedArticle)]
        analyses = iter(await pool.run(analyse_all, [(a.title, a.text) for a in articles]))
    finally:
        await pool.close()
    return [
        replace(item, analysis=next(analyses)) if isinstance(item, ParsedArticle) else item
        for item in items
    ]


async def outcome_of(
    database: Database, db_url: str, *, analysed: bool = False, streamed: bool = False
) -> dict[str, Any]:
    """Run samples and the generated set through the pipeline and say what was stored.

    ``analysed``: each article comes with its analysis worked out in a parsing worker;
    ``streamed``: the pipeline has its stream's batches analysed in parsing workers.
    """
    events = EventService()
    pipeline = Pipeline(database, events, clock=SteadyClock())
    samples, more = sample_items(), generated()
    if analysed:
        samples, more = await analysed_in_workers(samples), await analysed_in_workers(more)
    if streamed:
        pipeline.analysers = ParsePool(2)
    try:
        results = [r async for r in pipeline.ingest_stream(iter(samples))]
        if streamed:
            results += [r async for r in pipeline.ingest_stream(iter(more))]
        else:
            results += await pipeline.ingest(more)
    finally:
        if pipeline.analysers is not None:
            await pipeline.analysers.close()
    briefings = []
    event_ids = sorted({r.event_id for r in results if r.event_id is not None})
    async with database.unit_of_work() as uow:
        for event_id in event_ids:
            briefings.append(briefing_to_dict(await events.briefing(uow, event_id)))
    got = {
        "results": [
            [r.location, r.outcome.value, r.reason, r.article_id, r.event_id, r.title, r.retry]
            for r in results
        ],
        "events": _rows(
            db_url,
            "SELECT id, headline, first_seen, last_updated, changed_at, first_reported, last_reported,"
            " article_count,"
            " source_count, signature FROM events ORDER BY id",
        ),
        "articles": _rows(
            db_url,
            "SELECT id, identity, source_id, location, event_id, fingerprint IS NULL, first_seen,"
            " next_refetch_at FROM articles ORDER BY id",
        ),
        "versions": _rows(
            db_url,
            "SELECT article_id, number, title, content_hash, published, updated, fetched"
            " FROM article_versions ORDER BY article_id, number",
        ),
        "aliases": _rows(
            db_url,
            "SELECT identity, article_id, content_hash, created_at FROM article_aliases"
            " ORDER BY identity",
        ),
        "sources": _rows(db_url, "SELECT id, name FROM sources ORDER BY id"),
        "briefings": json.loads(json.dumps(briefings, default=str)),
    }
    # Then a revision pass: it reads the vectors placing worked out (from what was carried).
    async with database.unit_of_work() as uow:
        revision = await events.revise(uow, now=START + timedelta(days=1))
    got["revision"] = [list(move) for move in sorted(revision.moves.items())]
    # PostgreSQL draws a batch's ids ahead from its sequences and skips those left over, so its
    # ids compare by rank; SQLite's follow on from 1 and compare as they are.
    return by_rank(got) if db_url.startswith("postgresql") else got


def by_rank(got: dict[str, Any]) -> dict[str, Any]:
    """Renumber article and event ids 1, 2, … in the order they were given."""
    article = {old: n for n, old in enumerate(sorted(r[0] for r in got["articles"]), 1)}
    event = {old: n for n, old in enumerate(sorted(r[0] for r in got["events"]), 1)}

    def a(value: Any) -> Any:
        return article.get(value, value)

    def e(value: Any) -> Any:
        return event.get(value, value)

    return {
        **got,
        "results": [[*r[:3], a(r[3]), e(r[4]), *r[5:]] for r in got["results"]],
        "events": [[e(r[0]), *r[1:]] for r in got["events"]],
        "articles": [[a(r[0]), *r[1:4], e(r[4]), *r[5:]] for r in got["articles"]],
        "versions": [[a(r[0]), *r[1:]] for r in got["versions"]],
        "aliases": [[r[0], a(r[1]), *r[2:]] for r in got["aliases"]],
        "briefings": [{**b, "id": e(b["id"])} for b in got["briefings"]],
        "revision": [[a(article_id), e(event_id)] for article_id, event_id in got["revision"]],
    }


async def test_the_store_path_stores_what_it_always_stored(
    database: Database, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.ingest.pipeline")
    got = await outcome_of(database, database_url)
    # Every batch went through whole: none was stored again item by item after a failure.
    assert "storing each alone" not in caplog.text
    if os.environ.get("RECORD_IDENTICAL_EXPECTED"):
        EXPECTED.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for part in expected:
        assert got[part] == expected[part], part


@pytest.mark.parametrize("how", ["analysed", "streamed"])
async def test_articles_analysed_in_the_parsing_workers_are_stored_as_ever(
    database: Database, database_url: str, how: str
) -> None:
    got = await outcome_of(database, database_url, **{how: True})
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for part in expected:
        assert got[part] == expected[part], part


async def test_what_a_parsing_worker_works_out_is_what_this_process_would() -> None:
    items = [i for i in sample_items() if isinstance(i, ParsedArticle)] + generated()
    dateline = ParsedArticle("LONDON —", "A dateline only. " + items[0].text, "s", "x", "x")
    items.append(dateline)
    analysed = await analysed_in_workers(items)
    config = ReviseConfig()
    for item in analysed:
        got = item.analysis
        assert got is not None
        assert got.fingerprint == fingerprint(item.text)
        doc = Document(7, item.title, item.text)
        assert got.text.features == extract(doc)
        # Worked out with the pass's own weights, so it is used (not worked out again).
        assert got.text.revision_config == (
            config.name_weight,
            config.pair_weight,
            config.title_weight,
        )
        # Hashed here: a string's hash differs from process to process.
        carried = revision_vector(replace(doc, analysis=got.text), config)
        assert carried._blob == revision_vector(doc, config)._blob
        article = Article(7, item.source, item.location, (Version(1, item.title, item.text),))
        assert got.text.headline == headline_profile(item.title, item.text)
        assert got.text.headline[0] == display_title(article)


def test_cleaning_an_article_drops_the_analysis_of_its_uncleaned_text() -> None:
    item = ParsedArticle("Harbour\x00 reopens", "The harbour reopened.", "s", "x", "x")
    cleaned = storable(replace(item, analysis=analyse(item.title, item.text)))
    assert cleaned.title == "Harbour reopens"
    assert cleaned.analysis is None
    kept = replace(item, title="Harbour reopens", analysis=analyse("Harbour reopens", item.text))
    assert storable(kept).analysis is not None
