"""Poll feeds served over real loopback HTTP: caching, teasers, failures and back-off."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from bot.config import Settings
from bot.events.service import EventService
from bot.ingest.analysis import analyse
from bot.ingest.model import Outcome, ParsedArticle
from bot.ingest.pipeline import Pipeline
from bot.ingest.poller import (
    MAX_CONCURRENT_FEEDS,
    MAX_CONCURRENT_PAGES,
    FeedPoller,
    backoff,
    next_refetch,
)
from storage.records import FeedRecord
from storage.unit_of_work import Database
from tests.fakes.feeds import (
    FakeFeedServer,
    Gate,
    Reply,
    article_page,
    gzip_bomb,
    rss,
)

NOW = datetime(2026, 1, 8, 12, 0, tzinfo=UTC)
LONG = (
    "The city council approved the new transit budget on Tuesday after a debate that lasted "
    "well into the night, with nine members voting in favour and four against the plan. "
)
PARAGRAPHS = [
    LONG,
    "The budget sets aside 120 million dollars for new buses and longer evening service on the "
    "busiest routes, the transit authority said in a statement.",
    "Opponents argued that fares should have been frozen instead, and said they would bring the "
    "question back to the council before the summer.",
]


@contextmanager
def statements_starting(database: Database, prefix: str) -> Iterator[list[str]]:
    """Collect the SQL statements beginning with ``prefix`` run while the block runs."""
    seen: list[str] = []

    def watch(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith(prefix):
            seen.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", watch)


@pytest.fixture
async def poller(database: Database) -> AsyncIterator[FeedPoller]:
    settings = Settings(allow_private_feeds=True, poll_interval=600, max_file_bytes=1_000_000)
    # The pipeline's clock is NOW too: what it stamps (first seen, next re-fetch) is known.
    pipeline = Pipeline(database, EventService(), clock=lambda: NOW)
    poller = FeedPoller(database, pipeline, settings, fetch_timeout=5.0)
    yield poller
    await poller.close()


async def add_feed(db: Database, url: str, name: str = "Example News") -> FeedRecord:
    async with db.unit_of_work() as uow:
        return await uow.feeds.add(url=url, name=name, now=NOW)


async def get_feed(db: Database, feed_id: int) -> FeedRecord:
    async with db.unit_of_work() as uow:
        feed = await uow.feeds.get_feed(feed_id)
    assert feed is not None
    return feed


VOCABULARY = [
    "harbour",
    "bridge",
    "school",
    "storm",
    "election",
    "vaccine",
    "strike",
    "river",
    "airport",
    "museum",
    "factory",
    "festival",
    "court",
    "budget",
    "wildfire",
    "railway",
    "hospital",
    "market",
    "senate",
    "drought",
    "council",
]


def story_text(n: int) -> str:
    """Write a distinct few sentences for story ``n``."""
    rng = random.Random(n)
    sentences = []
    for _ in range(6):
        picked = rng.sample(VOCABULARY, 6)
        sentences.append(
            f"Officials said the {picked[0]} and the {picked[1]} were affected by the {picked[2]}, "
            f"while the {picked[3]} near the {picked[4]} reopened after the {picked[5]}."
        )
    return " ".join(sentences)


def full_item(n: int) -> dict[str, str]:
    return {
        "title": f"Story number {n}",
        "link": f"http://example.test/story/{n}?utm_source=rss",
        "content": f"<p>{story_text(n)}</p>",
        "date": "Thu, 08 Jan 2026 09:00:00 GMT",
    }


async def test_first_poll_stores_entries_and_second_is_not_modified(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    url = server.feed("/feed.xml", rss([full_item(1), full_item(2)]))
    feed = await add_feed(database, url)
    report = await poller.poll_feed(feed, NOW)
    assert report.status == "ok", report.describe()
    assert [r.outcome for r in report.results] == [Outcome.NEW, Outcome.NEW]
    assert "2 new, 0 version" in report.describe()

    stored = await get_feed(database, feed.id)
    assert stored.etag == '"v1"' and stored.last_modified
    assert stored.next_poll_at == NOW + timedelta(seconds=600)
    again = await poller.poll_feed(stored, NOW + timedelta(minutes=10))
    assert again.status == "not-modified"
    assert again.results == []
    assert server.not_modified["/feed.xml"] == 1
    async with database.unit_of_work() as uow:
        article = await uow.articles.get_article_by_identity("http://example.test/story/1")
    assert article is not None
    assert article.published == datetime(2026, 1, 8, 9, 0, tzinfo=UTC)


async def test_changed_feed_brings_a_version_and_keeps_the_rest(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    url = server.feed("/feed.xml", rss([full_item(1), full_item(2)]))
    feed = await add_feed(database, url)
    await poller.poll_feed(feed, NOW)
    edited = full_item(2) | {"title": "Story number 2, now with a new headline"}
    server.update_feed("/feed.xml", rss([full_item(1), edited, full_item(3)]), etag="v2")
    report = await poller.poll_feed(await get_feed(database, feed.id), NOW + timedelta(hours=1))
    outcomes = [r.outcome for r in report.results]
    assert outcomes == [Outcome.UNCHANGED, Outcome.VERSION, Outcome.NEW]


async def test_teaser_entry_takes_the_article_page_text(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    page = server.static("/story/teaser", article_page("Council passes transit budget", PARAGRAPHS))
    teaser = {"title": "Council passes budget", "link": page, "description": "The council voted."}
    url = server.feed("/teasers.xml", rss([teaser]))
    report = await poller.poll_feed(await add_feed(database, url), NOW)
    assert [r.outcome for r in report.results] == [Outcome.NEW]
    async with database.unit_of_work() as uow:
        article = await uow.articles.get_article(report.results[0].article_id or 0)
    assert article is not None
    assert "120 million dollars" in article.latest.text
    assert "Copyright" not in article.latest.text
    assert article.title == "Council passes transit budget"

    # A changed page becomes a new version when its re-fetch is due (15 minutes later).
    server.static(
        "/story/teaser",
        article_page("Council passes transit budget", [*PARAGRAPHS, "The mayor signed it."]),
    )
    assert await poller.refetch_due(NOW + timedelta(minutes=14)) == []
    assert server.hits["/story/teaser"] == 1
    refetched = await poller.refetch_due(NOW + timedelta(minutes=16))
    assert [r.outcome for r in refetched] == [Outcome.VERSION]
    assert server.hits["/story/teaser"] == 2
    # The next re-fetch is 15 minutes after that one.
    assert await poller.refetch_due(NOW + timedelta(minutes=30)) == []
    assert server.hits["/story/teaser"] == 2


async def test_new_articles_come_analysed_by_the_parsing_workers(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    page = server.static(
        "/story/analysed", article_page("Council passes transit budget", PARAGRAPHS)
    )
    entries = [
        {"title": "Council passes budget", "link": page, "description": "The council voted."},
        # The page is missing: the entry's own text is stored.
        {"title": "Port reopens", "link": server.url("/story/gone"), "description": story_text(9)},
        full_item(3),
    ]
    url = server.feed("/analysed.xml", rss(entries))
    polled = await poller._fetch_and_parse(await add_feed(database, url), NOW)
    items = [item for item in polled.items if isinstance(item, ParsedArticle)]
    assert [item.title for item in items] == [
        "Council passes transit budget",
        "Port reopens",
        "Story number 3",
    ]
    for item in items:
        assert item.analysis == analyse(item.title, item.text), item.title


async def test_entries_without_link_guid_or_date(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    no_link = {"title": "Orphan", "content": f"<p>{story_text(1)}</p>"}
    guid_only = {"title": "Guid only", "guid": "item-77", "content": f"<p>{story_text(2)}</p>"}
    undated = {"title": "Undated", "link": "http://example.test/u", "content": story_text(3)}
    url = server.feed("/odd.xml", rss([no_link, guid_only, undated]))
    report = await poller.poll_feed(await add_feed(database, url), NOW)
    assert [r.outcome for r in report.results] == [Outcome.REJECTED, Outcome.NEW, Outcome.NEW]
    assert "neither a link nor a guid" in report.results[0].reason
    async with database.unit_of_work() as uow:
        guid = await uow.articles.get_article_by_identity("guid:127.0.0.1/item-77")
        undated_article = await uow.articles.get_article_by_identity("http://example.test/u")
    assert guid is not None
    assert undated_article is not None and undated_article.published is None


def _failures(server: FakeFeedServer) -> dict[str, tuple[str, str]]:
    server.route("/missing.xml", lambda _r: Reply(404, b"gone"))
    server.route("/broken.xml", lambda _r: Reply(500, b"oops"))
    server.route("/loop-a", lambda _r: Reply(302, headers={"Location": "/loop-b"}))
    server.route("/loop-b", lambda _r: Reply(302, headers={"Location": "/loop-a"}))
    server.route("/bomb.xml", lambda _r: gzip_bomb(30_000_000))
    server.static("/page.html", article_page("Not a feed", PARAGRAPHS))
    server.route("/big.xml", lambda _r: Reply(200, b"<rss>" + b" " * 2_000_000 + b"</rss>"))
    return {
        "missing": (server.url("/missing.xml"), "HTTP 404"),
        "broken": (server.url("/broken.xml"), "HTTP 500"),
        "loop": (server.url("/loop-a"), "redirect loop"),
        "bomb": (server.url("/bomb.xml"), "decompressed"),
        "html": (server.url("/page.html"), "not a feed: got an HTML page"),
        "big": (server.url("/big.xml"), "over the limit"),
    }


async def test_failing_feeds_back_off_and_never_stop_the_others(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    good = await add_feed(database, server.feed("/good.xml", rss([full_item(1)])), "Good")
    cases = _failures(server)
    ids = {name: (await add_feed(database, url, name)).id for name, (url, _) in cases.items()}

    reports = {r.feed_id: r for r in await poller.poll_due(NOW)}
    assert reports[good.id].status == "ok"
    assert reports[good.id].counts[Outcome.NEW] == 1
    for name, (_, expected) in cases.items():
        report = reports[ids[name]]
        assert report.status == "error", name
        assert expected in (report.error or ""), (name, report.error)
        assert expected in report.describe()
        stored = await get_feed(database, ids[name])
        assert stored.last_error == report.error
        assert stored.error_count == 1
        assert stored.next_poll_at == NOW + timedelta(seconds=1200)

    # Only the good feed is due again after its interval; failing ones wait twice as long.
    later = await poller.poll_due(NOW + timedelta(seconds=600))
    assert [r.feed_id for r in later] == [good.id]
    again = {r.feed_id: r for r in await poller.poll_due(NOW + timedelta(seconds=1200))}
    assert (await get_feed(database, ids["missing"])).error_count == 2
    assert again[ids["missing"]].next_poll_at == NOW + timedelta(seconds=1200 + 2400)


async def test_slow_feed_times_out(server: FakeFeedServer, database: Database) -> None:
    settings = Settings(allow_private_feeds=True, poll_interval=600)
    hasty = FeedPoller(database, Pipeline(database, EventService()), settings, fetch_timeout=0.3)
    url = server.route("/slow.xml", lambda _r: Reply(200, rss([full_item(9)]), delay=2.0))
    try:
        report = await hasty.poll_feed(await add_feed(database, url), NOW)
    finally:
        await hasty.close()
    assert report.status == "error"
    assert "timed out" in (report.error or "")
    assert (await get_feed(database, report.feed_id)).error_count == 1


async def test_malformed_feed_with_entries_is_used(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    body = rss([full_item(1)]).replace(b"</channel></rss>", b"<oops></channel>")
    url = server.feed("/bozo.xml", body)
    report = await poller.poll_feed(await add_feed(database, url), NOW)
    assert report.status == "ok"
    assert report.problem
    assert report.counts[Outcome.NEW] == 1


async def test_private_addresses_are_refused_unless_allowed(
    server: FakeFeedServer, database: Database
) -> None:
    settings = Settings(allow_private_feeds=False)
    strict = FeedPoller(database, Pipeline(database, EventService()), settings)
    try:
        url = server.feed("/feed.xml", rss([full_item(1)]))
        report = await strict.poll_feed(await add_feed(database, url), NOW)
    finally:
        await strict.close()
    assert report.status == "error"
    assert "private, loopback or reserved" in (report.error or "")
    assert server.hits["/feed.xml"] == 0


def test_backoff_and_refetch_schedules() -> None:
    assert backoff(900, 1) == timedelta(seconds=1800)
    assert backoff(900, 3) == timedelta(seconds=7200)
    assert backoff(900, 40) == timedelta(days=1)
    seen = NOW
    assert next_refetch(seen, NOW + timedelta(minutes=5)) == NOW + timedelta(minutes=20)
    assert next_refetch(seen, NOW + timedelta(hours=2)) == NOW + timedelta(hours=3)
    assert next_refetch(seen, NOW + timedelta(hours=12)) == NOW + timedelta(hours=18)
    assert next_refetch(seen, NOW + timedelta(days=2)) == NOW + timedelta(days=3)
    assert next_refetch(seen, NOW + timedelta(days=3, minutes=1)) is None


async def count_articles(db: Database) -> int:
    async with db.unit_of_work() as uow:
        return (await uow.stats.count_all()).articles


async def test_stored_articles_survive_a_failing_feed(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    url = server.feed("/feed.xml", rss([full_item(1), full_item(2)]))
    feed = await add_feed(database, url)
    assert (await poller.poll_feed(feed, NOW)).counts[Outcome.NEW] == 2
    broken: list[tuple[Reply, str]] = [
        (Reply(500, b"oops"), "HTTP 500"),
        (Reply(200, b""), "not a feed: the response is empty"),
        (Reply(200, b"Service temporarily unavailable."), "not a feed"),
        (Reply(200, b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}'), "items"),
    ]
    for n, (reply, expected) in enumerate(broken, start=1):
        server.route("/feed.xml", lambda _r, reply=reply: reply)  # type: ignore[misc]
        report = await poller.poll_feed(await get_feed(database, feed.id), NOW + timedelta(days=n))
        assert report.status == "error" and expected in (report.error or ""), report.error
        assert await count_articles(database) == 2
    async with database.unit_of_work() as uow:
        article = await uow.articles.get_article_by_identity("http://example.test/story/2")
    assert article is not None and article.title == "Story number 2"
    assert (await get_feed(database, feed.id)).error_count == len(broken)


def json_feed(items: list[object]) -> bytes:
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Odd JSON", "items": items}
    return json.dumps(feed).encode()


async def test_odd_items_are_skipped_and_the_rest_of_the_feed_is_stored(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    good = {
        "id": "g1",
        "url": "http://example.test/g1",
        "title": "Good",
        "content_text": story_text(1),
    }
    numbers = {
        "id": 2,
        "url": 42,
        "title": "Numbers for url and date",
        "content_text": story_text(2),
        "date_published": 1767225600,
    }
    relative = {"id": "r", "url": "/stories/r", "title": "Relative", "content_text": story_text(3)}
    url = server.feed("/odd.json", json_feed([good, numbers, "not an item", relative]))
    report = await poller.poll_feed(await add_feed(database, url), NOW)
    assert report.status == "ok", report.describe()
    outcomes = [r.outcome for r in report.results]
    assert outcomes == [Outcome.NEW, Outcome.NEW, Outcome.NEW, Outcome.REJECTED]
    assert "entry 3 could not be read" in report.results[3].reason
    async with database.unit_of_work() as uow:
        by_guid = await uow.articles.get_article_by_identity("guid:127.0.0.1/2")
        resolved = await uow.articles.get_article_by_identity(server.url("/stories/r"))
    assert by_guid is not None and by_guid.published is None
    assert resolved is not None and resolved.location == server.url("/stories/r")


async def test_relative_rss_links_resolve_against_the_feed_url(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    item = full_item(1) | {"link": "/story/relative"}
    guid_name = {"title": "Guid name", "guid": "item-5", "content": f"<p>{story_text(5)}</p>"}
    url = server.feed("/news/feed.xml", rss([item, guid_name]))
    report = await poller.poll_feed(await add_feed(database, url), NOW)
    assert [r.location for r in report.results] == [server.url("/story/relative"), "item-5"]
    async with database.unit_of_work() as uow:
        assert await uow.articles.get_article_by_identity(server.url("/story/relative")) is not None
        # A guid that is a name, not an address, stays a guid.
        assert await uow.articles.get_article_by_identity("guid:127.0.0.1/item-5") is not None


async def test_last_modified_without_etag_gives_304(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    url = server.feed("/dated.xml", rss([full_item(1)]), etag=None)
    feed = await add_feed(database, url)
    assert (await poller.poll_feed(feed, NOW)).status == "ok"
    stored = await get_feed(database, feed.id)
    assert stored.etag is None and stored.last_modified == "Thu, 08 Jan 2026 09:00:00 GMT"
    again = await poller.poll_feed(stored, NOW + timedelta(minutes=10))
    assert again.status == "not-modified"
    assert server.not_modified["/dated.xml"] == 1
    # A 304 keeps the validators it was asked with.
    assert (await get_feed(database, feed.id)).last_modified == stored.last_modified


async def test_polls_answered_304_keep_their_connection(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    feed = await add_feed(database, server.feed("/kept.xml", rss([full_item(1)])))
    assert (await poller.poll_feed(feed, NOW)).status == "ok"
    opened = server.connections
    for n in range(1, 4):
        stored = await get_feed(database, feed.id)
        again = await poller.poll_feed(stored, NOW + timedelta(minutes=10 * n))
        assert again.status == "not-modified"
    assert server.not_modified["/kept.xml"] == 3
    assert server.connections == opened


async def test_polls_that_end_together_share_their_write(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    count = 12
    for n in range(count):
        server.feed(f"/together/{n}.xml", rss([full_item(n)]))
        await add_feed(database, server.url(f"/together/{n}.xml"), f"Feed {n}")
    assert [r.status for r in await poller.poll_due(NOW)] == ["ok"] * count
    gate = Gate(count - 1, hold=2.0)  # the answers wait until all twelve were asked for
    for n in range(count):
        server.routes[f"/together/{n}.xml"] = gate(server.routes[f"/together/{n}.xml"])
    with statements_starting(database, "UPDATE FEEDS") as updates:
        reports = await poller.poll_due(NOW + timedelta(hours=1))
    assert [r.status for r in reports] == ["not-modified"] * count, [r.error for r in reports]
    # One write per feed before; the polls that finished meanwhile share one now (how many
    # finish together depends on the machine's load, so only "fewer" is certain).
    assert 1 <= len(updates) < count
    for feed in [await get_feed(database, r.feed_id) for r in reports]:
        assert feed.last_polled_at == NOW + timedelta(hours=1)
        assert feed.next_poll_at == NOW + timedelta(hours=1, seconds=600)


async def test_feeds_are_polled_at_most_sixteen_at_once(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    # Held long enough for all sixteen to arrive on a busy machine (each feed's turn reads the
    # database first): with the half-second default the first were let go before the last came.
    gate = Gate(MAX_CONCURRENT_FEEDS, hold=2.0)
    for n in range(MAX_CONCURRENT_FEEDS + 8):
        path = f"/many/{n}.xml"
        server.feed(path, rss([full_item(n)]))
        server.routes[path] = gate(server.routes[path])
        await add_feed(database, server.url(path), f"Feed {n}")
    reports = await poller.poll_due(NOW)
    assert [r.status for r in reports] == ["ok"] * (MAX_CONCURRENT_FEEDS + 8)
    assert gate.most == MAX_CONCURRENT_FEEDS


async def test_article_pages_are_fetched_at_most_eight_at_once(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    count = MAX_CONCURRENT_PAGES + 4
    first = Gate(MAX_CONCURRENT_PAGES)
    teasers = []
    for n in range(count):
        page = article_page(f"Story {n}", [story_text(n), story_text(n + 100)])
        path = f"/pages/{n}"
        server.route(path, first(lambda _r, page=page: Reply(200, page)))  # type: ignore[misc]
        teasers.append({"title": f"Story {n}", "link": server.url(path), "description": "Soon."})
    url = server.feed("/teasers.xml", rss(teasers))
    report = await poller.poll_feed(await add_feed(database, url), NOW)
    assert report.counts[Outcome.NEW] == count
    assert first.most == MAX_CONCURRENT_PAGES

    again = Gate(MAX_CONCURRENT_PAGES)
    for n in range(count):
        page = article_page(f"Story {n}", [story_text(n), story_text(n + 200)])
        server.route(f"/pages/{n}", again(lambda _r, page=page: Reply(200, page)))  # type: ignore[misc]
    refetched = await poller.refetch_due(NOW + timedelta(minutes=16))
    assert [r.outcome for r in refetched] == [Outcome.VERSION] * count
    assert again.most == MAX_CONCURRENT_PAGES


async def test_undated_entry_takes_the_page_date_but_the_feed_date_wins(
    server: FakeFeedServer, poller: FeedPoller, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    page = article_page("Budget passes", PARAGRAPHS, published="2026-01-07T18:30:00Z")
    link = server.static("/story/dated-page", page)
    other_page = article_page(
        "Budget debate", [story_text(4), story_text(5)], published="2026-01-01T00:00:00Z"
    )
    other = server.static("/story/other-page", other_page)
    undated = {"title": "Budget passes", "link": link, "description": "Teaser."}
    dated = {
        "title": "Budget debate",
        "link": other,
        "description": "Teaser.",
        "date": "Thu, 08 Jan 2026 09:00:00 GMT",
    }
    url = server.feed("/dates.xml", rss([undated, dated]))
    caplog.set_level("INFO", logger="bot.ingest.poller")
    report = await poller.poll_feed(await add_feed(database, url), NOW)
    assert report.counts[Outcome.NEW] == 2
    async with database.unit_of_work() as uow:
        from_page = await uow.articles.get_article_by_identity(link)
        from_feed = await uow.articles.get_article_by_identity(other)
    assert from_page is not None and from_page.published == datetime(2026, 1, 7, 18, 30, tzinfo=UTC)
    assert from_feed is not None and from_feed.published == datetime(2026, 1, 8, 9, 0, tzinfo=UTC)
    assert "has no date" not in caplog.text  # both have one now

    no_date = {"title": "No date", "link": "http://example.test/nd", "content": story_text(6)}
    server.update_feed("/dates.xml", rss([no_date]), etag="v2")
    await poller.poll_feed(await get_feed(database, report.feed_id), NOW + timedelta(hours=1))
    assert "http://example.test/nd has no date" in caplog.text


async def test_teaser_whose_page_failed_is_fetched_again_later(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    link = server.route("/story/flaky", lambda _r: Reply(503, b"busy"))
    teaser = {"title": "Council passes budget", "link": link, "description": "The council voted."}
    url = server.feed("/flaky.xml", rss([teaser]))
    report = await poller.poll_feed(await add_feed(database, url), NOW)
    assert [r.outcome for r in report.results] == [Outcome.NEW]  # the teaser, for now

    server.static("/story/flaky", article_page("Council passes transit budget", PARAGRAPHS))
    refetched = await poller.refetch_due(NOW + timedelta(minutes=16))
    assert [r.outcome for r in refetched] == [Outcome.VERSION]
    async with database.unit_of_work() as uow:
        article = await uow.articles.get_article_by_identity(link)
    assert article is not None
    assert article.versions[0].text == "The council voted."
    assert "120 million dollars" in article.latest.text


async def test_teaser_without_text_whose_page_failed_is_retried(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    link = server.route("/story/down", lambda _r: Reply(503, b"busy"))
    url = server.feed("/bare.xml", rss([{"title": "Only a title", "link": link}]))
    report = await poller.poll_feed(await add_feed(database, url), NOW)
    [result] = report.results
    assert result.outcome is Outcome.REJECTED and result.retry
    assert "HTTP 503" in result.reason
    assert (await get_feed(database, report.feed_id)).etag is None


async def test_polls_that_run_together_ask_for_their_known_entries_together(
    server: FakeFeedServer, poller: FeedPoller, database: Database
) -> None:
    count = 12
    feeds = []
    for n in range(count):
        page = server.static(f"/known/{n}.html", article_page(f"Story {n}", PARAGRAPHS))
        feeds.append(rss([{"title": f"Story {n}", "link": page, "description": "Read on."}]))
        server.feed(f"/known/{n}.xml", feeds[n], etag="v1")
        await add_feed(database, server.url(f"/known/{n}.xml"), f"Feed {n}")
    assert [r.status for r in await poller.poll_due(NOW)] == ["ok"] * count
    gate = Gate(count - 1, hold=2.0)  # the feeds answer together
    for n in range(count):
        path = f"/known/{n}.xml"
        server.update_feed(path, feeds[n], etag="v2")  # the same entries, not a 304
        server.routes[path] = gate(server.routes[path])
    with statements_starting(database, "SELECT ARTICLES.IDENTITY") as lookups:
        reports = await poller.poll_due(NOW + timedelta(hours=1))
    # Each teaser is known from the first poll: no page fetched again, nothing stored.
    assert [r.counts[Outcome.UNCHANGED] for r in reports] == [1] * count
    assert all(server.hits[f"/known/{n}.html"] == 1 for n in range(count))
    # One lookup per feed before; the polls waiting meanwhile share one now.
    assert 1 <= len(lookups) < count
