"""One slow feed (article pages that take ages) never keeps a healthy feed from its turn."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from tests.e2e.conftest import FAST
from tests.fakes.feeds import Reply, running_server


async def _until(predicate: Callable[[], bool], *, within: float = 10) -> None:
    async with asyncio.timeout(within):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.05)


def _rss(items: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<link>http://example.org/</link><description>d</description>{items}</channel></rss>"
    ).encode()


async def test_a_slow_feed_does_not_stall_a_healthy_one(bot_factory: Callable[..., Any]) -> None:
    timings = replace(FAST, feeds=True, feed_poll=0.3)
    with running_server() as server:
        for n in range(8):
            server.route(f"/slow/{n}", lambda _r: Reply(200, b"<html></html>", delay=25.0))
        teasers = "".join(
            f"<item><title>Teaser {n}</title><link>{server.url(f'/slow/{n}')}</link>"
            f"<description>More inside.</description></item>"
            for n in range(8)
        )
        slow = server.feed("/slow.xml", _rss(teasers))
        healthy = server.feed("/healthy.xml", _rss(""), etag=None)
        async with bot_factory(timings) as bot:
            async with bot.services.db.unit_of_work() as uow:
                now = bot.clock()
                await uow.feeds.add(url=slow, name="slow", now=now, interval_seconds=30)
                await uow.feeds.add(url=healthy, name="healthy", now=now, interval_seconds=30)
            await _until(lambda: server.hits["/healthy.xml"] >= 1 and server.hits["/slow/0"] >= 1)
            bot.clock.advance(timedelta(seconds=31))  # the healthy feed is due again
            loop = asyncio.get_running_loop()
            started = loop.time()
            await _until(lambda: server.hits["/healthy.xml"] >= 2, within=20)
            waited = loop.time() - started
    assert waited < 5.0, f"the healthy feed waited {waited:.1f}s behind the slow one"
