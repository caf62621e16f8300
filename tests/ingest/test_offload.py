"""Feed parsing and page extraction run in worker processes, their errors raised here."""

from __future__ import annotations

import os

import pytest

from bot.ingest.extract import read_page
from bot.ingest.feed import NotAFeed, parse_feed_bytes
from bot.ingest.offload import ParsePool
from tests.fakes.feeds import article_page, rss


async def test_work_runs_in_another_process_and_its_errors_come_back() -> None:
    pool = ParsePool(2)
    try:
        assert await pool.run(os.getpid) != os.getpid()
        feed = rss([{"title": "Bridge reopens", "link": "http://x.test/1"}])
        parsed = await pool.run(parse_feed_bytes, feed, base_url="http://x.test/feed")
        assert [e.title for e in parsed.entries] == ["Bridge reopens"]
        with pytest.raises(NotAFeed, match="empty"):
            await pool.run(parse_feed_bytes, b"  ")
        page = article_page("Council votes", ["The council voted on the budget. " * 5])
        assert (await pool.run(read_page, page, url="http://x.test/1")).title == "Council votes"
    finally:
        await pool.close()


async def test_no_workers_means_a_thread_of_this_process() -> None:
    pool = ParsePool(0)
    assert await pool.run(os.getpid) == os.getpid()
    await pool.close()
