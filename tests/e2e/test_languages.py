"""German and Spanish chats get their language: replies, buttons, alerts, digests and dates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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


async def test_a_digest_is_dated_in_the_chats_language_and_zone(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.say(GERMAN, "/start")
        await bot.say(GERMAN, "/language deutsch")
        await bot.say(GERMAN, "/timezone europe/berlin")
        await bot.say(SPANISH, "/start")
        await bot.say(SPANISH, "/language es")
        await bot.ingest(*ANTWERP_STRIKE)
        # 23:30 UTC on 16 March is already the 17th in Berlin.
        slot = datetime(2026, 3, 16, 23, 30, tzinfo=UTC)
        async with bot.services.db.unit_of_work() as uow:
            for chat in (GERMAN, SPANISH):
                await uow.subscribers.set_fields(chat, next_digest_at=slot, last_digest_at=None)
        bot.clock.offset = slot - datetime.now(UTC)
        assert await bot.runtime.sweep_digests() == 2
        await bot.settle()
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


async def test_figure_and_spelling_lines_speak_the_chats_language(bot_factory: Any) -> None:
    async with bot_factory() as bot:
        await bot.say(GERMAN, "/start")
        await bot.say(GERMAN, "/language de")
        await bot.say(SPANISH, "/start")
        await bot.say(SPANISH, "/language es")
        await bot.ingest(*IRAQ_STRIKE)
        await bot.settle()  # the alerts first, so that they are not taken for replies

        german = "\n".join(await bot.say(GERMAN, "/summary 1"))
        assert "<b>Tote</b>: keine (<i>daily-ledger, unter Berufung auf" in german
        assert "gestiegen von 80 in früheren Meldungen" in german
        assert "<b>Raketen</b>: 22" in german and "1 weitere Zahl: /sources" in german
        assert "Erbil (daily-ledger, northern-wire) / Irbil (harbour-herald)" in german
        assert "Neue Aussage" in german
        assert "zuerst gesehen 4. März 02:40 UTC" in german  # the month in German too
        for english in ("citing", "earlier reports", "more figure", "none", "statement"):
            assert english not in german, english
        german = "\n".join(await bot.say(GERMAN, "/sources 1"))
        assert "Opfer: keine (unter Berufung auf" in german and "83 Tote" in german

        spanish = "\n".join(await bot.say(SPANISH, "/summary 1"))
        assert "<b>Muertos</b>: ninguno (<i>daily-ledger, citando a" in spanish
        assert "al alza desde 80 en informes anteriores" in spanish
        assert "<b>Misiles</b>: 22" in spanish and "1 cifra más: /sources" in spanish
        assert "Nueva declaración" in spanish
        assert "4 mar 02:40 UTC" in spanish
        for english in ("citing", "earlier reports", "more figure", "none", "statement"):
            assert english not in spanish, english
        spanish = "\n".join(await bot.say(SPANISH, "/sources 1"))
        assert "sin víctimas (citando a" in spanish and "83 muertos" in spanish
