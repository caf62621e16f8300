"""The digest through the running bot: numbered like a list, links, buttons, "+N more"."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from bot.ingest.model import ParsedArticle
from tests.e2e.conftest import FAST

CHAT = 8401
_SYLLABLES = ["ka", "lo", "mir", "ten", "vos", "ul", "dra", "pe", "sin", "gor", "ba", "thu"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(3))


def distinct_story(n: int, source: str) -> ParsedArticle:
    """An article about story ``n`` that shares no names or topic words with another story."""
    rng = random.Random(n)
    town, river, firm = (_word(rng).title() for _ in range(3))
    words = [_word(rng) for _ in range(12)]
    sentences = [
        f"{town} officials said the {words[i]} near the {river} {words[i + 1]} was closed after "
        f"{firm} reported {10 + n} {words[i + 2]} damaged on Monday."
        for i in range(0, 9, 3)
    ]
    return ParsedArticle(
        title=f"{town} {words[0]} closes near {river}",
        text=" ".join(sentences),
        source=source,
        location=f"https://{source.lower().replace(' ', '-')}.example/{n}",
        identity=f"https://{source.lower().replace(' ', '-')}.example/{n}",
    )


async def test_a_digest_of_15_events_shows_ten_numbered_and_5_more(bot_factory: Any) -> None:
    # Swept here alone: the background sweep would race the one below for the due chat.
    async with bot_factory(replace(FAST, digest_sweep=3600)) as bot:
        await bot.say(CHAT, "/start")
        articles = [distinct_story(n, s) for n in range(15) for s in ("Gamma Wire", "Beta Times")]
        await bot.services.pipeline.ingest(articles)
        async with bot.services.db.unit_of_work() as uow:
            assert (await uow.stats.count_all()).events == 15
            await uow.subscribers.set_fields(CHAT, next_digest_at=bot.clock())
        assert await bot.runtime.sweep_digests() == 1
        await bot.settle()
        parts = [s for s in bot.fake.to(CHAT) if "Digest" in s.text or "/summary" in s.text]
        digest = "\n".join(s.text for s in parts)
        assert "15 events" in digest and "+5 more: /events" in digest
        assert "/summary 10" in digest and "/summary 11" not in digest
        assert '<a href="https://gamma-wire.example/' in digest
        buttons = [b for row in parts[-1].reply_markup["inline_keyboard"] for b in row]
        assert [b["text"] for b in buttons] == [str(n) for n in range(1, 11)]
        # The numbers are the chat's list: /summary 3 is the digest's third event.
        third = digest.split("\n3. <b>", 1)[1].split("</b>", 1)[0]
        (summary, *_) = await bot.say(CHAT, "/summary 3")
        assert third in summary
