"""/changes without a number says, per event, what is new since the chat's last digest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.e2e.test_rising_toll import STEPS, _article
from tests.shared import ANTWERP_STRIKE, CESENA_FLOOD

CHAT = 8701


async def _digest_now(bot: Any) -> None:
    """Make the chat's digest due now, let it go out, and put the next one a day away.

    A day away: the test moves the clock by hours, and must not cross the daily digest time.
    """
    digests = len([s for s in bot.fake.to(CHAT) if "Digest —" in s.text])
    async with bot.services.db.unit_of_work() as uow:
        await uow.subscribers.set_fields(CHAT, next_digest_at=bot.clock())
    await bot.runtime.sweep_digests()  # or the runtime's own sweep got there first
    await bot.settle()
    assert len([s for s in bot.fake.to(CHAT) if "Digest —" in s.text]) == digests + 1
    async with bot.services.db.unit_of_work() as uow:
        await uow.subscribers.set_fields(CHAT, next_digest_at=bot.clock() + timedelta(days=1))


async def test_changes_lists_what_is_new_since_the_last_digest(bot_factory: Any) -> None:
    async with bot_factory(alert_min_sources=1) as bot:
        await bot.say(CHAT, "/start")
        (reply,) = await bot.say(CHAT, "/changes digest")
        assert "No digest has been sent to this chat yet" in reply

        (source, figure) = STEPS[0]
        await bot.services.pipeline.ingest([_article(source, figure)])
        await bot.ingest(*CESENA_FLOOD)
        await bot.settle()
        await _digest_now(bot)

        bot.clock.advance(timedelta(hours=1))
        (reply,) = await bot.say(CHAT, "/changes")
        assert "Nothing new since your last digest" in reply

        # After the digest: the toll rises in a second source, and a new event arrives.
        bot.clock.advance(timedelta(hours=1))
        (source, figure) = STEPS[1]
        await bot.services.pipeline.ingest([_article(source, figure)])
        await bot.ingest(*ANTWERP_STRIKE)
        await bot.settle()

        (reply,) = await bot.say(CHAT, "/changes")
        assert "<b>Since your last digest</b>" in reply
        assert "Killed now 12–23 (Gamma Wire, Beta Times), up from 12" in reply
        assert "new source: Beta Times" in reply
        assert "Antwerp" in reply and "New event, 2 sources" in reply
        assert "Cesena" not in reply  # told in the digest, unchanged since
        # Numbered as a list: /summary 1 is the first item named here.
        first = reply.split("\n1. ", 1)[1].split("\n", 1)[0]
        (summary, *_) = await bot.say(CHAT, "/summary 1")
        assert first.removeprefix("<b>").split("</b>", 1)[0] in summary

        # A number still means one event's whole history.
        (reply, *_) = await bot.say(CHAT, "/changes 1")
        assert "What changed in" in reply

        # After the next digest, nothing is new again.
        await _digest_now(bot)
        (reply,) = await bot.say(CHAT, "/changes digest")
        assert "Nothing new since your last digest" in reply
