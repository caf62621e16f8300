"""The batched store path: few statements per stored article, and one refused article in a
batch loses only itself."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text

from bot.events.service import EventService
from bot.ingest.model import Outcome, ParsedArticle
from bot.ingest.pipeline import STORE_BATCH, Pipeline
from storage.db import sync_url, upgrade
from storage.unit_of_work import Database
from tests.fakes.clock import StepClock
from tests.fakes.faults import articles_refused, reset_postgres

NAMES = ["Harbour", "Council", "Bridge", "Budget", "Strike", "Flood", "School", "River", "Pier"]


def articles(count: int, *, seed: int = 3) -> list[ParsedArticle]:
    """Return ``count`` distinct articles from five sources, about a few stories each."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        topic = rng.sample(NAMES, 4)
        body = " ".join(
            f"The {rng.choice(topic)} office said {rng.randint(2, 9000)} people in "
            f"{rng.choice(topic)} town were told on day {rng.randint(1, 300)}."
            for _ in range(6)
        )
        url = f"https://wire{n % 5}.example/{seed}/story-{n}"
        out.append(
            ParsedArticle(
                title=f"{topic[0]} and {topic[1]} news {n}",
                text=body,
                source=f"Wire {n % 5}",
                location=url,
                identity=url,
                published=datetime(2026, 3, 1, n % 24, tzinfo=UTC),
            )
        )
    return out


async def test_a_stored_article_costs_at_most_three_statements(
    pipeline: Pipeline, database: Database
) -> None:
    await pipeline.ingest(articles(20, seed=1))  # the index loaded, sources known
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    results = await pipeline.ingest(articles(STORE_BATCH))
    event.remove(database.engine.sync_engine, "before_cursor_execute", count)

    assert [r.outcome for r in results] == [Outcome.NEW] * STORE_BATCH
    assert statements[0] / STORE_BATCH <= 3, f"{statements[0] / STORE_BATCH:.1f} per article"


async def test_one_refused_article_in_a_batch_loses_only_itself(
    pipeline: Pipeline, database: Database
) -> None:
    batch = articles(40)
    with articles_refused(database.url, "%/story-17"):
        results = await pipeline.ingest(batch)

    assert [r.outcome for r in results] == [Outcome.NEW] * 17 + [Outcome.REJECTED] + [
        Outcome.NEW
    ] * 22
    assert results[17].retry
    async with database.unit_of_work() as uow:
        counts = await uow.stats.count_all()
    assert counts.articles == 39
    again = await pipeline.ingest(batch)
    assert [r.outcome for r in again] == [Outcome.UNCHANGED] * 17 + [Outcome.NEW] + [
        Outcome.UNCHANGED
    ] * 22


def stories(count: int, *, per_story: int) -> list[ParsedArticle]:
    """Return ``per_story`` articles from different sources about each of ``count`` stories."""
    rng = random.Random(7)
    out = []
    for n in range(count * per_story):
        story = n % count
        town, person, firm = f"Velm{story}ora", f"Astrid Kael{story}son", f"Norbeck{story} Works"
        body = " ".join(
            f"{person} of {firm} said {rng.randint(2, 90)} workers in {town} "
            f"{rng.choice(['walked out', 'met the mayor', 'signed the deal'])} on day {story}."
            for _ in range(5)
        )
        url = f"https://wire{n % 7}.example/stories/{n}"
        out.append(
            ParsedArticle(
                title=f"{firm} in {town}: {person} speaks",
                text=body,
                source=f"Wire {n % 7}",
                location=url,
                identity=url,
                published=datetime(2026, 3, 1, story % 24, tzinfo=UTC),
            )
        )
    return out


def _placed(url: str) -> dict[str, list[list[Any]]]:
    """Return the stored events (id, headline, counts) and each article's event."""
    engine = create_engine(sync_url(url))
    with engine.connect() as conn:
        got = {
            "events": [
                list(row)
                for row in conn.execute(
                    text(
                        "SELECT id, headline, article_count, source_count, signature"
                        " FROM events ORDER BY id"
                    )
                )
            ],
            "articles": [
                list(row)
                for row in conn.execute(
                    text("SELECT id, identity, event_id FROM articles ORDER BY id")
                )
            ],
        }
    engine.dispose()
    return got


async def test_a_batch_creates_the_events_one_by_one_creation_gives(
    database_url: str, tmp_path: Path
) -> None:
    items = stories(20, per_story=3)
    # Item by item: every article its own unit of work, so each new event its own INSERT.
    database = Database(database_url)
    pipeline = Pipeline(database, EventService(), clock=StepClock())
    for item in items:
        await pipeline.ingest([item])
    await database.dispose()
    one_by_one = _placed(database_url)
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'batched.db'}"
    else:
        reset_postgres(database_url)
        url = database_url
    upgrade(url)
    database = Database(url)
    inserts = [0]

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        inserts[0] += statement.lstrip().upper().startswith("INSERT INTO EVENTS")

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    await Pipeline(database, EventService(), clock=StepClock()).ingest(items)
    event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    await database.dispose()
    batched = _placed(url)

    assert len(one_by_one["events"]) > 10
    assert batched == one_by_one
    if url.startswith("sqlite"):  # the first event of the batch, then the rest together
        assert inserts[0] <= 2, f"{inserts[0]} INSERTs into events"
