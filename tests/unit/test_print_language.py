"""The printed documents' language (issue 19 point 4): the Spanish catalog compiles and holds
every fixed text of the label and the leaflet, English through the catalog prints the same
bytes as before, and the rules hold a reviewed Spanish text, with its source, for every
storage, auxiliary and caution text a patient reads."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date, timedelta

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from labels import (
    DEFAULT_CALL_US_WHEN,
    DEFAULT_HOW_TO_TAKE,
    DEFAULT_LEAFLET_ABOUT,
    DEFAULT_SIDE_EFFECTS,
    DEFAULT_WASHOUT_TEXT,
    ENGLISH_CAPTIONS,
    ENGLISH_LEAFLET_CAPTIONS,
    LeafletContent,
    ScheduleRow,
    render_leaflet,
)
from pharmacy.compounding import DEFAULT_RULES
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import Rules
from pharmacy.services.printing import language
from tests.unit.labels.label_samples import leaflet
from tests.unit.labels.pdfcheck import all_text, squash

PARAGRAPHS = (
    *DEFAULT_LEAFLET_ABOUT,
    *DEFAULT_HOW_TO_TAKE,
    *DEFAULT_WASHOUT_TEXT,
    *DEFAULT_SIDE_EFFECTS,
    *DEFAULT_CALL_US_WHEN,
)
# Fixed words the services write besides the captions.
SERVICE_WORDS = ("{amount} of {strength} mg", "from a later fill", "capsules")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fixed_texts() -> list[str]:
    captions = [
        getattr(c, f.name)
        for c in (ENGLISH_CAPTIONS, ENGLISH_LEAFLET_CAPTIONS)
        for f in dataclasses.fields(c)
    ]
    return [*captions, *PARAGRAPHS, *SERVICE_WORDS]


def spanish_catalog():  # type: ignore[no-untyped-def]
    with (language.CATALOGS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale="es")


def test_the_spanish_catalog_compiles_and_holds_every_fixed_text() -> None:
    catalog = spanish_catalog()
    assert [problem for *_, problem in catalog.check() if problem] == []
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    again = read_mo(compiled)
    for text in fixed_texts():
        message = catalog.get(text)
        assert message is not None and message.string and not message.fuzzy, text
        assert again.get(text).string == message.string
        # The same placeholders in both languages, so .format() cannot fail or drop one.
        assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(text)), text


def test_every_fixed_text_is_translated_at_run_time() -> None:
    for text in fixed_texts():
        assert language.gettext("es", text) != text, text
        assert language.gettext("en", text) == text


def english_through_the_catalog(c: LeafletContent) -> LeafletContent:
    """The leaflet as the service now makes it in English: every text through the catalog
    and every date through Babel."""
    days = {
        r.start + timedelta(days=n): language.calendar_day(r.start + timedelta(days=n), "en")
        for r in c.schedule
        for n in range((r.end - r.start).days + 1)
    }
    return dataclasses.replace(
        c,
        captions=language.leaflet_captions("en"),
        about=language.texts("en", c.about),
        how_to_take=language.texts("en", c.how_to_take),
        washout_text=language.texts("en", c.washout_text),
        side_effects=language.texts("en", c.side_effects),
        call_us_when=language.texts("en", c.call_us_when),
        schedule=[
            dataclasses.replace(
                r,
                start_text=language.long_date(r.start, "en"),
                end_text=language.long_date(r.end, "en"),
            )
            for r in c.schedule
        ],
        bud_text=language.long_date(c.bud, "en") if c.bud else "",
        day_texts=days,
    )


@pytest.mark.parametrize("weeks", [3, 20])
def test_english_through_the_catalog_prints_the_same_bytes(weeks: int) -> None:
    c = dataclasses.replace(leaflet(weeks), bud=date(2026, 2, 1), storage="Room temperature.")
    assert render_leaflet(english_through_the_catalog(c)) == render_leaflet(c)


def test_a_long_spanish_schedule_has_a_row_per_step_with_spanish_dates() -> None:
    c = leaflet(weeks=20)  # 280 days: a calendar row per step
    es = dataclasses.replace(
        c,
        captions=language.leaflet_captions("es"),
        schedule=[
            ScheduleRow(
                r.start,
                r.end,
                r.dose,
                r.amount,
                language.long_date(r.start, "es"),
                language.long_date(r.end, "es"),
            )
            for r in c.schedule
        ],
    )
    text = squash(all_text(render_leaflet(es)))
    assert squash("Fechas") in text and squash("5 ene 2026 \u2013 18 ene 2026") in text
    assert "Jan" not in text and "Dates" not in text


def test_clinical_texts_in_spanish_come_from_the_rules() -> None:
    rules = DEFAULT_RULES
    spanish = rules.liquid_texts_translated["es"]
    for key in ("shake_well", "protect_from_light", "refrigerate"):
        english = rules.liquid_texts[key]
        assert language.clinical_text(english, rules, "es") == spanish[key]
        assert language.clinical_text(english, rules, "en") == english
    storage = rules.storage_texts_translated["es"]
    for category in rules.bud_categories:  # every storage a BUD category names
        assert language.clinical_text(category.storage, rules, "es") == storage[category.storage]
    typed = language.clinical_text("  Room Temperature ", rules, "es")
    assert typed == storage["room temperature"]
    # A storage the pharmacy wrote itself has no reviewed text: it prints as written.
    assert language.clinical_text("below 25 °C, dry", rules, "es") == "below 25 °C, dry"


def test_every_caution_has_its_spanish_advice_and_every_text_its_source() -> None:
    rules = DEFAULT_RULES
    assert {c.code for c in rules.caution_rules} == set(rules.caution_advice_translated["es"])
    for name in (
        "liquid_texts_translated",
        "storage_texts_translated",
        "caution_advice_translated",
    ):
        assert "bilingual pharmacist reviews" in rules.describe(name)


@pytest.mark.parametrize(
    "change",
    [
        {"liquid_texts_translated": {"es": {"shake_wel": "Agítelo."}}},
        {"caution_advice_translated": {"es": {"thyriod": "Usted toma…"}}},
    ],
)
def test_a_spanish_text_for_no_known_text_is_refused_naming_the_rule(
    change: dict[str, object],
) -> None:
    with pytest.raises(FormulationError) as error:
        Rules(**change)  # type: ignore[arg-type]
    assert next(iter(change)) in str(error.value.field)
