"""Translations: gettext catalogs (bot/locales/<lang>/LC_MESSAGES/briefbot.po) and Babel formats.

The .po files are the only source: they are compiled in memory with Babel the first time a
language is used, so nothing needs a build step and a stale .mo can never be served.
Texts are written in English in the code and marked with ``_()`` (``N_()`` for tables read at
import time), then looked up in the chat's catalog. ``python -m bot.i18n`` updates the
catalogs from the code.
"""

from __future__ import annotations

import gettext
import io
import sys
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Protocol

from babel import Locale
from babel.dates import format_datetime as babel_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "briefbot"
DEFAULT = "en"
SUPPORTED = ("en", "de", "es")
# What /language shows for each language, in that language.
NAMES = {"en": "English", "de": "Deutsch", "es": "Español"}


class Translator(Protocol):
    """What texts are rendered with: gettext and ngettext of one language."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


ENGLISH: Translator = gettext.NullTranslations()


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (looked up later)."""
    return message


def pick(*codes: str | None) -> str:
    """Return the first supported language among ``codes`` ("de-AT" counts as "de"), else English."""
    for code in codes:
        if not code:
            continue
        base = code.replace("_", "-").split("-", 1)[0].lower()
        if base in SUPPORTED:
            return base
    return DEFAULT


def parse_language(value: str) -> str | None:
    """Return the language code a user typed ("de", "Deutsch", "german", "es-ES"), or None."""
    wanted = value.strip().lower()
    if not wanted:
        return None
    for code in SUPPORTED:
        english = Locale.parse(code).get_display_name("en") or code
        names = {code, NAMES[code].lower(), english.lower()}
        if wanted in names or wanted.replace("_", "-").split("-", 1)[0] == code:
            return code
    return None


def catalog_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translator(lang: str) -> gettext.NullTranslations:
    """Return the translations of ``lang`` (English, the source language, needs none)."""
    code = pick(lang)
    if code == DEFAULT:
        return gettext.NullTranslations()
    with catalog_path(code).open("rb") as handle:
        catalog = read_po(handle, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def format_when(moment: datetime, lang: str, zone: tzinfo, *, style: str = "medium") -> str:
    """Format an aware datetime for a reader: in their zone, the way their language writes it."""
    return babel_datetime(moment, format=style, tzinfo=zone, locale=pick(lang))


def format_day(moment: datetime, lang: str, zone: tzinfo) -> str:
    """Format the local day of ``moment`` in full ("Monday, 16 March 2026", "Montag, 16. März 2026")."""
    from babel.dates import format_date

    return format_date(moment.astimezone(zone).date(), format="full", locale=pick(lang))


def update_catalogs(root: Path = Path(__file__).parents[1]) -> None:
    """Extract the marked texts from bot/ and handlers/ and merge them into every catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import write_po

    template = Catalog(domain=DOMAIN)
    for folder in ("bot", "handlers"):
        for filename, lineno, message, comments, context in extract_from_dir(
            root / folder, method_map=[("**.py", "python")]
        ):
            template.add(
                message, locations=[(f"{folder}/{filename}", lineno)], auto_comments=comments,
                context=context,
            )  # fmt: skip
    for lang in SUPPORTED:
        if lang == DEFAULT:
            continue
        path = catalog_path(lang)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang, domain=DOMAIN)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(
                locale=lang,
                domain=DOMAIN,
                project="briefbot",
                copyright_holder="the briefbot authors",
                header_comment=f"# {NAMES[lang]} texts of briefbot.",
                fuzzy=False,
            )
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, width=100, include_lineno=False)
        print(f"{path}: {len(catalog)} messages", file=sys.stderr)


if __name__ == "__main__":
    update_catalogs()
