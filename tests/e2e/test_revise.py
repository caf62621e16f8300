"""Revising the grouping in the running bot: merges are never news, old ids still lead somewhere."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.ingest.files import read_paths
from tests.e2e.conftest import FAST

CHAT = 7001

# One story told twice, a year and more apart in its datelines: the online clusterer's date gap
# keeps the halves apart, the order-free revision (which weighs words and names) joins them.
STORY = """{headline}
Date: {date}

{lead} The Varnholt lock on the Elsmere canal was closed after its lower gate cracked,
inspectors of the Elsmere waterways board said. Barges bound for Varnholt were held at the
Ostrava quay while divers surveyed the gate. The waterways board said the Varnholt lock would
stay closed until the cracked gate is replaced, and that barge operators on the Elsmere canal
would be told of any change.
"""

ARTICLES = {
    "canal-courier/lock.txt": ("Varnholt lock closed after gate cracks", "2025-01-10T09:00:00Z"),
    "barge-bulletin/lock.txt": ("Cracked gate shuts Varnholt lock", "2025-01-10T11:00:00Z"),
    "river-review/lock.txt": ("Varnholt lock on Elsmere canal closed", "2026-03-16T09:00:00Z"),
    "quay-gazette/lock.txt": ("Elsmere canal: Varnholt lock shut", "2026-03-16T12:00:00Z"),
}


def write_story(folder: Path) -> list[Path]:
    """Write the story's four articles, one folder per outlet, and return their paths."""
    paths = []
    for name, (headline, date) in ARTICLES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        lead = f"{headline}, officials said on {date[:10]}."
        path.write_text(STORY.format(headline=headline, date=date, lead=lead), encoding="utf-8")
        paths.append(path)
    return paths


def _alerts(bot: Any) -> list[Any]:
    return [s for s in bot.fake.to(CHAT) if "🔔" in s.text]


async def _event_ids(bot: Any) -> list[int]:
    async with bot.services.db.unit_of_work() as uow:
        return sorted(e.id for e in await uow.events.list_recent_events(limit=10))


async def _ingest(bot: Any, folder: Path) -> None:
    items = list(read_paths(write_story(folder), max_bytes=1_000_000, inbox=folder))
    await bot.services.pipeline.ingest(items)
    await _placed(bot)


async def _placed(bot: Any) -> None:
    """Wait until every stored article is placed (on PostgreSQL the event index's owner does it)."""
    async with asyncio.timeout(15):
        while True:
            async with bot.services.db.unit_of_work() as uow:
                if await uow.articles.count_placements() == 0:
                    return
            await asyncio.sleep(0.05)


async def test_a_merge_is_not_alerted_and_the_old_id_leads_to_the_survivor(
    bot_factory: Any, tmp_path: Path
) -> None:
    async with bot_factory(replace(FAST, revise=False)) as bot:
        await bot.say(CHAT, "/start")
        # No digest: moving the clock on may cross its time, and a digest renumbers the list.
        await bot.say(CHAT, "/digest off")
        await _ingest(bot, tmp_path / "articles")
        await bot.settle()
        first, second = await _event_ids(bot)  # two events, each from two outlets
        assert len(_alerts(bot)) == 2
        await bot.say(CHAT, "/events")  # lists both: "/summary 2" will mean the merged-away one

        assert await bot.runtime.revise_events() == 2
        assert await _event_ids(bot) == [first]  # the merged-away event is no longer listed
        bot.clock.advance(timedelta(hours=2))  # past the alert window: any update is due now
        await bot.settle()
        assert len(_alerts(bot)) == 2  # neither a new event nor a repeated alert

        numbered = "\n".join(await bot.say(CHAT, "/summary 2"))
        # A button on the alert about the merged-away event: it edits that message in place.
        alert = next(a for a in _alerts(bot) if f"s:{second}" in str(a.reply_markup))
        await bot.fake.press(CHAT, f"s:{second}", message_id=alert.message_id)
        await bot.fake.wait_for(lambda: bool(bot.fake.edits))
        pressed = bot.fake.edits[-1].text
        for reply in (numbered, pressed):
            assert "4 sources" in reply and "No event" not in reply


async def test_the_running_bot_revises_after_enough_new_articles(
    bot_factory: Any, tmp_path: Path
) -> None:
    async with bot_factory(replace(FAST, revise_after=4, revise_every=3600.0)) as bot:
        await _ingest(bot, tmp_path / "articles")
        async with asyncio.timeout(10):
            # The background pass runs on its own: nothing to wait on but the database.
            while len(await _event_ids(bot)) != 1:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        async with bot.services.db.unit_of_work() as uow:
            (event,) = await uow.events.list_recent_events(limit=10)
        assert event.source_count == 4


async def test_an_article_placed_during_a_pass_joins_the_event_that_survives_it(
    bot_factory: Any, tmp_path: Path, database_url: str
) -> None:
    async with bot_factory(replace(FAST, revise=False), database_url=database_url) as bot:
        await _ingest(bot, tmp_path / "articles")
        first, second = await _event_ids(bot)
        # More reports of the later half: on their own, the online clusterer puts them in the
        # second event, which the pass is about to merge away.
        late = []
        for outlet in ("lock-log", "canal-notes", "gate-watch"):
            path = tmp_path / "late" / outlet / "lock.txt"
            path.parent.mkdir(parents=True)
            headline, date = "Varnholt lock stays shut on Elsmere canal", "2026-03-17T08:00:00Z"
            lead = f"{headline}, officials said on {date[:10]}."
            path.write_text(STORY.format(headline=headline, date=date, lead=lead), encoding="utf-8")
            late.append(path)
        items = list(read_paths(late, max_bytes=1_000_000, inbox=tmp_path / "late"))

        # The placement and the pass run at once, as a feed and the background pass do.
        await asyncio.gather(bot.services.pipeline.ingest(items), bot.runtime.revise_events())
        await _placed(bot)

        assert await _event_ids(bot) == [first]
        async with bot.services.db.unit_of_work() as uow:
            held = await uow.articles.list_event_articles(first)
            orphans = await uow.articles.list_event_articles(second)
        assert (len(held), orphans) == (7, [])
