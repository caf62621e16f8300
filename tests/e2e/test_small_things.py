"""What users notice first: zones in any case, settings kept over /stop, menus, previews, groups."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import ADMIN
from tests.shared import ANTWERP_STRIKE

CHAT = 9201
GROUP, MEMBER, OWNER = -100777, 9301, 9302


async def test_time_zones_in_any_case_and_suggestions_for_typos(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.say(CHAT, "/start")
        (reply,) = await bot.say(CHAT, "/timezone europe/berlin")
        assert "Time zone: Europe/Berlin" in reply
        (reply,) = await bot.say(CHAT, "/timezone Europe/Berlni")
        assert "not an IANA time zone" in reply
        assert "Did you mean /timezone Europe/Berlin?" in reply
        (reply,) = await bot.say(CHAT, "/timezone new york")
        assert "Time zone: America/New_York" in reply


async def test_start_after_stop_keeps_the_chats_settings(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.say(CHAT, "/start")
        await bot.say(CHAT, "/subscribe strike")
        await bot.say(CHAT, "/digest off")
        await bot.say(CHAT, "/timezone Asia/Tokyo")
        await bot.say(CHAT, "/quiet 22:00-07:00")
        (reply,) = await bot.say(CHAT, "/stop")
        assert "settings are kept" in reply
        (reply,) = await bot.say(CHAT, "/start")
        assert "events matching “strike”" in reply
        assert "Digest: off" in reply and "Time zone: Asia/Tokyo" in reply
        assert "Quiet hours: 22:00–07:00" in reply


async def test_an_unknown_command_is_named(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        (reply,) = await bot.say(CHAT, "/foo bar")
        assert reply == "Unknown command /foo — see /help"
        (reply,) = await bot.say(CHAT, "hello there")
        assert "/help" in reply


async def test_admin_commands_are_in_the_menu_only_for_admins(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        menus = [params for method, params in bot.fake.calls if method == "setMyCommands"]
        by_scope = {
            ((p.get("scope") or {}).get("chat_id"), p.get("language_code")): [
                c["command"] for c in p["commands"]
            ]
            for p in menus
        }
        everyone, admin = by_scope[(None, None)], by_scope[(ADMIN, None)]
        assert "summary" in everyone and "addfeed" not in everyone and "export" not in everyone
        assert "summary" in admin and "addfeed" in admin and "export" in admin
        german = next(p for p in menus if p.get("language_code") == "de" and not p.get("scope"))
        assert any(c["description"].startswith("Briefing") for c in german["commands"])


async def test_link_previews_are_off_by_default_and_per_chat(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.say(CHAT, "/start")
        await bot.say(CHAT + 1, "/start")
        (reply,) = await bot.say(CHAT + 1, "/previews on")
        assert "Link previews: on" in reply
        await bot.ingest(*ANTWERP_STRIKE)
        await bot.settle()
        alerts = {
            int(p["chat_id"]): p["link_preview_options"]
            for method, p in bot.fake.calls
            if method == "sendMessage" and "🔔" in str(p["text"])
        }
        assert alerts[CHAT] == {"is_disabled": True}
        assert alerts[CHAT + 1].get("is_disabled") in (None, False)


async def test_group_chatter_gets_no_reply(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        bot.fake.groups.add(GROUP)
        for text in ("did you see the news?", "/weather@otherbot", "/weather", "/stats@otherbot"):
            await bot.fake.command(GROUP, text, user_id=MEMBER)
        (reply,) = await bot.say(GROUP, "/foo@briefbot_test", user_id=MEMBER)
        assert reply == "Unknown command /foo — see /help"  # the only answer so far
        assert [s.text for s in bot.fake.to(GROUP)] == [reply]


async def test_only_a_groups_admins_change_its_settings(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        bot.fake.groups.add(GROUP)
        bot.fake.members[(GROUP, OWNER)] = "creator"
        (reply,) = await bot.say(GROUP, "/start", user_id=MEMBER)
        assert "Only this group's admins" in reply
        (reply,) = await bot.say(GROUP, "/start", user_id=OWNER)
        assert "brief this group" in reply and "Your settings" in reply
        for command in ("/stop", "/digest off", "/subscribe strike", "/unsubscribe"):
            (reply,) = await bot.say(GROUP, command, user_id=MEMBER)
            assert "Only this group's admins" in reply, command
        (reply,) = await bot.say(GROUP, "/settings", user_id=MEMBER)  # reading is for everyone
        assert "all events" in reply and "Digest: daily at 07:30" in reply
        (reply,) = await bot.say(GROUP, "/stop", user_id=OWNER)
        assert "Stopped" in reply
        checks = [p for m, p in bot.fake.calls if m == "getChatMember"]
        assert {int(p["user_id"]) for p in checks} == {MEMBER, OWNER}
        assert len(checks) == 2  # cached: one question per member
