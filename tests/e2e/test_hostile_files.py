"""One hostile file (a date past year 9999 in UTC, JSON nested beyond the parser's stack) is
rejected with a reason and never costs the other files: in `briefbot ingest`, the inbox's
start-up scan, the inbox watcher and uploads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.ingest.files import parse_document
from bot.ingest.model import IngestResult, Outcome
from tests.e2e.conftest import ADMIN
from tests.fakes.faults import cli

BODY = (
    "The harbour authority reopened the northern pier on Wednesday after repairs to storm damage "
    "that had kept fishing boats away for most of the winter season."
)
OTHER_BODY = (
    "Volunteers counted more than four hundred nesting terns on the salt marsh this spring, the "
    "largest colony recorded there since the survey began two decades ago."
)
THIRD_BODY = (
    "The city council approved a new timetable for the night buses, adding three routes to the "
    "eastern districts and a later last departure on Saturdays."
)
FAR_FUTURE = f"Pier reopens early\nDate: 9999-12-31T23:00:00-05:00\n\n{BODY}"
NESTED = b"[" * 200_000 + b"]" * 200_000
GOOD = f"Terns return to the marsh\n\n{OTHER_BODY}"


def _hostile_folder(root: Path) -> Path:
    folder = root / "Harbour News"
    folder.mkdir(parents=True)
    (folder / "a-far-future.txt").write_text(FAR_FUTURE, encoding="utf-8")
    (folder / "b-nested.json").write_bytes(NESTED)
    (folder / "c-good.txt").write_text(GOOD, encoding="utf-8")
    return folder


def test_a_date_beyond_year_9999_in_utc_counts_as_no_date() -> None:
    item = parse_document(
        FAR_FUTURE.encode(),
        filename="a.txt",
        source="x",
        identity_path="a.txt",
        location="a.txt",
        max_bytes=100_000,
    )
    assert not isinstance(item, IngestResult) and item.published is None


async def test_briefbot_ingest_stores_the_good_file_beside_hostile_ones(tmp_path: Path) -> None:
    folder = _hostile_folder(tmp_path / "articles")
    code, out, err = await cli(tmp_path, {}, "ingest", str(folder))
    lines = out.splitlines()
    assert code == 1, (out, err)  # something was rejected
    assert any(line.startswith("new") and "c-good.txt" in line for line in lines), out
    assert any(line.startswith("new") and "a-far-future.txt" in line for line in lines), out
    assert any(
        line.startswith("rejected") and "b-nested.json" in line and "nested too deeply" in line
        for line in lines
    ), out
    assert lines[-1] == "3 item(s): 2 new article, 1 rejected"
    assert "Traceback" not in err


async def test_the_inbox_scan_and_watcher_ingest_good_files_beside_hostile_ones(
    bot_factory: Callable[..., Any], tmp_path: Path
) -> None:
    from bot.runtime import Timings
    from tests.e2e.conftest import FAST

    _hostile_folder(tmp_path / "inbox")  # there before the start: the start-up scan reads it
    async with bot_factory(Timings(**{**FAST.__dict__, "inbox": True})) as bot:
        async with asyncio.timeout(30):
            while True:
                async with bot.services.db.unit_of_work() as uow:
                    counts = await uow.stats.count_all()
                if counts.articles >= 2:
                    break
                await asyncio.sleep(0.1)
        later = bot.inbox / "Quay Post"
        later.mkdir()
        (later / "nested.json").write_bytes(NESTED)
        (later / "quay.txt").write_text(f"Night buses get three routes\n\n{THIRD_BODY}", "utf-8")
        async with asyncio.timeout(30):
            while True:
                async with bot.services.db.unit_of_work() as uow:
                    counts = await uow.stats.count_all()
                if counts.articles >= 3 and counts.sources >= 2:
                    break
                await asyncio.sleep(0.1)


async def test_an_upload_that_breaks_the_parser_gets_a_plain_answer(
    bot_factory: Callable[..., Any],
) -> None:
    async with bot_factory(admin_ids=frozenset({ADMIN})) as bot:
        before = len(bot.fake.to(ADMIN))
        await bot.fake.document(ADMIN, "deep.json", NESTED)
        await bot.fake.wait_for(lambda: len(bot.fake.to(ADMIN)) > before, within=20)
        (reply,) = [s.text for s in bot.fake.to(ADMIN)[before:]]
        assert "deep.json: rejected" in reply and "nested too deeply" in reply
        assert "Sorry" not in reply
        await bot.fake.document(ADMIN, "future.txt", FAR_FUTURE.replace("Pier", "Quay").encode())
        await bot.fake.wait_for(lambda: len(bot.fake.to(ADMIN)) > before + 1, within=20)
        assert "future.txt: new" in bot.fake.to(ADMIN)[-1].text
    assert Outcome.REJECTED.value == "rejected"


async def test_an_article_dated_year_one_does_not_break_the_articles_joining_its_event(
    tmp_path: Path,
) -> None:
    import json

    root = tmp_path / "articles"
    (root / "Harbour News").mkdir(parents=True)
    (root / "Quay Post").mkdir()
    ancient = {"title": "Pier reopens", "text": BODY, "published": "0001-01-01T00:00:00Z"}
    (root / "Harbour News" / "a-ancient.json").write_text(json.dumps(ancient), encoding="utf-8")
    (root / "Quay Post" / "pier.txt").write_text(
        f"Northern pier reopens after storm repairs\nDate: 2026-03-16T09:00:00Z\n\n{BODY} "
        "Two boats went out at once.",
        encoding="utf-8",
    )
    code, out, err = await cli(tmp_path, {}, "ingest", str(root))
    assert code == 0, (out, err)
    assert out.splitlines()[-1] == "2 item(s): 2 new article", out


SECRET_ENV = "BRIEFBOT_TELEGRAM_TOKEN=987654321:AAHfakefakefakefakefakefakefakefake12\n"


async def test_briefbot_ingest_never_follows_links_out_of_the_folder_nor_reads_secrets(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text(SECRET_ENV, encoding="utf-8")
    folder = tmp_path / "articles" / "Harbour News"
    folder.mkdir(parents=True)
    (folder / "notes.txt").symlink_to(tmp_path / ".env")
    (folder / "system").symlink_to("/usr")
    (folder / "settings.txt").write_text(f"Settings\n\n{SECRET_ENV}", encoding="utf-8")
    (folder / "terns.txt").write_text(GOOD, encoding="utf-8")
    code, out, err = await cli(tmp_path, {}, "ingest", str(tmp_path / "articles"))
    assert code == 1
    assert "987654321" not in out + err
    lines = out.splitlines()
    assert any("notes.txt" in line and "outside the folder" in line for line in lines), out
    assert any("settings.txt" in line and "secrets" in line for line in lines), out
    assert any(line.startswith("new") and "terns.txt" in line for line in lines), out
    assert lines[-1] == "4 item(s): 1 new article, 3 rejected", out
    code, out, err = await cli(tmp_path, {}, "brief", "--json")
    assert code == 0 and "987654321" not in out and "Terns" in out


async def _slowest_loop_gap(rounds: int = 20) -> float:
    """Return the longest the event loop was late over ``rounds`` short sleeps."""
    loop = asyncio.get_running_loop()
    slowest = 0.0
    for _ in range(rounds):
        started = loop.time()
        await asyncio.sleep(0.05)
        slowest = max(slowest, loop.time() - started - 0.05)
        await asyncio.sleep(0.1)
    return slowest


async def test_the_watcher_ignores_links_out_of_the_inbox_without_freezing(
    bot_factory: Callable[..., Any], tmp_path: Path
) -> None:
    from bot.runtime import Timings
    from tests.e2e.conftest import FAST

    timings = Timings(**{**FAST.__dict__, "inbox": True})
    loop = asyncio.get_running_loop()
    # The same start and the same wait with a plain inbox, measured on this machine now: a
    # loaded machine slows both alike, walking /usr on the loop adds seconds to one only.
    started = loop.time()
    async with bot_factory(timings, inbox_dir=tmp_path / "plain") as bot:
        await bot.say(42, "/help")
        plain_reply = loop.time() - started
        plain_gap = await _slowest_loop_gap()

    (tmp_path / ".env").write_text(SECRET_ENV, encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "system").symlink_to("/usr")  # seen by the start-up scan
    started = loop.time()
    async with bot_factory(timings) as bot:
        await bot.say(42, "/help")
        first_reply = loop.time() - started
        source = bot.inbox / "Harbour News"
        source.mkdir()
        (bot.inbox / "more").symlink_to("/usr/share")
        (source / "notes.txt").symlink_to(tmp_path / ".env")
        (source / "terns.txt").write_text(GOOD, encoding="utf-8")
        slowest = await _slowest_loop_gap()  # the watcher sees the changes within about a second
        async with asyncio.timeout(20):
            while True:
                async with bot.services.db.unit_of_work() as uow:
                    if (await uow.stats.count_all()).articles >= 1:
                        break
                await asyncio.sleep(0.1)
        replies = await bot.say(42, "/events")
        async with bot.services.db.unit_of_work() as uow:
            assert (await uow.stats.count_all()).articles == 1
    assert not any("987654321" in r for r in replies)
    # Starting takes about a second; walking /usr on the loop took several more.
    assert first_reply < 2 * plain_reply + 1.0, (
        f"the first /help took {first_reply:.1f}s after the start ({plain_reply:.1f}s without links)"
    )
    assert slowest < 2 * plain_gap + 0.4, (
        f"the event loop stalled for {slowest:.2f}s ({plain_gap:.2f}s without links)"
    )


async def test_nul_bytes_and_lone_surrogates_are_stored_cleaned(database: Any) -> None:
    import json

    from bot.events.service import EventService
    from bot.ingest.pipeline import Pipeline

    raw = json.dumps(
        {"title": "Pier\u0000 reopens \ud800", "text": f"{BODY}\u0000 Boats \udfff returned."}
    ).encode()
    item = parse_document(
        raw, filename="x.json", source="s", identity_path="x.json", location="x", max_bytes=10**6
    )
    (result,) = await Pipeline(database, EventService()).ingest([item])
    assert result.outcome is Outcome.NEW, result.reason
    async with database.unit_of_work() as uow:
        (event,) = await uow.events.list_recent_events(limit=5)
    assert event.headline == "Pier reopens \ufffd"


async def test_a_file_written_slowly_into_the_inbox_is_ingested_once_whole(
    bot_factory: Callable[..., Any],
) -> None:
    from bot.runtime import Timings
    from tests.e2e.conftest import FAST

    sentences = [
        f"Sentence {n} of the long report on the harbour works goes here." for n in range(12)
    ]
    async with bot_factory(Timings(**{**FAST.__dict__, "inbox": True})) as bot:
        (bot.inbox / "Harbour News").mkdir()
        path = bot.inbox / "Harbour News" / "report.txt"

        def copy_slowly() -> None:
            # Another program copying: a chunk every 0.3 s, whatever the bot's loop is doing.
            with path.open("w", encoding="utf-8") as out:
                out.write(f"Harbour works report\n\n{BODY}\n")
                for sentence in sentences:
                    out.write(sentence + " ")
                    out.flush()
                    time.sleep(0.3)

        await asyncio.to_thread(copy_slowly)
        async with asyncio.timeout(20):
            while True:
                async with bot.services.db.unit_of_work() as uow:
                    counts = await uow.stats.count_all()
                if counts.articles:
                    break
                await asyncio.sleep(0.1)
        await asyncio.sleep(3)  # a later partial read would be a second version by now
        async with bot.services.db.unit_of_work() as uow:
            counts = await uow.stats.count_all()
    assert (counts.articles, counts.versions) == (1, 1)
