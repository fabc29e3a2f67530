"""The `fhir.resources` R4B models read R4 (4.0.1) resources: every element this endpoint
maps has the same name, type and cardinality in R4 and R4B. Its top-level (R5) models do
not: R5 replaced medication[x] by a CodeableReference, so R4B is the package to use."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.medicationrequest import MedicationRequest as R5MedicationRequest
from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationdispense import MedicationDispense
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from tests.fhir.bundles import allergy, bundle, patient, statement, titration_request

# An R4 MedicationRequest with every element the endpoint maps (R4 spec, medicationrequest.html).
R4_REQUEST: dict[str, Any] = titration_request()
# R4 MedicationDispense as the endpoint writes it: the lot on a contained Medication.
R4_DISPENSE = {
    "resourceType": "MedicationDispense",
    "contained": [
        {
            "resourceType": "Medication",
            "id": "m",
            "code": {"text": "Naltrexone HCl 1.5 mg capsule"},
            "batch": {"lotNumber": "261203-C-001", "expirationDate": "2027-06-01"},
        }
    ],
    "status": "completed",
    "medicationReference": {"reference": "#m"},
    "subject": {"reference": "Patient/1"},
    "authorizingPrescription": [{"reference": "MedicationRequest/1"}],
    "quantity": {"value": 30, "unit": "capsule"},
    "daysSupply": {"value": 30, "code": "d"},
    "whenPrepared": "2026-12-03T10:00:00+00:00",
    "whenHandedOver": "2026-12-04T15:30:00+00:00",
}


@pytest.mark.parametrize(
    ("model", "resource"),
    [
        (Patient, patient()),
        (MedicationRequest, R4_REQUEST),
        (MedicationStatement, statement("sertraline 50 mg")),
        (AllergyIntolerance, allergy("penicillin")),
        (MedicationDispense, R4_DISPENSE),
        (Bundle, bundle("1234567893")),
    ],
)
def test_r4b_reads_r4(model: Any, resource: dict[str, Any]) -> None:
    parsed = model.model_validate(resource)
    assert parsed.get_resource_type() == resource["resourceType"]
    again = parsed.model_dump(mode="json", exclude_none=True)
    for name in resource:
        assert name in again, name


def test_r4b_keeps_the_mapped_elements() -> None:
    request = MedicationRequest.model_validate(R4_REQUEST)
    assert request.medicationCodeableConcept.text == "Naltrexone HCl 1.5 mg capsule"
    step = request.dosageInstruction[0]
    assert (step.sequence, step.timing.repeat.when, step.timing.repeat.boundsDuration.code) == (
        2,
        ["HS"],
        "d",
    )
    assert request.dispenseRequest.numberOfRepeatsAllowed == 1


def test_the_r5_models_do_not_read_r4() -> None:
    with pytest.raises(ValidationError):
        R5MedicationRequest.model_validate(R4_REQUEST)
