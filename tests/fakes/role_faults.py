"""kill -9 of the process holding one role, through real processes, while every kind of work
is under way: a digest sweep and its delivery, a poll cycle (feeds that have not answered yet)
and an ingest batch (files in the inbox both processes watch, stories that alert).

Process A is pinned to the role (``--role <role> --role feeds``) and started first; B wants
every role and takes the others. A is killed once the role's own work is under way; the
outcome says how long B took to hold the role and what Telegram received. The multi-process
tests and their benchmark run this same scenario (the benchmark with more chats).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.events.service import EventService
from bot.ingest.model import ParsedArticle
from bot.ingest.pipeline import Pipeline
from bot.times import utcnow
from storage.db import sync_url, upgrade
from storage.unit_of_work import Database
from tests.fakes.faults import bot_process, process_env, process_roles, scratch_postgres, wait_until
from tests.fakes.feeds import FakeFeedServer, Reply, Request, rss
from tests.fakes.telegram import FakeTelegram

ROLES = ("telegram", "events", "digests", "delivery")
# A message may go twice only when Telegram acknowledged it and the dead process had not yet
# stored that: at most one per chat in flight (64 lanes), and for updates the batch of one
# getUpdates whose offset was not confirmed yet.
MAX_IN_FLIGHT = 64
# Alerts go to these chats only (every story matches them); digests go to the others.
ALERT_CHATS = range(900_000, 900_003)
COMMAND_CHATS = range(800_000, 800_020)
# Stories told by two sources each (so they alert); half reach the inbox before the kill.
STORIES = 6
FEED_STORIES = 3
# Feeds answer this late (under the fetch timeout): the kill comes while A waits for them.
FEED_DELAY = 15.0
# The digest chats follow this word, which only the events stored beforehand carry.
DIGEST_WORD = "lighthouse"
_STORY = re.compile(r"story (\d+)\b")
_LOCATION = re.compile(r"story-(\d+)\.txt$|example\.test/(\d+)$")


@dataclass
class RoleFault:
    """What one kill -9 of one role's holder did."""

    role: str
    chats: int
    takeover: float = 0.0
    lost: int = 0
    duplicated: int = 0
    # Work the killed process had done when it died (for the report: was it mid-work?).
    at_kill: dict[str, int] = field(default_factory=dict)
    alerted_twice: list[str] = field(default_factory=list)
    not_alerted: list[str] = field(default_factory=list)
    articles: int = 0
    articles_wanted: int = 0
    unplaced: int = 0
    # Seconds from the takeover until everything was delivered, stored, placed and alerted.
    done_after: float = float("inf")
    # Stories whose articles (two sources each) were placed into more than one event.
    split: list[int] = field(default_factory=list)
    unanswered: list[int] = field(default_factory=list)
    answered_twice: int = 0
    stderr: str = ""


def _count(url: str, sql: str) -> int:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def _words(n: int) -> list[str]:
    return [f"{w}{n}" for w in ("quarry", "tram", "orchard", "senate", "glacier", "mint")]


def _story_text(n: int) -> str:
    words = _words(n)
    return " ".join(f"{w}{i}" for i in range(6) for w in words) + "."


def _headline(n: int) -> str:
    return f"{_words(n)[0]} {_words(n)[1]} story {n}"


def _write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.parent.parent / f".{path.name}.part"
    aside.write_text(content)
    aside.rename(path)


async def _seed(url: str, chats: int) -> None:
    """Store events the digests will carry; subscribe the digest and the alert chats."""
    db = Database(url)
    now = utcnow()
    try:
        items = [
            ParsedArticle(
                title=f"{DIGEST_WORD} harbour report {n}",
                text=" ".join(f"{DIGEST_WORD} harbour{n} pier{i} ferry{n}x{i}." for i in range(12)),
                source=f"Coast {n % 2}",
                location=f"https://coast.example/{n}",
                identity=f"https://coast.example/{n}",
            )
            for n in range(4)
        ]
        await Pipeline(db, EventService()).ingest(items)
        later = now + timedelta(seconds=1)  # after the seeded events: they never alert
        async with db.unit_of_work() as uow:
            for chat in range(1, chats + 1):
                sub = await uow.subscribers.upsert(
                    chat, timezone="UTC", digest_time="07:30", now=later
                )
                await uow.subscriptions.add(sub.id, DIGEST_WORD, now=later)
                await uow.subscribers.set_fields(chat, next_digest_at=None)
            for chat in ALERT_CHATS:
                sub = await uow.subscribers.upsert(
                    chat, timezone="UTC", digest_time=None, now=later
                )
                await uow.subscriptions.add(sub.id, "", now=later)
                await uow.subscribers.set_fields(chat, next_digest_at=None)
    finally:
        await db.dispose()


async def _digests_due(url: str, chats: int) -> None:
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE subscribers SET next_digest_at = :now WHERE chat_id <= :chats"),
                {"now": utcnow(), "chats": chats},
            )
    finally:
        engine.dispose()


def _slow_feeds(server: FakeFeedServer, hits: Counter[str]) -> list[str]:
    """Route two feeds per feed story (two sources), each answering after FEED_DELAY."""
    urls = []
    for n in range(STORIES - FEED_STORIES, STORIES):
        for side in ("east", "west"):
            path = f"/feed/{side}-{n}.xml"
            item = {
                "title": _headline(n),
                "link": f"http://{side}.example.test/{n}",
                "description": _story_text(n),
            }
            body = rss([item], title=f"{side} {n}")

            def handler(request: Request, body: bytes = body) -> Reply:
                hits[request.path] += 1
                return Reply(200, body, {"Content-Type": "application/rss+xml"}, FEED_DELAY)

            server.route(path, handler)
            urls.append(server.url(path))
    return urls


def _drop_stories(inbox: Path, stories: range) -> None:
    for n in stories:
        for side in ("North", "South"):
            _write(inbox / side / f"story-{n}.txt", f"{_headline(n)}\n\n{_story_text(n)}\n")


def _split_stories(url: str) -> list[int]:
    """Return the stories whose articles are in more than one event."""
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT location, event_id FROM articles")).all()
    finally:
        engine.dispose()
    events: dict[int, set[object]] = {}
    for location, event_id in rows:
        if found := _LOCATION.search(location):
            events.setdefault(int(found.group(1) or found.group(2)), set()).add(event_id)
    return sorted(n for n, ids in events.items() if len(ids) > 1)


def _kill_when(role: str, url: str, fake: FakeTelegram, chats: int) -> Callable[[], bool]:
    """Return when the killed process is in the middle of its role's work."""
    if role == "delivery":
        return lambda: sum(1 for s in fake.sent if s.chat_id <= chats) >= max(1, chats // 5)
    if role == "digests":
        return lambda: _count(url, "SELECT count(*) FROM outbox WHERE kind = 'digest'") >= 1
    if role == "events":
        return lambda: _count(url, "SELECT count(*) FROM outbox WHERE kind = 'alert'") >= 1
    return lambda: any(fake.to(chat) for chat in COMMAND_CHATS)


async def kill_role_holder(
    base_url: str, scratch: str, role: str, tmp: Path, *, chats: int
) -> RoleFault:
    """Kill -9 the holder of ``role`` mid-work; wait until everything is done; count."""
    out = RoleFault(role, chats)
    fake = await FakeTelegram().start()
    server = FakeFeedServer()
    server.start()
    hits: Counter[str] = Counter()
    inbox = tmp / "inbox"  # one folder both watch, as a shared volume would be
    try:
        with scratch_postgres(base_url, scratch) as url:
            await asyncio.to_thread(upgrade, url)
            await _seed(url, chats)
            if role != "digests":  # B sweeps them as soon as it starts
                await _digests_due(url, chats)
            db = Database(url)
            try:
                async with db.unit_of_work() as uow:
                    for feed_url in _slow_feeds(server, hits):
                        name = feed_url.rsplit("/", 1)[1]
                        await uow.feeds.add(url=feed_url, name=name, now=utcnow())
            finally:
                await db.dispose()
            extra = {"BRIEFBOT_ALLOW_PRIVATE_FEEDS": "true", "BRIEFBOT_INBOX_DIR": str(inbox)}
            env_a = process_env(fake.api_url, url, tmp / "a", **extra)
            env_b = process_env(fake.api_url, url, tmp / "b", **extra)
            others = {r for r in ROLES if r != role}
            async with bot_process(tmp, env_a, "run", "--role", role, "--role", "feeds") as a:
                pid_a = a.proc.pid
                await wait_until(
                    lambda: role in process_roles(url).get(pid_a, set()), within=60, what="A"
                )
                # A claims every feed at its first tick; they answer FEED_DELAY later.
                await wait_until(lambda: len(hits) == 2 * FEED_STORIES, within=60, what="A polls")
                async with bot_process(tmp, env_b) as b:
                    pid_b = b.proc.pid
                    await wait_until(
                        lambda: process_roles(url).get(pid_b, set()) >= others, within=60, what="B"
                    )
                    if role == "digests":  # A sweeps them at its next tick
                        await _digests_due(url, chats)
                    # An ingest batch of stories that alert, and commands to answer.
                    _drop_stories(inbox, range(STORIES - FEED_STORIES - 1))
                    for chat in COMMAND_CHATS[:10]:
                        await fake.command(chat, "/help")
                    await wait_until(_kill_when(role, url, fake, chats), within=60, what="mid-work")
                    os.kill(pid_a, signal.SIGKILL)
                    out.at_kill = {
                        "digests_queued": _count(
                            url, "SELECT count(*) FROM outbox WHERE kind = 'digest'"
                        ),
                        "sent": sum(1 for s in fake.sent if s.chat_id <= chats),
                        "feeds_claimed": _count(
                            url, "SELECT count(*) FROM feeds WHERE claimed_by IS NOT NULL"
                        ),
                        "placed": _count(url, "SELECT count(event_id) FROM articles"),
                    }
                    out.takeover = await wait_until(
                        lambda: role in process_roles(url).get(pid_b, set()),
                        within=30,
                        what="takeover",
                    )
                    # Work that arrives after the kill: B does it all.
                    _drop_stories(inbox, range(STORIES - FEED_STORIES - 1, STORIES - FEED_STORIES))
                    for chat in COMMAND_CHATS[10:]:
                        await fake.command(chat, "/help")
                    out.articles_wanted = wanted = 4 + 2 * STORIES

                    def done() -> bool:
                        digests = {s.chat_id for s in fake.sent if s.chat_id <= chats}
                        return (
                            len(digests) == chats
                            and all(fake.to(c) for c in COMMAND_CHATS)
                            and _count(url, "SELECT count(event_id) FROM articles") >= wanted
                            and all(len(fake.to(c)) >= STORIES for c in ALERT_CHATS)
                        )

                    with contextlib.suppress(AssertionError):  # what is missing is counted
                        out.done_after = await wait_until(done, within=90, what="all done")
                    await asyncio.sleep(2)  # a duplicate would arrive by now
                    out.articles = _count(url, "SELECT count(*) FROM articles")
                    out.unplaced = _count(
                        url, "SELECT count(*) FROM articles WHERE event_id IS NULL"
                    )
                    out.split = _split_stories(url)
                out.stderr = b.stderr
    finally:
        server.stop()
        await fake.close()
    digests = Counter((s.chat_id, s.text) for s in fake.sent if s.chat_id <= chats)
    got = {c for c, _ in digests}
    out.lost = chats - len(got)
    out.duplicated = sum(n - 1 for n in digests.values())
    for chat in ALERT_CHATS:
        # An alert's second line is its event's headline (an update to it is one line).
        alerts = Counter(
            found.group(1)
            for s in fake.to(chat)
            if (found := _STORY.search(s.text.split("\n")[1] if "\n" in s.text else ""))
        )
        out.alerted_twice += [f"{chat}: story {n}" for n, k in alerts.items() if k > 1]
        out.not_alerted += [f"{chat}: story {n}" for n in range(STORIES) if str(n) not in alerts]
    out.unanswered = [c for c in COMMAND_CHATS if not fake.to(c)]
    out.answered_twice = sum(max(0, len(fake.to(c)) - 1) for c in COMMAND_CHATS)
    return out
