"""German and Spanish chats get their language: replies, buttons, alerts, digests and dates."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from tests.e2e.conftest import FAST
from tests.shared import ANTWERP_STRIKE

GERMAN, SPANISH, ENGLISH = 8101, 8102, 8103


def _buttons(sent: Any) -> list[str]:
    return [b["text"] for row in sent.reply_markup["inline_keyboard"] for b in row]


async def test_german_and_spanish_chats_get_their_language(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        bot.fake.languages[GERMAN] = "de-DE"  # Telegram's language_code of the user
        (reply,) = await bot.say(GERMAN, "/start")
        assert "Willkommen bei briefbot" in reply and "Deine Einstellungen" in reply
        assert "Sprache: Deutsch" in reply
        (reply,) = await bot.say(SPANISH, "/start")
        assert "Welcome to briefbot" in reply  # no language_code: English
        (reply,) = await bot.say(SPANISH, "/language es")
        assert "Tus ajustes" in reply and "Idioma: Español" in reply
        (reply,) = await bot.say(SPANISH, "/foo")
        assert reply == "Comando desconocido /foo — mira /help"
        (reply,) = await bot.say(GERMAN, "/digest 25:00")
        assert "ist keine Uhrzeit" in reply
        await bot.say(ENGLISH, "/start")

        await bot.ingest(*ANTWERP_STRIKE)
        await bot.settle()
        (german,) = [s for s in bot.fake.to(GERMAN) if "🔔" in s.text]
        assert "Neues Ereignis, gemeldet von 2 Quellen" in german.text
        assert _buttons(german) == ["Zusammenfassung", "Quellen", "Änderungen", "Folgen", "Stumm"]
        (spanish,) = [s for s in bot.fake.to(SPANISH) if "🔔" in s.text]
        assert "Nuevo suceso publicado por 2 fuentes" in spanish.text
        assert _buttons(spanish) == ["Resumen", "Fuentes", "Cambios", "Seguir", "Silenciar"]
        (english,) = [s for s in bot.fake.to(ENGLISH) if "🔔" in s.text]
        assert "New event reported by 2 sources" in english.text

        (reply,) = await bot.say(GERMAN, "/events")
        assert "<b>Neueste Ereignisse</b>" in reply and "2 Quellen · zuerst gesehen" in reply
        (summary, *_) = await bot.say(GERMAN, "/summary 1")
        assert "2 Quellen" in summary
        (sources, *_) = await bot.say(SPANISH, "/sources 1")
        assert "<b>Fuentes de " in sources
        (reply,) = await bot.say(SPANISH, "/help")
        assert "/summary — informe de un suceso" in reply


async def _german_and_spanish_chats(bot: Any, german: str = "de") -> None:
    """Start a German and a Spanish chat, each choosing its language with /language."""
    for chat, language in ((GERMAN, german), (SPANISH, "es")):
        await bot.say(chat, "/start")
        await bot.say(chat, f"/language {language}")


async def test_a_digest_is_dated_in_the_chats_language_and_zone(bot_factory: Any) -> None:
    # Swept here alone: the background sweep would race the one below for the due chats.
    async with bot_factory(replace(FAST, digest_sweep=3600)) as bot:
        await _german_and_spanish_chats(bot, german="deutsch")
        await bot.say(GERMAN, "/timezone europe/berlin")
        await bot.ingest(*ANTWERP_STRIKE)
        # 23:30 UTC on 16 March is already the 17th in Berlin.
        slot = datetime(2026, 3, 16, 23, 30, tzinfo=UTC)
        async with bot.services.db.unit_of_work() as uow:
            for chat in (GERMAN, SPANISH):
                await uow.subscribers.set_fields(chat, next_digest_at=slot, last_digest_at=None)
        bot.clock.offset = slot - datetime.now(UTC)

        # The sweep job may get to the due chats first, and on a loaded machine this process may
        # not hold the digest role yet (a sweep then leaves them): sweep until both are sent.
        # A chat swept twice would get two digests, which the checks below refuse.
        def sent() -> bool:
            return all(
                any(head in s.text for s in bot.fake.to(chat))
                for chat, head in ((GERMAN, "Übersicht —"), (SPANISH, "Resumen —"))
            )

        deadline = asyncio.get_running_loop().time() + 10
        while not sent():
            assert asyncio.get_running_loop().time() < deadline, "no digest within 10 s"
            await bot.runtime.sweep_digests()
            await bot.settle()
            await asyncio.sleep(0.1)
        (german,) = [s.text for s in bot.fake.to(GERMAN) if "Übersicht —" in s.text]
        assert "Übersicht — Dienstag, 17. März 2026" in german and "1 Ereignis" in german
        (spanish,) = [s.text for s in bot.fake.to(SPANISH) if "Resumen —" in s.text]
        assert "Resumen — lunes, 16 de marzo de 2026" in spanish and "1 suceso" in spanish


IRAQ_STRIKE = (
    "harbour-herald/2026-03-04-base-strike.txt",
    "daily-ledger/2026-03-04-iraq-missile-attack.md",
    "northern-wire/strike-v1.txt",
    "northern-wire/strike-v2.txt",
)


# What /summary 1 and /sources 1 of the strike say in each language (figure lines, the
# "up from" of a revised toll, "+N more", a name spelled two ways, a new statement, the date).
IN_THEIR_LANGUAGE = {
    GERMAN: (
        [
            "<b>Tote</b>: keine (<i>daily-ledger, unter Berufung auf",
            "gestiegen von 80 in früheren Meldungen",
            "<b>Raketen</b>: 22",
            "1 weitere Zahl: /sources",
            "Erbil (daily-ledger, northern-wire) / Irbil (harbour-herald)",
            "Neue Aussage",
            "zuerst gesehen 4. März 02:40 UTC",
        ],
        ["Opfer: keine (unter Berufung auf", "83 Tote"],
    ),
    SPANISH: (
        [
            "<b>Muertos</b>: ninguno (<i>daily-ledger, citando a",
            "al alza desde 80 en informes anteriores",
            "<b>Misiles</b>: 22",
            "1 cifra más: /sources",
            "Erbil (daily-ledger, northern-wire) / Irbil (harbour-herald)",
            "Nueva declaración",
            "4 mar 02:40 UTC",
        ],
        ["sin víctimas (citando a", "83 muertos"],
    ),
}


async def test_figure_and_spelling_lines_speak_the_chats_language(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await _german_and_spanish_chats(bot)
        await bot.ingest(*IRAQ_STRIKE)
        await bot.settle()  # the alerts first, so that they are not taken for replies
        for chat, (in_summary, in_sources) in IN_THEIR_LANGUAGE.items():
            summary = "\n".join(await bot.say(chat, "/summary 1"))
            for phrase in in_summary:
                assert phrase in summary, (chat, phrase)
            for english in ("citing", "earlier reports", "more figure", "none", "statement"):
                assert english not in summary, (chat, english)
            sources = "\n".join(await bot.say(chat, "/sources 1"))
            for phrase in in_sources:
                assert phrase in sources, (chat, phrase)
