"""A huge event (hundreds of near-identical articles) is briefed without freezing the bot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.ingest.model import ParsedArticle

BODY = (
    "The harbour authority reopened the northern pier on Wednesday after repairs to storm damage "
    "that had kept fishing boats away for most of the winter season, officials said. "
)


async def test_summary_of_a_huge_event_does_not_block_other_commands(
    bot_factory: Callable[..., Any],
) -> None:
    async with bot_factory() as bot:
        start = datetime(2026, 3, 1, tzinfo=UTC)
        for n in range(500):
            await bot.services.pipeline.ingest_one(
                ParsedArticle(
                    title=f"Pier reopens {n}",
                    text=f"{BODY}Boat number {n} went out first.",
                    source=f"source {n % 40}",
                    location=f"https://news.example.org/{n}",
                    identity=f"https://news.example.org/{n}",
                    published=start + timedelta(seconds=n),
                )
            )
        await bot.say(42, "/events")
        loop = asyncio.get_running_loop()
        gaps: list[float] = []
        stop = asyncio.Event()

        async def sample() -> None:
            while not stop.is_set():
                before = loop.time()
                await asyncio.sleep(0.01)
                gaps.append(loop.time() - before - 0.01)

        sampler = asyncio.create_task(sample())
        started = loop.time()
        replies = await bot.say(42, "/summary 1")
        took = loop.time() - started
        stop.set()
        await sampler
    assert replies and "Pier reopens" in replies[0]
    assert max(gaps) < 0.25, f"the loop stalled {max(gaps):.2f}s during a {took:.2f}s /summary"
