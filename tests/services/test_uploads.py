"""Documents admins send to the bot: each distinct file is its own article."""

from __future__ import annotations

from bot.ingest.model import Outcome
from bot.services.container import Services

LANDSLIDE = (
    "Landslide cuts valley road\n\nRescue teams reached the mountain village of Altdorf on "
    "Sunday, two days after a landslide cut the only road into the valley."
)
RATES = (
    "Central bank holds rates\n\nThe central bank kept interest rates unchanged on Thursday, "
    "saying inflation had eased but remained above target."
)


async def test_uploads_with_the_same_name_are_separate_articles(services: Services) -> None:
    uploads, database = services.uploads, services.db
    first = await uploads.ingest_document(LANDSLIDE.encode(), filename="article.txt")
    second = await uploads.ingest_document(RATES.encode(), filename="article.txt")
    assert (first.outcome, second.outcome) == (Outcome.NEW, Outcome.NEW)
    assert first.article_id != second.article_id
    again = await uploads.ingest_document(LANDSLIDE.encode(), filename="renamed.txt")
    assert (again.outcome, again.article_id) == (Outcome.UNCHANGED, first.article_id)
    async with database.unit_of_work() as uow:
        stored = await uow.articles.get_article(first.article_id or 0)
        other = await uow.articles.get_article(second.article_id or 0)
    assert stored is not None and other is not None
    assert (
        stored.title == "Landslide cuts valley road" and other.title == "Central bank holds rates"
    )
    assert stored.source == "upload"
    assert stored.location == "upload:article.txt"


async def test_upload_with_a_source_header_keeps_it(services: Services) -> None:
    uploads, database = services.uploads, services.db
    result = await uploads.ingest_document(
        f"Source: Alpine Wire\n{LANDSLIDE}".encode(), filename="x.md"
    )
    async with database.unit_of_work() as uow:
        stored = await uow.articles.get_article(result.article_id or 0)
    assert stored is not None and stored.source == "Alpine Wire"
