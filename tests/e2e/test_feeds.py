"""Feeds through the running bot: named by their own title, checked when added, OPML in and out."""

from __future__ import annotations

import html
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import listparser

from bot.ingest.poller import FeedPoller
from tests.e2e.conftest import ADMIN
from tests.fakes.feeds import FakeFeedServer, Reply, rss
from tests.shared import ANTWERP_STRIKE, SAMPLES

CHAT = 7301


def sample_item(relative: str) -> dict[str, str]:
    """Turn a bundled sample article (title line, URL: and Date: headers, body) into an RSS item."""
    from datetime import datetime

    lines = (SAMPLES / relative).read_text(encoding="utf-8").splitlines()
    headers = dict(line.split(": ", 1) for line in lines[1:3])
    body = "".join(f"<p>{html.escape(p)}</p>" for p in lines[3:] if p.strip())
    date = datetime.fromisoformat(headers["Date"].replace("Z", "+00:00"))
    return {"title": lines[0], "link": headers["URL"], "content": body,
            "date": format_datetime(date, usegmt=True)}  # fmt: skip


async def _poll(bot: Any) -> None:
    settings = bot.services.settings
    poller = FeedPoller(bot.services.db, bot.services.pipeline, settings)
    try:
        for report in await poller.poll_due(bot.clock()):
            assert report.status == "ok", report.describe()
    finally:
        await poller.close()


async def test_a_feed_added_by_url_carries_its_own_title_into_the_briefing(
    bot_factory: Any, feed_server: FakeFeedServer
) -> None:
    first, second = (sample_item(p) for p in ANTWERP_STRIKE)
    # Two feeds on one host: two sources, each named by its <title>.
    gamma = feed_server.feed("/gamma/rss.xml", rss([first], title="Gamma Wire"))
    beta = feed_server.feed("/beta/rss.xml", rss([second], title="Beta Times"))
    async with bot_factory(allow_private_feeds=True) as bot:
        (reply,) = await bot.say(ADMIN, f"/addfeed {gamma}")
        assert "Gamma Wire" in reply and "polled within a minute" in reply
        (reply,) = await bot.say(ADMIN, f"/addfeed {beta}")
        assert "Beta Times" in reply
        await _poll(bot)
        (summary, *_) = await bot.say(CHAT, "/summary 1")
        assert "Antwerp" in summary
        assert "Gamma Wire" in summary and "Beta Times" in summary
        assert "127.0.0.1" not in summary
        (sources, *_) = await bot.say(CHAT, "/sources 1")
        assert "<b>Gamma Wire</b>" in sources and "<b>Beta Times</b>" in sources
        (listing,) = await bot.say(ADMIN, "/feeds")
        assert gamma in listing and beta in listing
        assert "<b>Gamma Wire</b>" in listing and "1 article" in listing
        assert "never" not in listing  # both polled successfully


async def test_a_name_given_wins_and_same_titles_stay_two_sources(
    bot_factory: Any, feed_server: FakeFeedServer
) -> None:
    one = feed_server.feed("/a.xml", rss([], title="News"))
    two = feed_server.feed("/b.xml", rss([], title="News"))
    three = feed_server.feed("/c.xml", rss([], title="News"))
    async with bot_factory(allow_private_feeds=True) as bot:
        await bot.say(ADMIN, f"/addfeed {one}")
        await bot.say(ADMIN, f"/addfeed {two}")
        (reply,) = await bot.say(ADMIN, f"/addfeed {three} Harbour Desk")
        assert "Harbour Desk" in reply
        names = [s.feed.name for s in await bot.services.feeds.list()]
        assert names == ["News", "News (127.0.0.1)", "Harbour Desk"]


async def test_adding_refuses_a_404_a_loop_and_a_page_that_is_not_a_feed(
    bot_factory: Any, feed_server: FakeFeedServer
) -> None:
    missing = feed_server.url("/gone.xml")
    feed_server.route("/loop-a", lambda _r: Reply(302, b"", {"Location": "/loop-b"}))
    loop = feed_server.route("/loop-b", lambda _r: Reply(302, b"", {"Location": "/loop-a"}))
    page = feed_server.static("/page.html", b"<!doctype html><html><body>Hello</body></html>")
    async with bot_factory(allow_private_feeds=True) as bot:
        for url, reason in ((missing, "HTTP 404"), (loop, "redirect loop"), (page, "HTML page")):
            (reply,) = await bot.say(ADMIN, f"/addfeed {url}")
            assert "Cannot add that feed" in reply and reason in reply, reply
            assert "--force" in reply
        assert await bot.services.feeds.list() == []
        (reply,) = await bot.say(ADMIN, f"/addfeed {missing} --force")
        assert "Feed 1" in reply and "Added anyway" in reply and "HTTP 404" in reply
        (status,) = await bot.services.feeds.list()
        assert status.feed.url == missing and status.feed.name == "127.0.0.1"


OPML = b"""<?xml version="1.0" encoding="utf-8"?>
<opml version="1.0"><head><title>My reader</title></head><body>
<outline text="World">
  <outline type="rss" text="Gamma Wire" title="Gamma Wire" xmlUrl="%(gamma)s"/>
  <outline type="rss" text="Beta Times &amp; Co" xmlUrl="%(beta)s"/>
</outline>
<outline type="rss" text="Delta Post" xmlUrl="%(delta)s"/>
<outline type="rss" text="Bad one" xmlUrl="ftp://example.org/feed"/>
</body></opml>
"""


async def test_an_opml_round_trip_keeps_every_feed_and_name(
    bot_factory: Any, feed_server: FakeFeedServer, tmp_path: Path
) -> None:
    urls = {k: feed_server.url(f"/{k}.xml") for k in ("gamma", "beta", "delta")}
    document = OPML % {k.encode(): v.encode() for k, v in urls.items()}
    async with bot_factory(allow_private_feeds=True) as bot:
        before = len(bot.fake.to(ADMIN))
        await bot.fake.document(ADMIN, "subscriptions.opml", document)
        await bot.fake.wait_for(lambda: len(bot.fake.to(ADMIN)) > before)
        reply = html.unescape(bot.fake.to(ADMIN)[-1].text)
        assert "3 added, 0 already there, 1 refused" in reply
        assert "ftp://example.org/feed" in reply
        await bot.fake.command(ADMIN, "/export")
        await bot.fake.wait_for(lambda: bool(bot.fake.documents))
        (sent,) = bot.fake.documents
        assert sent.chat_id == ADMIN and sent.filename.endswith(".opml")
    exported = listparser.parse(sent.data)
    assert {(f.url, f.title) for f in exported.feeds} == {
        (urls["gamma"], "Gamma Wire"),
        (urls["beta"], "Beta Times & Co"),
        (urls["delta"], "Delta Post"),
    }
