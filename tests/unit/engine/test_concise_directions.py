"""The container label's directions (issue 19): the whole plan in one USP <17> sentence, in
the patient's language, a liquid naming its oral syringe; dated steps for the leaflet."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pharmacy.compounding.directions import concise_directions, dated_directions
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import DEFAULT_RULES, Rules
from pharmacy.compounding.titration import TitrationStep

D = Decimal
PLAN = [TitrationStep(D("1.5"), 14), TitrationStep(D("3"), 14), TitrationStep(D("4.5"), 30)]


@pytest.mark.parametrize(
    ("form", "steps", "per_unit", "language", "syringe", "expected"),
    [
        (
            "capsule", PLAN, D("1.5"), "en", None,
            "Take 1 capsule by mouth at bedtime for 14 days, then 2 capsules at bedtime for "
            "14 days, then 3 capsules at bedtime.",
        ),
        (
            "capsule", PLAN, D("1.5"), "es", None,
            "Tome 1 cápsula por vía oral a la hora de acostarse durante 14 días, luego 2 "
            "cápsulas a la hora de acostarse durante 14 días, luego 3 cápsulas a la hora de "
            "acostarse.",
        ),
        (
            "liquid", PLAN, D("1"), "en", 5,
            "Take 1.5 mL (1.5 mg) by mouth at bedtime for 14 days, then 3 mL (3 mg) at "
            "bedtime for 14 days, then 4.5 mL (4.5 mg) at bedtime. Use the 5 mL oral "
            "syringe provided.",
        ),
        (
            "capsule", [TitrationStep(D("4.5"), 30)], D("1.5"), "en", None,
            "Take 3 capsules (4.5 mg) by mouth at bedtime.",
        ),
        (
            "liquid", [TitrationStep(D("0.5"), 30)], D("1"), "es", 1,
            "Tome 0.5 mL (0.5 mg) por vía oral a la hora de acostarse. Use la jeringa oral "
            "de 1 mL que se le entrega.",
        ),
        (
            "capsule", [TitrationStep(D("1.5"), 1), TitrationStep(D("3"), 7)], D("1.5"), "en",
            None,
            "Take 1 capsule by mouth at bedtime for 1 day, then 2 capsules at bedtime.",
        ),
    ],
)
def test_concise_directions(
    form: str,
    steps: list[TitrationStep],
    per_unit: Decimal,
    language: str,
    syringe: int | None,
    expected: str,
) -> None:
    text = concise_directions(form, steps, per_unit, DEFAULT_RULES, language, syringe)
    assert text == expected
    assert "as directed" not in text and "leaflet" not in text


def test_the_route_follows_the_rule_an_admin_changed() -> None:
    rules = Rules(directions_route_timing="by mouth at night")
    assert concise_directions("capsule", PLAN, D("1.5"), rules).startswith(
        "Take 1 capsule by mouth at night for 14 days"
    )


def test_dated_steps_use_the_date_format_given() -> None:
    lines = dated_directions(
        "capsule", PLAN, D("1.5"), date(2026, 1, 5), lambda d: d.isoformat(), language="en"
    )
    assert lines == [
        "2026-01-05 to 2026-01-18: take 1 capsule (1.5 mg).",
        "2026-01-19 to 2026-02-01: take 2 capsules (3 mg).",
        "From 2026-02-02: take 3 capsules (4.5 mg).",
    ]


def test_an_unknown_language_names_the_field() -> None:
    with pytest.raises(FormulationError) as info:
        concise_directions("capsule", PLAN, D("1.5"), DEFAULT_RULES, "fr")
    assert info.value.field == "patient.language"


def test_a_dose_that_is_not_whole_capsules_is_refused() -> None:
    with pytest.raises(FormulationError):
        concise_directions("capsule", [TitrationStep(D("1"), 7)], D("1.5"))


def test_every_label_language_has_its_warnings_and_texts() -> None:
    for language in DEFAULT_RULES.label_languages:
        assert language in DEFAULT_RULES.direction_texts
    assert "diarrhea" in DEFAULT_RULES.label_warnings[0]
    assert "72 hours" in DEFAULT_RULES.label_warnings[0]
    assert "diarrea" in DEFAULT_RULES.label_warnings_translated["es"][0]
    assert all("diarrhoea" not in w for w in DEFAULT_RULES.label_warnings)


def test_a_language_without_translated_warnings_is_refused() -> None:
    with pytest.raises(FormulationError, match="label_languages"):
        Rules(label_languages=("en", "es", "fr"))
