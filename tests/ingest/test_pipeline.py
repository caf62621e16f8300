"""The pipeline tells its listeners about every store that added something, on every path."""

from __future__ import annotations

import pytest

from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from bot.ingest.pipeline import Pipeline
from storage.unit_of_work import Database

TEXT = (
    "The harbour authority closed the northern pier on Tuesday after a crane collapsed onto a "
    "cargo ship during unloading. Two workers were treated for minor injuries, the authority "
    "said, and the ship's crew stayed on board while engineers inspected the hull."
)


def story(text: str = TEXT, *, identity: str = "https://port.example/crane") -> ParsedArticle:
    return ParsedArticle(
        title="Crane collapses at the harbour",
        text=text,
        source="Port Wire",
        location=identity,
        identity=identity,
    )


async def test_after_store_hears_new_articles_and_versions_only(pipeline: Pipeline) -> None:
    heard: list[IngestResult] = []
    pipeline.after_store(heard.append)
    rejected = IngestResult("bad.txt", Outcome.REJECTED, reason="not an article")

    results = await pipeline.ingest([story(), story(), rejected])
    edited = await pipeline.ingest_one(story(TEXT + " The pier reopened on Wednesday."))

    assert [r.outcome for r in results] == [Outcome.NEW, Outcome.UNCHANGED, Outcome.REJECTED]
    assert edited.outcome is Outcome.VERSION
    assert [r.outcome for r in heard] == [Outcome.NEW, Outcome.VERSION]
    assert heard[0].event_id is not None and heard[0].event_id == edited.event_id


async def test_a_failing_listener_loses_nothing(
    pipeline: Pipeline, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    heard: list[IngestResult] = []

    def broken(_result: IngestResult) -> None:
        raise RuntimeError("listener bug")

    pipeline.after_store(broken)
    pipeline.after_store(heard.append)

    (result,) = await pipeline.ingest([story()])

    assert result.outcome is Outcome.NEW and len(heard) == 1
    assert "after-store hook failed" in caplog.text
    async with database.unit_of_work() as uow:
        assert (await uow.stats.counts()).articles == 1
