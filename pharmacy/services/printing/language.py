"""The patient's language on the printed documents: fixed words from the gettext catalog
(``pharmacy/translations/<lang>/LC_MESSAGES/messages.po``, compiled in memory by Babel on
first use, so a fresh clone needs no build step), dates as Babel formats them for the
locale. Clinical sentences are not here: they are rules (warnings, direction templates,
storage, auxiliary and caution texts; :func:`clinical_text` reads the storage and auxiliary
ones)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import fields
from datetime import date
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from labels import ENGLISH_CAPTIONS, ENGLISH_LEAFLET_CAPTIONS, LabelCaptions, LeafletCaptions
from pharmacy.compounding.rules import Rules

CATALOGS = Path(__file__).resolve().parents[2] / "translations"
DEFAULT_LANGUAGE = "en"


@cache
def translations(language: str) -> NullTranslations:
    """The catalog of ``language`` (English: the words as written)."""
    po = CATALOGS / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po.is_file():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def gettext(language: str, text: str) -> str:
    return translations(language).gettext(text)


@cache
def captions(language: str) -> LabelCaptions:
    """A patient label's fixed words in ``language``."""
    english = ENGLISH_CAPTIONS
    return LabelCaptions(
        **{
            name: gettext(language, getattr(english, name))
            for name in (f.name for f in fields(english))
        }
    )


@cache
def leaflet_captions(language: str) -> LeafletCaptions:
    """The leaflet's fixed words in ``language``."""
    english = ENGLISH_LEAFLET_CAPTIONS
    return LeafletCaptions(
        **{
            name: gettext(language, getattr(english, name))
            for name in (f.name for f in fields(english))
        }
    )


def texts(language: str, english: Iterable[str]) -> tuple[str, ...]:
    """Fixed paragraphs (the leaflet's seeded texts) in ``language``."""
    return tuple(gettext(language, text) for text in english)


def clinical_text(text: str, rules: Rules, language: str) -> str:
    """A storage or auxiliary text of a label in ``language``: the reviewed text the rules
    hold for it (``liquid_texts_translated`` by its ``liquid_texts`` key, else
    ``storage_texts_translated`` by the storage as written, case and spaces aside); a text
    with none, such as a storage the pharmacy wrote itself, prints as written."""
    if language == DEFAULT_LANGUAGE:
        return text
    for key, english in rules.liquid_texts.items():
        if english == text and key in rules.liquid_texts_translated.get(language, {}):
            return rules.liquid_texts_translated[language][key]
    wanted = " ".join(text.split()).casefold()
    for english, translated in rules.storage_texts_translated.get(language, {}).items():
        if " ".join(english.split()).casefold() == wanted:
            return translated
    return text


def long_date(day: date, language: str) -> str:
    """``Jan 5, 2026`` / ``5 ene 2026``: Babel's medium date for the locale."""
    return format_date(day, format="medium", locale=language)


def short_date(day: date, language: str) -> str:
    """A day in a schedule line, without the year (``Jan 5`` / ``5 ene``)."""
    return format_date(day, format="MMM d" if language == "en" else "d MMM", locale=language)


def calendar_day(day: date, language: str) -> str:
    """A leaflet calendar row's day (``Mon Jan 5`` / ``lun 5 ene``)."""
    return format_date(
        day, format="EEE MMM d" if language == "en" else "EEE d MMM", locale=language
    )
