"""The prescription rules as one pure function (`assess_prescription`): every intake channel
calls it, so its table is the rulebook. No app, no database."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from typing import Any

import pytest

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.prescription import (
    NO_ATTESTATION,
    PrescriptionRequest,
    assess_prescription,
    check_lactose,
)
from pharmacy.compounding.rules import DEFAULT_RULES
from pharmacy.compounding.titration import TitrationStep as Step

RULES = DEFAULT_RULES
CAPSULE_4_5 = PrescriptionRequest("capsule", D("4.5"), days_supply=30, opioid_attestation=True)
LIQUID_1 = PrescriptionRequest(
    "liquid", D("1"), dose_mg=D("4.5"), days_supply=30, opioid_attestation=True
)
TITRATION = PrescriptionRequest(
    "capsule",
    D("1.5"),
    titration=(Step(D("1.5"), 14), Step(D("3"), 14), Step(D("4.5"), 14)),
    opioid_attestation=True,
)

# request, then what the assessment must say: each expectation an attribute and its value.
ACCEPTED: list[tuple[str, PrescriptionRequest, dict[str, Any]]] = [
    (
        "a fixed capsule dose: one capsule a day, a month's quantity, bedtime directions",
        CAPSULE_4_5,
        {
            "quantity": D("30"),
            "days_supply": 30,
            "filler": RULES.default_filler_code,
            "directions": "Take 1 capsule (4.5 mg) by mouth at bedtime.",
            "hold_reasons": (),
            "warnings": (),
        },
    ),
    (
        "the quantity alone gives the days it lasts",
        replace(CAPSULE_4_5, days_supply=None, quantity=D("60")),
        {"quantity": D("60"), "days_supply": 60},
    ),
    (
        "two capsules a dose",
        replace(CAPSULE_4_5, strength=D("1.5"), dose_mg=D("3")),
        {"quantity": D("60"), "directions": "Take 2 capsules (3 mg) by mouth at bedtime."},
    ),
    (
        "a titration: quantity and days from the plan, one line per step",
        TITRATION,
        {
            "quantity": D("84"),
            "days_supply": 42,
            "direction_lines": (
                "Days 1 to 14: Take 1 capsule (1.5 mg) by mouth at bedtime.",
                "Days 15 to 28: Take 2 capsules (3 mg) by mouth at bedtime.",
                "Days 29 to 42: Take 3 capsules (4.5 mg) by mouth at bedtime.",
            ),
        },
    ),
    (
        "a titration given too few capsules is a warning, not a refusal",
        replace(TITRATION, quantity=D("80")),
        {
            "quantity": D("80"),
            "quantity_needed": D("84"),
            "warnings": (
                "Quantity 80 capsules is less than the 84 capsules the titration plan needs.",
            ),
        },
    ),
    (
        "a titration whose days' supply differs from its plan is a warning",
        replace(TITRATION, days_supply=30),
        {
            "days_supply": 30,
            "warnings": ("Days' supply 30 differs from the titration plan's 42 days.",),
        },
    ),
    (
        "a liquid in mL and mg, on the syringe that measures it",
        LIQUID_1,
        {
            "quantity": D("135"),
            "syringe_ml": 5,
            "filler": "",
            "directions": "Take 4.5 mL (4.5 mg) by mouth at bedtime.",
        },
    ),
    (
        "an opioid in the medications holds, naming it",
        replace(CAPSULE_4_5, medications=("Percocet 5/325",)),
        {"on_hold": True},
    ),
    (
        "no attestation holds",
        replace(CAPSULE_4_5, opioid_attestation=False),
        {"hold_reasons": (NO_ATTESTATION,)},
    ),
    (
        "a dose below the usual range needs a pharmacist's acknowledgement",
        replace(CAPSULE_4_5, strength=D("0.25")),
        {"on_hold": False},
    ),
    (
        "an opioid named only in allergies never holds",
        replace(CAPSULE_4_5, allergies=("codeine",)),
        {"hold_reasons": ()},
    ),
]


@pytest.mark.parametrize(("why", "request_", "expected"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted(why: str, request_: PrescriptionRequest, expected: dict[str, Any]) -> None:
    assessment = assess_prescription(request_, RULES)
    for name, value in expected.items():
        assert getattr(assessment, name) == value, f"{why}: {name}"


def test_an_opioid_hold_names_the_medication_and_the_washout() -> None:
    assessment = assess_prescription(replace(CAPSULE_4_5, medications=("Percocet 5/325",)), RULES)
    (reason,) = assessment.hold_reasons
    assert "'Percocet 5/325'" in reason and "oxycodone" in reason and "wait 7-10 days" in reason


def test_a_dose_below_the_usual_range_asks_for_an_acknowledgement() -> None:
    assessment = assess_prescription(replace(CAPSULE_4_5, strength=D("0.25")), RULES)
    assert assessment.acknowledgements, "a 0.25 mg dose is below 0.5 mg: a pharmacist confirms"


# request, and the field the refusal must name.
REFUSED: list[tuple[str, PrescriptionRequest, str]] = [
    ("a dose over 10 mg is not LDN", replace(CAPSULE_4_5, strength=D("12")), "strength_mg"),
    (
        "a titration step over 10 mg names its step",
        replace(TITRATION, titration=(Step(D("1.5"), 14), Step(D("12"), 14))),
        "titration.1.dose_mg",
    ),
    (
        "a dose no whole number of capsules makes",
        replace(CAPSULE_4_5, strength=D("2"), dose_mg=D("3")),
        "dose_mg",
    ),
    (
        "a titration step no whole number of capsules makes names the plan",
        replace(TITRATION, strength=D("2")),
        "titration",
    ),
    ("a syringe on capsules", replace(CAPSULE_4_5, syringe_ml=5), "syringe_ml"),
    ("a filler on a liquid", replace(LIQUID_1, filler="mcc"), "filler"),
    ("a liquid without a dose", replace(LIQUID_1, dose_mg=None), "dose_mg"),
    (
        "a fixed dose without quantity or days",
        replace(CAPSULE_4_5, days_supply=None),
        "quantity",
    ),
    (
        "a quantity that lasts past the longest supply",
        replace(CAPSULE_4_5, days_supply=None, quantity=D("1000")),
        "quantity",
    ),
    (
        "a titration longer than a prescription covers",
        replace(TITRATION, titration=(Step(D("1.5"), 365), Step(D("3"), 365))),
        "titration",
    ),
    (
        "part of a capsule",
        replace(CAPSULE_4_5, days_supply=None, quantity=D("30.5")),
        "quantity",
    ),
    (
        "a liquid dose the chosen syringe cannot measure",
        replace(LIQUID_1, dose_mg=D("1.75"), syringe_ml=3),
        "concentration_mg_per_ml",  # with a concentration that fits proposed
    ),
]


@pytest.mark.parametrize(("why", "request_", "field"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_naming_the_field(why: str, request_: PrescriptionRequest, field: str) -> None:
    with pytest.raises(FormulationError) as refused:
        assess_prescription(request_, RULES)
    assert refused.value.field == field, why
    assert refused.value.message


def test_lactose_is_refused_for_an_allergic_patient_as_sent_and_as_on_record() -> None:
    check_lactose(False, ["lactose"], on_record=False)  # no lactose: nothing to refuse
    for on_record in (False, True):
        with pytest.raises(FormulationError) as refused:
            check_lactose(True, ["Lactose intolerance"], on_record=on_record)
        assert refused.value.field == "filler"
        assert ("record" in refused.value.message) is on_record
