"""Example FHIR R4 transaction Bundles of LDN orders, as an EHR sends them."""

from __future__ import annotations

import copy
from typing import Any

NPI = "http://hl7.org/fhir/sid/us-npi"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
ATTESTATION = "urn:ldn-pharmacy:fhir:StructureDefinition:opioid-attestation"
FHIR_JSON = "application/fhir+json"

PATIENT = "urn:uuid:7d3c1a52-1f7e-4c55-9a0c-000000000001"
PRACTITIONER = "urn:uuid:7d3c1a52-1f7e-4c55-9a0c-000000000002"


def bedtime(
    dose: Any, unit: str = "mg", *, sequence: int | None = None, days: int | None = None
) -> dict[str, Any]:
    repeat: dict[str, Any] = {"frequency": 1, "period": 1, "periodUnit": "d", "when": ["HS"]}
    if days is not None:
        repeat["boundsDuration"] = {"value": days, "unit": "days", "system": UCUM, "code": "d"}
    instruction: dict[str, Any] = {
        "timing": {"repeat": repeat},
        "route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]},
        "doseAndRate": [
            {"doseQuantity": {"value": dose, "unit": unit, "system": UCUM, "code": unit}}
        ],
    }
    if sequence is not None:
        instruction["sequence"] = sequence
    return instruction


def patient(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Patient",
        "name": [{"use": "official", "family": "Lovelace", "given": ["Ada"]}],
        "birthDate": "1970-05-01",
        "gender": "female",
        "telecom": [
            {"system": "phone", "value": "+1 555 0100", "use": "mobile"},
            {"system": "email", "value": "ada@example.org"},
        ],
        "address": [
            {
                "line": ["12 Analytical Row"],
                "city": "Springfield",
                "state": "IL",
                "postalCode": "62701",
            }
        ],
        "communication": [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en-US"}]},
                "preferred": True,
            }
        ],
    }
    resource.update(changes)
    return resource


def practitioner(npi: str) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "identifier": [{"system": NPI, "value": npi}],
        "name": [{"family": "Prescriber", "given": ["Dana"]}],
    }


def medication_request(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "MedicationRequest",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.999", "value": "ORD-1001"}],
        "groupIdentifier": {"system": "urn:oid:2.16.840.1.113883.3.999.1", "value": "GRP-77"},
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": "7243", "display": "naltrexone"}],
            "text": "Naltrexone HCl 4.5 mg capsule",
        },
        "subject": {"reference": PATIENT},
        "requester": {"reference": PRACTITIONER},
        "dosageInstruction": [bedtime(4.5)],
        "dispenseRequest": {
            "quantity": {"value": 30, "unit": "capsule", "system": UCUM, "code": "{capsule}"},
            "expectedSupplyDuration": {"value": 30, "unit": "days", "system": UCUM, "code": "d"},
            "numberOfRepeatsAllowed": 2,
        },
        "note": [{"text": "Fibromyalgia; start low."}],
        "extension": [{"url": ATTESTATION, "valueBoolean": True}],
    }
    resource.update(changes)
    return resource


def statement(text: str, status: str = "active") -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "status": status,
        "medicationCodeableConcept": {"text": text},
        "subject": {"reference": PATIENT},
    }


def allergy(text: str) -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "code": {"text": text},
        "patient": {"reference": PATIENT},
    }


def bundle(
    npi: str,
    *extra: dict[str, Any],
    request: dict[str, Any] | None = None,
    patient_resource: dict[str, Any] | None = None,
) -> dict[str, Any]:
    resources = [
        (PATIENT, patient_resource or patient()),
        (PRACTITIONER, practitioner(npi)),
        (None, request or medication_request()),
        *((None, resource) for resource in extra),
    ]
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                **({"fullUrl": url} if url else {}),
                "resource": copy.deepcopy(resource),
                "request": {"method": "POST", "url": resource["resourceType"]},
            }
            for url, resource in resources
        ],
    }


def titration_request() -> dict[str, Any]:
    return medication_request(
        medicationCodeableConcept={"text": "Naltrexone HCl 1.5 mg capsule"},
        dosageInstruction=[
            bedtime(3, sequence=2, days=14),
            bedtime(1.5, sequence=1, days=14),
            bedtime(4.5, sequence=3, days=30),
        ],
        dispenseRequest={
            "quantity": {"value": 132, "unit": "capsule", "system": UCUM, "code": "{capsule}"},
            "numberOfRepeatsAllowed": 1,
        },
    )


def liquid_request() -> dict[str, Any]:
    return medication_request(
        medicationCodeableConcept={"text": "Naltrexone HCl 1 mg/mL oral liquid"},
        dosageInstruction=[bedtime(2.5, "mL")],
        dispenseRequest={
            "quantity": {"value": 75, "unit": "mL", "system": UCUM, "code": "mL"},
            "expectedSupplyDuration": {"value": 30, "unit": "days", "system": UCUM, "code": "d"},
        },
    )
