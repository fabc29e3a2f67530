"""Every refusal of the FHIR endpoint: a 4xx OperationOutcome whose issue.expression names
the FHIRPath of what was wrong and whose diagnostics say why; nothing is stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from pharmacy.models import Prescription
from pharmacy.services.uow import read_session
from tests.fhir.bundles import (
    FHIR_JSON,
    RXNORM,
    bedtime,
    bundle,
    medication_request,
    patient,
    statement,
)
from tests.fhir.conftest import issue_paths

MR = "Bundle.entry[2].resource"
DOSE = f"{MR}.dosageInstruction[0].doseAndRate[0].doseQuantity.value"


def _request(body: dict[str, Any]) -> dict[str, Any]:
    return body["entry"][2]["resource"]


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        node = body
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _drop(path: list[Any]) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        node = body
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return change


REQ = ["entry", 2, "resource"]
TWICE_DAILY = bedtime(1.5)
TWICE_DAILY["timing"]["repeat"]["frequency"] = 2

# name: (change, status, expression, words in the diagnostics)
CASES: dict[str, tuple[Callable[[dict[str, Any]], None], int, str, str]] = {
    "twice daily": (
        _set([*REQ, "dosageInstruction"], [TWICE_DAILY]),
        422,
        f"{MR}.dosageInstruction[0].timing.repeat",
        "once a day",
    ),
    "morning": (
        _set([*REQ, "dosageInstruction", 0, "timing", "repeat", "when"], ["MORN"]),
        422,
        f"{MR}.dosageInstruction[0].timing.repeat.when",
        "bedtime",
    ),
    "timing code": (
        _set([*REQ, "dosageInstruction", 0, "timing", "code"], {"text": "BID"}),
        422,
        f"{MR}.dosageInstruction[0].timing.code",
        "HS",
    ),
    "time of day": (
        _set([*REQ, "dosageInstruction", 0, "timing", "repeat", "timeOfDay"], ["08:00:00"]),
        422,
        f"{MR}.dosageInstruction[0].timing.repeat.timeOfDay",
        "once a day",
    ),
    "a dose no strength can make": (
        _set([*REQ, "dosageInstruction"], [bedtime(2)]),
        422,
        DOSE,
        "capsule",
    ),
    "a dose beyond LDN": (_set([*REQ, "dosageInstruction"], [bedtime(50)]), 422, DOSE, "LDN"),
    "not a number": (
        _set([*REQ, "dosageInstruction", 0, "doseAndRate", 0, "doseQuantity", "value"], "abc"),
        400,
        DOSE,
        "Decimal",
    ),
    "dose in tablets": (
        _set([*REQ, "dosageInstruction"], [bedtime(1, "{tablet}")]),
        422,
        f"{MR}.dosageInstruction[0].doseAndRate[0].doseQuantity.unit",
        "mg",
    ),
    "mL dose of a capsule": (
        _set([*REQ, "dosageInstruction"], [bedtime(1, "mL")]),
        422,
        f"{MR}.dosageInstruction[0].doseAndRate[0].doseQuantity.unit",
        "mg",
    ),
    "as needed": (
        _set([*REQ, "dosageInstruction", 0, "asNeededBoolean"], True),
        422,
        f"{MR}.dosageInstruction[0].asNeededBoolean",
        "every day",
    ),
    "topical": (
        _set([*REQ, "dosageInstruction", 0, "route"], {"text": "topical"}),
        422,
        f"{MR}.dosageInstruction[0].route",
        "by mouth",
    ),
    "no dosage": (_drop([*REQ, "dosageInstruction"]), 422, f"{MR}.dosageInstruction", "dose"),
    "fixed dose with bounds": (
        _set([*REQ, "dosageInstruction"], [bedtime(4.5, days=30)]),
        422,
        f"{MR}.dosageInstruction[0].timing.repeat.boundsDuration",
        "expectedSupplyDuration",
    ),
    "titration without sequence": (
        _set([*REQ, "dosageInstruction"], [bedtime(1.5, days=14), bedtime(3, sequence=2, days=14)]),
        422,
        f"{MR}.dosageInstruction[0].sequence",
        "sequence",
    ),
    "taken together": (
        _set(
            [*REQ, "dosageInstruction"],
            [bedtime(1.5, sequence=1, days=14), bedtime(3, sequence=1, days=14)],
        ),
        422,
        f"{MR}.dosageInstruction[0].sequence",
        "together",
    ),
    "titration step without days": (
        _set(
            [*REQ, "dosageInstruction"], [bedtime(1.5, sequence=1, days=14), bedtime(3, sequence=2)]
        ),
        422,
        f"{MR}.dosageInstruction[1].timing.repeat.boundsDuration",
        "days",
    ),
    "titration step in months": (
        _set(
            [*REQ, "dosageInstruction"],
            [
                bedtime(1.5, sequence=1, days=14),
                {
                    **bedtime(3, sequence=2),
                    "timing": {
                        "repeat": {"when": ["HS"], "boundsDuration": {"value": 1, "code": "mo"}}
                    },
                },
            ],
        ),
        422,
        f"{MR}.dosageInstruction[1].timing.repeat.boundsDuration.unit",
        "days",
    ),
    "a step dose no strength can make": (
        _set(
            [*REQ, "dosageInstruction"],
            [bedtime(4.5, sequence=1, days=14), bedtime(1, sequence=2, days=14)],
        ),
        422,
        f"{MR}.dosageInstruction",
        "strength",
    ),
    "tablets": (
        _set([*REQ, "medicationCodeableConcept"], {"text": "Naltrexone HCl 50 mg tablet"}),
        422,
        f"{MR}.medicationCodeableConcept",
        "capsules or an oral liquid",
    ),
    "extended release": (
        _set([*REQ, "medicationCodeableConcept"], {"text": "Naltrexone 4.5 mg ER capsule"}),
        422,
        f"{MR}.medicationCodeableConcept",
        "immediate release",
    ),
    "not naltrexone": (
        _set([*REQ, "medicationCodeableConcept"], {"text": "Sertraline 50 mg capsule"}),
        422,
        f"{MR}.medicationCodeableConcept",
        "naltrexone only",
    ),
    "another RxNorm code": (
        _set(
            [*REQ, "medicationCodeableConcept"],
            {
                "coding": [{"system": RXNORM, "code": "197994"}],
                "text": "Naltrexone HCl 4.5 mg capsule",
            },
        ),
        422,
        f"{MR}.medicationCodeableConcept.coding[0].code",
        "7243",
    ),
    "no strength": (
        _set(
            [*REQ, "medicationCodeableConcept"],
            {"coding": [{"system": RXNORM, "code": "7243", "display": "naltrexone"}]},
        ),
        422,
        f"{MR}.medicationCodeableConcept",
        "strength",
    ),
    "strengths disagree": (
        _set(
            [*REQ, "medicationCodeableConcept"],
            {
                "coding": [
                    {"system": RXNORM, "code": "7243", "display": "Naltrexone 3 mg capsule"}
                ],
                "text": "Naltrexone HCl 4.5 mg capsule",
            },
        ),
        422,
        f"{MR}.medicationCodeableConcept",
        "different",
    ),
    "liquid strength in mg": (
        _set([*REQ, "medicationCodeableConcept"], {"text": "Naltrexone 4.5 mg oral liquid"}),
        422,
        f"{MR}.medicationCodeableConcept",
        "mg/mL",
    ),
    "a strength beyond LDN": (
        _set([*REQ, "medicationCodeableConcept"], {"text": "Naltrexone HCl 25 mg capsule"}),
        422,
        f"{MR}.medicationCodeableConcept",
        "strength",
    ),
    "a Medication reference": (
        _set([*REQ, "medicationReference"], {"reference": "Medication/1"}),
        400,
        MR,
        "medication",
    ),
    "intent plan": (_set([*REQ, "intent"], "plan"), 422, f"{MR}.intent", "order"),
    "draft": (_set([*REQ, "status"], "draft"), 422, f"{MR}.status", "active"),
    "do not perform": (
        _set([*REQ, "doNotPerform"], True),
        422,
        f"{MR}.doNotPerform",
        "not to dispense",
    ),
    "subject elsewhere": (
        _set([*REQ, "subject"], {"reference": "Patient/999"}),
        422,
        f"{MR}.subject",
        "Patient",
    ),
    "requester elsewhere": (
        _set([*REQ, "requester"], {"reference": "Practitioner/999"}),
        422,
        f"{MR}.requester",
        "Practitioner",
    ),
    "modifier extension": (
        _set([*REQ, "modifierExtension"], [{"url": "http://example.org/x", "valueBoolean": True}]),
        422,
        f"{MR}.modifierExtension",
        "modifierExtension",
    ),
    "quantity in tablets": (
        _set([*REQ, "dispenseRequest", "quantity", "code"], "{tablet}"),
        422,
        f"{MR}.dispenseRequest.quantity.unit",
        "capsules",
    ),
    "supply in months": (
        _set([*REQ, "dispenseRequest", "expectedSupplyDuration", "code"], "mo"),
        422,
        f"{MR}.dispenseRequest.expectedSupplyDuration.unit",
        "days",
    ),
    "too many refills": (
        _set([*REQ, "dispenseRequest", "numberOfRepeatsAllowed"], 12),
        422,
        f"{MR}.dispenseRequest.numberOfRepeatsAllowed",
        "refills",
    ),
    "an initial fill": (
        _set([*REQ, "dispenseRequest", "initialFill"], {"quantity": {"value": 10}}),
        422,
        f"{MR}.dispenseRequest.initialFill",
        "first fill",
    ),
    "no dispense request": (
        _drop([*REQ, "dispenseRequest"]),
        422,
        f"{MR}.dispenseRequest",
        "quantity",
    ),
    "no family name": (
        _set(["entry", 0, "resource", "name"], [{"given": ["Ada"]}]),
        422,
        "Bundle.entry[0].resource.name[0].family",
        "last_name",
    ),
    "partial birth date": (
        _set(["entry", 0, "resource", "birthDate"], "1970-05"),
        422,
        "Bundle.entry[0].resource.birthDate",
        "full date",
    ),
    "a birth date in the future": (
        _set(["entry", 0, "resource", "birthDate"], "2999-01-01"),
        422,
        "Bundle.entry[0].resource.birthDate",
        "future",
    ),
    "no NPI": (
        _set(["entry", 1, "resource", "identifier"], []),
        422,
        "Bundle.entry[1].resource.identifier",
        "NPI",
    ),
    "a medication without a name": (
        lambda b: b["entry"].append(
            {
                "resource": {
                    **statement("x"),
                    "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "7052"}]},
                },
                "request": {"method": "POST", "url": "MedicationStatement"},
            }
        ),
        422,
        "Bundle.entry[3].resource.medicationCodeableConcept",
        "opioid screen",
    ),
    "a resource type not taken": (
        lambda b: b["entry"].append(
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "x"},
                },
                "request": {"method": "POST", "url": "Observation"},
            }
        ),
        422,
        "Bundle.entry[3].resource.resourceType",
        "only",
    ),
    "an unknown resource type": (
        _set(["entry", 2, "resource", "resourceType"], "Nonsense"),
        422,
        "Bundle.entry[2].resource.resourceType",
        "only",
    ),
    "two patients": (
        lambda b: b["entry"].append(b["entry"][0]),
        422,
        "Bundle.entry[3].resource",
        "exactly one Patient",
    ),
    "no practitioner": (
        lambda b: b["entry"].pop(1),
        422,
        "Bundle.entry",
        "exactly one Practitioner",
    ),
    "a batch": (_set(["type"], "batch"), 422, "Bundle.type", "transaction"),
    "not a bundle": (
        lambda b: b.update(resourceType="Patient"),
        400,
        "Bundle.resourceType",
        "Bundle",
    ),
    "an entry without request": (
        _drop(["entry", 2, "request"]),
        422,
        "Bundle.entry[2].request",
        "request",
    ),
    "an update": (
        _set(["entry", 2, "request", "method"], "PUT"),
        422,
        "Bundle.entry[2].request",
        "POST",
    ),
    "an unknown element": (
        _set([*REQ, "dosageInstructions"], []),
        400,
        f"{MR}.dosageInstructions",
        "Extra",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_refusal(fhir: Any, name: str) -> None:
    change, status, expression, words = CASES[name]
    body = bundle(fhir.npi("drA"))
    change(body)
    response = fhir.post(body)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/fhir+json"
    assert expression in issue_paths(response), response.get_json()
    text = " ".join(i["diagnostics"] for i in response.get_json()["issue"])
    assert words.lower() in text.lower(), text
    assert read_session().execute(select(Prescription)).first() is None


def test_unknown_npi_from_a_pharmacist(fhir: Any) -> None:
    response = fhir.post(bundle("1234567893"), as_="pharm")
    assert response.status_code == 422
    assert issue_paths(response) == ["Bundle.entry[1].resource.identifier[0].value"]


def test_a_lactose_allergy_refuses_a_lactose_filler_only_when_chosen(fhir: Any) -> None:
    """The default filler has no lactose: the allergy is recorded, the order taken."""
    body = bundle(fhir.npi("drA"))
    body["entry"].append(
        {
            "resource": {
                "resourceType": "AllergyIntolerance",
                "code": {"text": "lactose"},
                "patient": {"reference": body["entry"][0]["fullUrl"]},
            },
            "request": {"method": "POST", "url": "AllergyIntolerance"},
        }
    )
    assert fhir.post(body).status_code == 200


def test_not_json(fhir: Any) -> None:
    response = fhir.api.post(
        "/fhir/r4", as_="drA", data="{not json", headers={"Content-Type": FHIR_JSON}
    )
    assert response.status_code == 400
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_xml_is_not_served(fhir: Any) -> None:
    response = fhir.api.post(
        "/fhir/r4", as_="drA", data="<Bundle/>", headers={"Content-Type": "application/fhir+xml"}
    )
    assert response.status_code == 415
    response = fhir.get("/fhir/r4/MedicationRequest/1", headers={"Accept": "application/fhir+xml"})
    assert response.status_code == 406
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_anonymous_and_wrong_role(fhir: Any) -> None:
    anonymous = fhir.api.client.post(
        "/fhir/r4", data=json.dumps(bundle("1")), headers={"Content-Type": FHIR_JSON}
    )
    assert anonymous.status_code == 401
    assert anonymous.get_json()["issue"][0]["code"] == "login"
    technician = fhir.post(bundle(fhir.npi("drA")), as_="tech")
    assert technician.status_code == 403
    assert technician.get_json()["resourceType"] == "OperationOutcome"


def test_unknown_paths_and_methods(fhir: Any) -> None:
    assert fhir.get("/fhir/r4/Patient/1").status_code == 404
    assert fhir.get("/fhir/r4/Patient/1").get_json()["resourceType"] == "OperationOutcome"
    deleted = fhir.api.call("DELETE", "/fhir/r4/MedicationRequest/1", as_="drA")
    assert deleted.status_code == 405
    assert deleted.get_json()["resourceType"] == "OperationOutcome"


MARK = "Zebediahqx"


@pytest.mark.parametrize(
    "changes",
    [
        {"birthDate": MARK},
        {"name": [{"family": MARK * 20, "given": ["Ada"]}]},
        {"name": [{"family": "Lovelace", "given": MARK}]},
        {"telecom": [{"system": "phone", "value": MARK}]},
        {"address": [{"line": MARK}]},
        {"gender": {"text": MARK}},
    ],
)
def test_the_issue_never_echoes_patient_data(fhir: Any, changes: dict[str, Any]) -> None:
    response = fhir.post(bundle(fhir.npi("drA"), patient_resource=patient(**changes)))
    assert 400 <= response.status_code < 500, response.get_json()
    assert MARK not in response.get_data(as_text=True)


def test_the_request_is_not_changed_by_a_refusal(fhir: Any) -> None:
    request = medication_request(dosageInstruction=[bedtime(2)])
    assert fhir.post(bundle(fhir.npi("drA"), request=request)).status_code == 422
    assert (
        _request(bundle(fhir.npi("drA"), request=request))["dosageInstruction"][0]["doseAndRate"][
            0
        ]["doseQuantity"]["value"]
        == 2
    )
