"""/summary WORDS in the running bot, on SQLite and PostgreSQL: the same event on both.

The chat never subscribes: no alert arrives among the replies.

Words match headlines and titles as case-insensitive substrings, found through the text index
(SQLite FTS5 trigrams, PostgreSQL pg_trgm); these are the cases where the two could differ.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event

from bot.app import build_services
from bot.ingest.files import read_paths
from bot.runtime import Timings
from tests.e2e.conftest import FAST
from tests.e2e.test_revise import write_story

CHAT = 7301

# Four unrelated stories, one outlet each: (folder/file, title, date, body).
STORIES = [
    ("harbour-herald/regatta.txt", "ÉMILE Durand wins the Kessel regatta", "2026-03-10T08:00:00Z",
     "The sailor Émile Durand won the Kessel regatta on Tuesday after a storm delayed the start "
     "by two hours. Durand crossed the line four minutes ahead of the field, the race committee "
     "said, and will defend the trophy at the Kessel club next spring."),
    ("daily-ledger/vote.txt", "Vote: 100% of dockers back the Brenner strike", "2026-03-11T08:00:00Z",
     "Dockers at the Brenner terminal voted unanimously to strike over pay, their union said. "
     "The strike would begin on Monday and halt container traffic at the terminal, the union's "
     "regional secretary told reporters outside the hall after the count."),
    ("northern-wire/flood.txt", "1000 flee as the Ostrava river bursts its banks", "2026-03-12T08:00:00Z",
     "About a thousand residents left their homes in Ostrava overnight as the river rose above "
     "its banks after three days of rain, the fire brigade said. Shelters were opened in two "
     "schools and the mayor asked drivers to keep away from the flooded embankment roads."),
    ("riverside-gazette/visit.txt", "Жуков прибыл в Варну с визитом", "2026-03-09T08:00:00Z",
     "Посол Жуков прибыл в Варну во вторник с двухдневным визитом, сообщила пресс-служба. "
     "Он встретится с мэром города и посетит порт, где обсудит новые линии паромов через море "
     "и ремонт старого причала у северного мола."),
]  # fmt: skip


def _write(folder: Path, stories: list[tuple[str, str, str, str]]) -> list[Path]:
    paths = []
    for name, title, date, body in stories:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{title}\nDate: {date}\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


async def _ingest(bot: Any, folder: Path, paths: list[Path]) -> None:
    await bot.services.pipeline.ingest(list(read_paths(paths, max_bytes=1_000_000, inbox=folder)))
    async with asyncio.timeout(15):  # on PostgreSQL the event index's owner places them
        while True:
            async with bot.services.db.unit_of_work() as uow:
                if await uow.articles.count_placements() == 0:
                    return
            await asyncio.sleep(0.05)


async def _found(bot: Any, words: str) -> str:
    return "\n".join(await bot.say(CHAT, f"/summary {words}"))


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("100%", "Brenner"),  # literal: not a LIKE wildcard matching "1000 flee"
        ("émile", "Durand"),  # non-ASCII capitals fold on both databases
        ("ÉMILE regatta", "Durand"),
        ("жУКОВ", "Варну"),
        ("Ostrava", "Ostrava"),
        ("RIVER bursts", "Ostrava"),  # words of one title, in any order and case
        ("ostrava 1000", "Ostrava"),
        ("back", "Brenner"),
        ("urs", "Ostrava"),  # inside a word ("bursts")
        ("Ká", None),  # short, absent
        ("Vote:", "Brenner"),  # punctuation is part of the word
        ("dockers, strike", None),  # ... so "dockers," is not in "dockers back"
        ("<x>", None),
        ("1000 Brenner", None),  # every word, in the same event
    ],
)
async def test_summary_words_resolve_alike_on_both_databases(
    bot_factory: Any, database_url: str, tmp_path: Path, words: str, expected: str | None
) -> None:
    async with bot_factory(database_url=database_url) as bot:
        folder = tmp_path / "articles"
        await _ingest(bot, folder, _write(folder, STORIES))
        reply = await _found(bot, words)
        if expected is None:
            assert "No event matches" in reply
        else:
            assert expected in reply and "No event matches" not in reply


async def test_a_title_changed_later_is_found_by_its_new_words(
    bot_factory: Any, database_url: str, tmp_path: Path
) -> None:
    async with bot_factory(database_url=database_url) as bot:
        folder = tmp_path / "articles"
        await _ingest(bot, folder, _write(folder, STORIES))
        assert "No event matches" in await _found(bot, "Quarantine")
        name, _, date, body = STORIES[2]
        changed = (name, "Ostrava quarantine: 1000 flee the flood", date, body + " Later: more.")
        await _ingest(bot, folder, _write(folder, [changed]))
        assert "Ostrava" in await _found(bot, "Quarantine")
        assert "Ostrava" in await _found(bot, "river bursts")  # the old version's title still


async def test_words_of_a_merged_away_event_lead_to_its_survivor(
    bot_factory: Any, database_url: str, tmp_path: Path
) -> None:
    async with bot_factory(replace(FAST, revise=False), database_url=database_url) as bot:
        folder = tmp_path / "articles"
        await _ingest(bot, folder, write_story(folder))
        async with bot.services.db.unit_of_work() as uow:
            assert len(await uow.events.list_recent_events(limit=10)) == 2
        assert await bot.runtime.revise_events() == 2
        async with bot.services.db.unit_of_work() as uow:
            (survivor,) = await uow.events.list_recent_events(limit=10)
            # The merged-away event keeps its row (its id is an alias): never a match itself.
            found = await uow.events.list_matching_events(["varnholt", "LOCK"], limit=10)
            assert [e.id for e in found] == [survivor.id]
        # "Cracked gate shuts Varnholt lock" was the headline of the event merged away.
        for words in ("Cracked gate shuts", "varnholt lock"):
            reply = await _found(bot, words)
            assert "4 sources" in reply and "No event" not in reply


# Statements of the bot's own background work, which may run while a /summary is answered.
_BACKGROUND = ("outbox", "processes", "placements", "pg_advisory", "pg_try_advisory")
# The bot's own background tasks (its role leases, placement, delivery, heartbeat): whatever
# they read meanwhile is not the lookup's.
_BACKGROUND_TASKS = frozenset(
    ("roles", "placement", "outbox", "alert-loop", "revise-loop", "heartbeat", "inbox")
)


def _in_background() -> bool:
    try:
        task = asyncio.current_task()
    except RuntimeError:  # not on the event loop: not the handler's
        return True
    return task is not None and task.get_name() in _BACKGROUND_TASKS


@contextlib.contextmanager
def lookup_statements(bot: Any) -> Iterator[list[str]]:
    """Collect the SQL statements the bot runs meanwhile, its background jobs' left out."""
    seen: list[str] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not _in_background() and not any(name in statement for name in _BACKGROUND):
            seen.append(statement)

    engine = bot.services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", watch)


QUIET = Timings(inbox=False, feeds=False, alert_check=3600, digest_sweep=3600, revise=False)


async def test_a_summary_reads_its_event_in_one_statement(
    bot_factory: Any, database_url: str, tmp_path: Path
) -> None:
    async with bot_factory(QUIET, database_url=database_url) as bot:
        folder = tmp_path / "articles"
        await _ingest(bot, folder, _write(folder, STORIES))
        # Words on PostgreSQL: the search of the newest events; on SQLite: the counts, then
        # the search of the rarest word's events.
        words = 3 if database_url.startswith("postgresql") else 4
        queries = [("", 2), ("2", 2), ("Ostrava", words)]
        for query, _ in queries:  # the first reads analyse the events, and the chat's language
            await _found(bot, query)
        # The chat (its zone, its numbered list), then the event with its articles and versions.
        for query, most in queries:
            with lookup_statements(bot) as seen:
                reply = await _found(bot, query)
            assert "No event" not in reply and "There is no" not in reply
            assert len(seen) <= most, (query, [s[:90] for s in seen])


async def test_an_event_another_process_changed_is_briefed_anew(
    bot_factory: Any, database_url: str, tmp_path: Path
) -> None:
    async with bot_factory(QUIET, database_url=database_url) as bot:
        folder = tmp_path / "articles"
        await _ingest(bot, folder, _write(folder, STORIES))
        assert "quarantine" not in await _found(bot, "Ostrava")
        # Another process (its own engine and memos) stores a new version of the article.
        other = build_services(bot.services.settings, clock=bot.clock)
        try:
            name, _, date, body = STORIES[2]
            changed = (name, "Ostrava quarantine: 1000 flee the flood", date, body + " Later.")
            await _ingest(SimpleNamespace(services=other), folder, _write(folder, [changed]))
        finally:
            await other.close()
        assert "quarantine" in await _found(bot, "Ostrava")
