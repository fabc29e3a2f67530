"""Random dosage sequences sent as FHIR are judged exactly as the engine's own assessment
judges the same plan sent as the API's intake body: the same plan, quantities, directions,
warnings and holds when accepted; when refused, the FHIRPath of the element that carried
the field the schema or the engine named. No app or database: the edge's mapping and the
engine are pure."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.prescription import assess_prescription
from pharmacy.compounding.rules import DEFAULT_RULES
from pharmacy.errors import Invalid
from pharmacy.fhir.bundle import parse_transaction
from pharmacy.fhir.inbound import read_order
from pharmacy.fhir.outcome import FhirError
from pharmacy.http_errors import flatten_messages
from pharmacy.services.prescriptions.intake import prescription_request
from schema.prescriptions import PrescriptionIn
from tests.fhir.bundles import UCUM, bedtime, bundle, medication_request

MR = "Bundle.entry[2].resource"
SCHEMA = PrescriptionIn()

capsule_strengths = st.sampled_from(["0.5", "1", "1.5", "3", "4.5"])
concentrations = st.sampled_from(["0.5", "1", "5"])
doses = st.integers(min_value=1, max_value=48).map(lambda n: Decimal(n) / 4)  # 0.25 … 12 mg
volumes = st.integers(min_value=1, max_value=200).map(lambda n: Decimal(n) / 20)  # 0.05 … 10 mL
days = st.integers(min_value=1, max_value=120)


@st.composite
def plans(draw: Any) -> dict[str, Any]:
    liquid = draw(st.booleans())
    strength = Decimal(draw(concentrations if liquid else capsule_strengths))
    in_ml = liquid and draw(st.booleans())
    count = draw(st.integers(min_value=1, max_value=5))
    steps = []
    for _ in range(count):
        if in_ml:
            volume = draw(volumes)
            steps.append((volume, volume * strength, draw(days)))
        else:
            # Half the time a dose whole capsules can make, so acceptances are common too.
            whole = not liquid and draw(st.booleans())
            dose = strength * draw(st.integers(1, 6)) if whole else draw(doses)
            steps.append((dose, dose, draw(days)))
    order = draw(st.permutations(range(count)))  # the order the EHR lists them in
    return {"liquid": liquid, "strength": strength, "in_ml": in_ml, "steps": steps, "order": order}


def _fhir_bundle(plan: dict[str, Any]) -> dict[str, Any]:
    unit = "mL" if plan["in_ml"] else "mg"
    form = "mg/mL oral liquid" if plan["liquid"] else "mg capsule"
    text = f"Naltrexone HCl {plan['strength']} {form}"
    steps = plan["steps"]
    if len(steps) == 1:
        instructions = [bedtime(float(steps[0][0]), unit)]
        dispense = {
            "expectedSupplyDuration": {
                "value": steps[0][2],
                "unit": "days",
                "system": UCUM,
                "code": "d",
            }
        }
    else:
        instructions = [
            bedtime(float(steps[i][0]), unit, sequence=i + 1, days=steps[i][2])
            for i in plan["order"]
        ]
        dispense = {}
    request = medication_request(
        medicationCodeableConcept={"text": text},
        dosageInstruction=instructions,
        dispenseRequest=dispense,
    )
    return bundle("1234567893", request=request)


def _api_body(plan: dict[str, Any]) -> dict[str, Any]:
    strength_field = "concentration_mg_per_ml" if plan["liquid"] else "strength_mg"
    body: dict[str, Any] = {
        "patient": {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1970-05-01"},
        "dosage_form": "liquid" if plan["liquid"] else "capsule",
        strength_field: str(plan["strength"]),
        "opioid_attestation": True,
    }
    steps = plan["steps"]
    if len(steps) == 1:
        body["dose_mg"] = str(
            Decimal(str(float(steps[0][0]))) * (plan["strength"] if plan["in_ml"] else 1)
        )
        body["days_supply"] = steps[0][2]
    else:
        body["titration"] = [
            {
                "dose_mg": str(
                    Decimal(str(float(s[0]))) * (plan["strength"] if plan["in_ml"] else 1)
                ),
                "days": s[2],
            }
            for s in steps
        ]
    return body


def _fhir_path(field: str, plan: dict[str, Any]) -> str:
    """Where the README's mapping table puts each intake field."""
    parts = field.split(".")
    position = {step: index for index, step in enumerate(plan["order"])}
    if parts[0] == "titration" and len(parts) == 3:
        at = f"{MR}.dosageInstruction[{position[int(parts[1])]}]"
        if parts[2] == "days":
            return f"{at}.timing.repeat.boundsDuration.value"
        return f"{at}.doseAndRate[0].doseQuantity.value"
    return {
        "titration": f"{MR}.dosageInstruction",
        "dose_mg": f"{MR}.dosageInstruction[0].doseAndRate[0].doseQuantity.value",
        "days_supply": f"{MR}.dispenseRequest.expectedSupplyDuration.value",
        "quantity": f"{MR}.dispenseRequest.quantity.value",
        "strength_mg": f"{MR}.medicationCodeableConcept",
        "concentration_mg_per_ml": f"{MR}.medicationCodeableConcept",
        "syringe_ml": f"{MR}.medicationCodeableConcept",
    }[field]


def _direct(plan: dict[str, Any]) -> Any:
    """The engine's own judgement of the plan sent as the API's body: an Assessment, or
    the set of fields refused."""
    try:
        data = SCHEMA.load(_api_body(plan))
    except ValidationError as error:
        return set(flatten_messages(error.messages))
    try:
        return assess_prescription(prescription_request(data), DEFAULT_RULES)
    except FormulationError as error:
        return {error.field}


def _through_fhir(plan: dict[str, Any]) -> Any:
    try:
        order = read_order(parse_transaction(copy.deepcopy(_fhir_bundle(plan))))
    except FhirError as error:
        return error
    try:
        return assess_prescription(prescription_request(order.data), DEFAULT_RULES)
    except FormulationError as error:
        return order.refusal(Invalid(error.field, error.message))


@settings(max_examples=300, deadline=None, database=None)
@given(plan=plans())
def test_fhir_dosage_is_judged_as_the_engine_judges_it(plan: dict[str, Any]) -> None:
    expected = _direct(plan)
    got = _through_fhir(plan)
    event("refused" if isinstance(expected, set) else "accepted")
    if isinstance(expected, set):
        assert isinstance(got, FhirError), (expected, got)
        assert 400 <= got.status < 500
        paths = {e for issue in got.issues for e in issue.expression}
        assert paths == {_fhir_path(field, plan) for field in expected}, (expected, got.issues)
    else:
        assert not isinstance(got, FhirError), got.issues
        assert got == expected
