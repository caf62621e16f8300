"""Versions and near-duplicates through the real pipeline and database."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.ingest.dedupe import fingerprint, similarity
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from bot.ingest.pipeline import Pipeline
from bot.ingest.store import DUPLICATE_WINDOW, ArticleStore, store_article
from storage.unit_of_work import Database
from tests.shared import shared_path

STORY = (
    "Rescue teams reached the mountain village of Altdorf on Sunday, two days after a landslide "
    "cut the only road into the valley. The regional governor said 42 residents had been moved "
    "to a school in the next town and that nobody was missing. Engineers expect the road to stay "
    "closed for at least three weeks while they clear the debris and check the retaining walls. "
    "Residents described hearing a long rumble before dawn on Friday, followed by the sound of "
    "trees snapping as the slope gave way above the church."
)


def article(
    identity: str, text: str, *, source: str = "Alpine Wire", title: str = "Landslide"
) -> ParsedArticle:
    return ParsedArticle(
        title=title, text=text, source=source, location=identity, identity=identity
    )


async def test_same_content_is_unchanged_and_edits_are_versions(
    pipeline: Pipeline, database: Database
) -> None:
    url = "https://alpine.example/landslide"
    first = await pipeline.ingest_one(article(url, STORY))
    again = await pipeline.ingest_one(article(url, "  " + STORY.replace(". ", ".\n\n") + "\n"))
    edited = await pipeline.ingest_one(article(url, STORY.replace("42 residents", "45 residents")))
    retitled = await pipeline.ingest_one(
        article(url, STORY.replace("42 residents", "45 residents"), title="Landslide: 45 moved")
    )
    assert [r.outcome for r in (first, again, edited, retitled)] == [
        Outcome.NEW,
        Outcome.UNCHANGED,
        Outcome.VERSION,
        Outcome.VERSION,
    ]
    async with database.unit_of_work() as uow:
        stored = await uow.articles.get_article_by_identity(url)
    assert stored is not None
    assert [v.number for v in stored.versions] == [1, 2, 3]
    assert "42 residents" in stored.versions[0].text  # the old version is kept


async def test_syndicated_copy_from_the_same_source_is_a_duplicate(pipeline: Pipeline) -> None:
    original = await pipeline.ingest_one(article("https://alpine.example/a", STORY))
    copy = STORY + " Reporting by the Alpine Wire desk."
    syndicated = await pipeline.ingest_one(article("https://alpine.example/b?syndicated=1", copy))
    assert syndicated.outcome is Outcome.DUPLICATE
    assert syndicated.article_id == original.article_id
    assert "https://alpine.example/a" in syndicated.reason
    other_outlet = await pipeline.ingest_one(
        article("https://valley.example/x", copy, source="Valley Times")
    )
    assert other_outlet.outcome is Outcome.NEW
    rewrite = " ".join(reversed(STORY.split(". ")))  # same facts, but not a copy
    follow_up = (
        "Engineers began clearing the road into Altdorf on Monday. The governor said the 42 "
        "residents moved to the school could return within a month if the slope holds, and that "
        "the church would be inspected first. " + rewrite[:200]
    )
    assert (await pipeline.ingest_one(article("https://alpine.example/c", follow_up))).outcome is (
        Outcome.NEW
    )


async def _store_at(database: Database, item: ParsedArticle, now: datetime) -> IngestResult:
    async with database.unit_of_work() as uow:
        return await store_article(uow, item, now=now)


async def _articles_and_versions(database: Database) -> tuple[int, int]:
    async with database.unit_of_work() as uow:
        counts = await uow.stats.count_all()
    return counts.articles, counts.versions


async def test_a_syndicated_copy_stays_a_duplicate_after_the_window(database: Database) -> None:
    start = datetime(2026, 1, 8, tzinfo=UTC)
    much_later = start + 50 * DUPLICATE_WINDOW
    original_url, copy_url = "https://alpine.example/a", "https://alpine.example/b"
    copy = STORY + " Reporting by the Alpine Wire desk."
    original = await _store_at(database, article(original_url, STORY), start)
    first = await _store_at(database, article(copy_url, copy), start + timedelta(hours=1))
    assert (original.outcome, first.outcome) == (Outcome.NEW, Outcome.DUPLICATE)

    # Long after the window, when the near-duplicate search no longer sees the original.
    again = await _store_at(database, article(copy_url, copy), much_later)
    assert again.outcome is Outcome.DUPLICATE
    assert again.article_id == original.article_id
    assert original_url in again.reason
    assert await _articles_and_versions(database) == (1, 1)

    # The original is rewritten; the copy comes back with a new footer: it copies version 1.
    rewritten = "The road into Altdorf reopened on Thursday. " * 8
    edited = await _store_at(database, article(original_url, rewritten), much_later)
    assert edited.outcome is Outcome.VERSION
    footer = copy + " Additional reporting from the valley."
    late_copy = await _store_at(database, article(copy_url, footer), much_later)
    assert late_copy.outcome is Outcome.DUPLICATE
    assert late_copy.article_id == original.article_id
    assert await _articles_and_versions(database) == (1, 2)


async def test_a_copy_rewritten_into_another_story_is_stored(database: Database) -> None:
    now = datetime(2026, 1, 8, tzinfo=UTC)
    copy_url = "https://alpine.example/b"
    await _store_at(database, article("https://alpine.example/a", STORY), now)
    copy = await _store_at(database, article(copy_url, STORY + " By the desk."), now)
    assert copy.outcome is Outcome.DUPLICATE
    other_story = (
        "The central bank kept interest rates unchanged on Thursday and said inflation in the "
        "alpine regions had fallen for a third month, helped by cheaper energy and food."
    )
    reused = await _store_at(database, article(copy_url, other_story), now + 2 * DUPLICATE_WINDOW)
    assert reused.outcome is Outcome.NEW and reused.article_id != copy.article_id
    again = await _store_at(database, article(copy_url, other_story), now + 3 * DUPLICATE_WINDOW)
    assert again.outcome is Outcome.UNCHANGED and again.article_id == reused.article_id
    assert await _articles_and_versions(database) == (2, 2)


def test_fingerprint_similarity() -> None:
    a, b = fingerprint(STORY), fingerprint(STORY + " One more line at the end.")
    assert a is not None and b is not None and len(a) == 128 * 8
    assert similarity(a, a) == 1.0
    assert similarity(a, b) > 0.85
    unrelated = fingerprint(
        "The central bank kept interest rates unchanged again " * 3 + STORY[:60]
    )
    assert unrelated is not None and similarity(a, unrelated) < 0.3
    assert fingerprint("Too short to judge.") is None


@pytest.mark.shared_data
async def test_version_pairs_each_give_exactly_one_new_version(
    pipeline: Pipeline, database: Database
) -> None:
    path = shared_path("version_pairs", "version_pairs.jsonl")
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for n, pair in enumerate(pairs):
        identity = f"https://news.example/pair/{n}"
        old, new = " ".join(pair["old_sentences"]), " ".join(pair["new_sentences"])
        title = f"Version pair {n}"
        outcomes = [
            (
                await pipeline.ingest_one(article(identity, text, title=title, source=f"s{n}"))
            ).outcome
            for text in (old, new, new)
        ]
        assert outcomes == [Outcome.NEW, Outcome.VERSION, Outcome.UNCHANGED], n
        async with database.unit_of_work() as uow:
            stored = await uow.articles.get_article_by_identity(identity)
        assert stored is not None and len(stored.versions) == 2
        assert stored.versions[0].text == old and stored.versions[1].text == new


@pytest.mark.postgres
async def test_two_processes_storing_one_story_at_once_keep_one_article(
    postgres_url: str,
) -> None:
    """Two stores on two connections (as two processes have) store copies of one new story at
    the same moment: the second waits for the first's commit and finds its copy."""
    from storage.db import upgrade

    upgrade(postgres_url)
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    first_db, second_db = Database(postgres_url), Database(postgres_url)
    first, second = ArticleStore(), ArticleStore()
    try:
        # Each has read the source's fingerprints already, with a story of its own.
        for db, store, n in ((first_db, first, 1), (second_db, second, 2)):
            async with db.unit_of_work() as uow:
                other_story = " ".join(f"harbour{n} crane{i} strike{i}." for i in range(20))
                older = article(f"https://alpine.example/older-{n}", other_story)
                await store_article(uow, older, now=now, store=store)
        copy = article("https://mirror.example/landslide", STORY + " Reporting by the wire.")
        async with first_db.unit_of_work() as uow:
            result = await store_article(
                uow, article("https://alpine.example/landslide", STORY), now=now, store=first
            )

            async def store_the_copy() -> IngestResult:
                async with second_db.unit_of_work() as other:
                    return await store_article(other, copy, now=now, store=second)

            racing = asyncio.ensure_future(store_the_copy())
            await asyncio.sleep(0.5)
            waited = not racing.done()  # the first has not committed yet
        second_result = await racing
    finally:
        await first_db.dispose()
        await second_db.dispose()
    assert result.outcome is Outcome.NEW
    assert waited
    assert second_result.outcome is Outcome.DUPLICATE
    assert second_result.article_id == result.article_id


def _distinct_story(n: int) -> str:
    """Return a story of its own words (no near-copy of another ``n``)."""
    words = [f"w{n}x{k}" for k in range(60)]
    return " ".join(words) + "."


async def test_a_copy_is_found_among_many_stories_of_its_source(pipeline: Pipeline) -> None:
    # The source's fingerprints are kept stacked and grow as its stories arrive: a copy of an
    # early story and of the latest one are still found once many came after them.
    stored = [
        await pipeline.ingest_one(article(f"https://alpine.example/{n}", _distinct_story(n)))
        for n in range(40)
    ]
    assert all(r.outcome is Outcome.NEW for r in stored)
    for n in (2, 17, 39):
        copy = _distinct_story(n) + " Reporting by the desk."
        result = await pipeline.ingest_one(article(f"https://alpine.example/{n}?copy", copy))
        assert result.outcome is Outcome.DUPLICATE
        assert result.article_id == stored[n].article_id
