"""Every text the code marks is translated in every catalog, with the same placeholders and tags."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import DEFAULT, SUPPORTED, catalog_path, format_when, parse_language, pick, translator

ROOT = Path(__file__).parents[1]
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_TAG = re.compile(r"</?[a-z]+[^>]*>")
TRANSLATED = [lang for lang in SUPPORTED if lang != DEFAULT]


def marked_texts() -> set[str | tuple[str, ...]]:
    """Return every text the code marks for translation (a plural as its forms)."""
    found: set[str | tuple[str, ...]] = set()
    for folder in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")]
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


def _shape(text: str) -> tuple[list[str], list[str]]:
    return sorted(_PLACEHOLDER.findall(text)), sorted(_TAG.findall(text))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_marked_text_is_translated(lang: str) -> None:
    with catalog_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    texts = marked_texts()
    assert len(texts) > 50  # the extraction found the code's texts
    missing = []
    for message in sorted(texts, key=str):
        entry = catalog.get(message if isinstance(message, str) else message[0])
        found = None if entry is None else entry.string
        strings = [found] if isinstance(found, str) else list(found or ())
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(message)
            continue
        source = message if isinstance(message, str) else message[-1]
        for string in strings:
            assert _shape(string) == _shape(source), f"{lang}: {string!r} vs {source!r}"
    assert not missing, f"{lang} catalog misses {len(missing)} text(s): {missing[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_has_no_leftover_texts(lang: str) -> None:
    with catalog_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    texts = {m if isinstance(m, str) else m[0] for m in marked_texts()}
    unused = [
        m.id for m in catalog if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in texts
    ]
    assert not unused, f"{lang}: texts no code uses (run python -m bot.i18n): {unused[:5]}"


def test_catalogs_compile_and_translate() -> None:
    assert translator("de").gettext("Summary") == "Zusammenfassung"
    assert translator("es").gettext("Summary") == "Resumen"
    assert translator("es").ngettext("{count} event", "{count} events", 3) == "{count} sucesos"
    assert translator("en").gettext("Summary") == "Summary"


def test_language_choice() -> None:
    assert pick("de-AT") == "de" and pick(None, "es_MX") == "es" and pick("fr") == "en"
    assert [parse_language(v) for v in ("Deutsch", "german", "ES", "es-ES", "klingon")] == [
        "de", "de", "es", "es", None,
    ]  # fmt: skip


def test_dates_follow_language_and_zone() -> None:
    moment = datetime(2026, 3, 16, 6, 30, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert format_when(moment, "de", berlin, style="short") == "16.03.26, 07:30"
    assert "mar 2026" in format_when(moment, "es", berlin)
    assert "Mar 16, 2026" in format_when(moment, "en", UTC)
