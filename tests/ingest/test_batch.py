"""The batched store path: few statements per stored article, and one refused article in a
batch loses only itself."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from bot.ingest.model import Outcome, ParsedArticle
from bot.ingest.pipeline import STORE_BATCH, Pipeline
from storage.unit_of_work import Database
from tests.fakes.faults import articles_refused

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
