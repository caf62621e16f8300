"""Channels and forum topics receive alerts: /connect @channel (checked), /here in a topic."""

from __future__ import annotations

from typing import Any

from tests.shared import ANTWERP_STRIKE

OWNER, STRANGER = 9401, 9402
CHANNEL = -1009401
GROUP, TOPIC = -1009402, 77


def _alert_calls(bot: Any, chat_id: int) -> list[dict[str, Any]]:
    return [
        p
        for method, p in bot.fake.calls
        if method == "sendMessage" and int(p["chat_id"]) == chat_id and "🔔" in str(p["text"])
    ]


async def test_a_connected_channel_receives_alerts_and_is_managed_privately(
    bot_factory: Any,
) -> None:
    async with bot_factory() as bot:
        bot.fake.channels["newsdesk"] = CHANNEL
        (reply,) = await bot.say(OWNER, "/connect @newsdesk")
        assert "Make me an admin of @newsdesk" in reply  # the bot is not an admin there yet
        bot.fake.members[(CHANNEL, 1)] = "administrator"  # the bot's user id is 1
        (reply,) = await bot.say(STRANGER, "/connect @newsdesk")
        assert "Only an admin of @newsdesk" in reply
        bot.fake.members[(CHANNEL, OWNER)] = "creator"
        (reply,) = await bot.say(OWNER, "/connect @nosuchchannel")
        assert "cannot reach" in reply
        (reply,) = await bot.say(OWNER, "/connect @newsdesk")
        assert "Connected Channel @newsdesk" in reply and "all events" in reply

        (reply,) = await bot.say(OWNER, "/subscribe strike")  # acts on the channel
        assert "events matching “strike”" in reply
        async with bot.services.db.unit_of_work() as uow:
            assert await uow.subscribers.get_subscriber(OWNER) is None  # the owner never started
            assert await uow.subscriptions.list_keywords(
                (await uow.subscribers.get_subscriber(CHANNEL)).id
            ) == ["strike"]

        await bot.ingest(*ANTWERP_STRIKE)
        await bot.settle()
        (alert,) = _alert_calls(bot, CHANNEL)
        assert "Antwerp" in alert["text"]
        assert _alert_calls(bot, OWNER) == []

        (reply,) = await bot.say(OWNER, "/disconnect")
        assert "Disconnected" in reply
        (reply,) = await bot.say(OWNER, "/settings")
        assert "not subscribed" in reply  # the owner's own chat again


async def test_here_in_a_forum_topic_routes_alerts_to_that_topic(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        bot.fake.groups.add(GROUP)
        bot.fake.members[(GROUP, OWNER)] = "administrator"
        await bot.say(GROUP, "/start", user_id=OWNER)
        bot.fake.topics[GROUP] = TOPIC
        (reply,) = await bot.say(GROUP, "/here", user_id=OWNER)
        assert "now go to this topic" in reply
        await bot.ingest(*ANTWERP_STRIKE)
        await bot.settle()
        (alert,) = _alert_calls(bot, GROUP)
        assert int(alert["message_thread_id"]) == TOPIC
