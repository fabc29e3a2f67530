"""POST /fhir/r4: LDN orders in as transaction Bundles, through the one intake (DOMAIN.md
§1, §7, §8), answered with a transaction-response Bundle."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pharmacy.models import AuditEvent, Patient, Prescription
from pharmacy.services.uow import read_session
from tests.fhir.bundles import (
    allergy,
    bundle,
    liquid_request,
    medication_request,
    patient,
    statement,
    titration_request,
)


def _request_entry(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/fhir+json"
    body = response.get_json()
    assert body["resourceType"] == "Bundle" and body["type"] == "transaction-response"
    return body["entry"][2]


def _stored(rx_id: int) -> Prescription:
    session = read_session()
    session.expire_all()
    rx = session.get(Prescription, rx_id)
    assert rx is not None
    return rx


def test_fixed_capsule_dose(fhir: Any) -> None:
    response = fhir.post(bundle(fhir.npi("drA"), allergy("penicillin")))
    entry = _request_entry(response)
    body = response.get_json()
    assert [e["response"]["status"] for e in body["entry"]] == [
        "201 Created",
        "200 OK",
        "201 Created",
        "200 OK",
    ]
    request = entry["resource"]
    assert entry["response"]["location"] == f"MedicationRequest/{request['id']}"
    rx = _stored(int(request["id"]))
    official = [i for i in request["identifier"] if i.get("use") == "official"]
    assert official == [
        {"use": "official", "system": "urn:ldn-pharmacy:rx-number", "value": rx.rx_number}
    ]
    assert request["status"] == "active"
    assert (rx.source, rx.status, rx.dosage_form) == ("fhir", "submitted", "capsule")
    assert (rx.strength_mg, rx.dose_mg, rx.quantity, rx.days_supply, rx.refills) == (
        4.5,
        4.5,
        30,
        30,
        2,
    )
    assert rx.directions == "Take 1 capsule (4.5 mg) by mouth at bedtime."
    assert rx.notes == "Fibromyalgia; start low."
    assert rx.external_identifier == [
        {"system": "urn:oid:2.16.840.1.113883.3.999", "value": "ORD-1001"}
    ]
    assert rx.group_identifier == {"system": "urn:oid:2.16.840.1.113883.3.999.1", "value": "GRP-77"}
    assert rx.patient_details["allergies"] == ["penicillin"]
    assert rx.patient_details["phone"] == "+1 555 0100"
    assert rx.patient_details["address"] == "12 Analytical Row, Springfield, IL 62701"
    assert rx.patient.date_of_birth.isoformat() == "1970-05-01"
    assert body["entry"][0]["response"]["location"] == f"Patient/{rx.patient_id}"
    assert body["entry"][1]["response"]["location"] == f"Practitioner/{rx.prescriber_id}"
    # What was not kept is said, where it was.
    notes = body["entry"][0]["response"]["outcome"]["issue"]
    assert {"Bundle.entry[0].resource.gender"} <= {e for n in notes for e in n["expression"]}


def test_titration(fhir: Any) -> None:
    entry = _request_entry(fhir.post(bundle(fhir.npi("drA"), request=titration_request())))
    rx = _stored(int(entry["resource"]["id"]))
    # The steps in their sequence, not in the order the EHR listed them.
    assert [(s.dose_mg, s.days) for s in rx.steps] == [(1.5, 14), (3, 14), (4.5, 30)]
    assert rx.dose_mg is None and rx.days_supply == 58 and rx.quantity == 132
    assert rx.directions.startswith("Days 1 to 14: Take 1 capsule (1.5 mg) by mouth at bedtime.")


def test_liquid_dose_in_ml(fhir: Any) -> None:
    entry = _request_entry(fhir.post(bundle(fhir.npi("drA"), request=liquid_request())))
    rx = _stored(int(entry["resource"]["id"]))
    assert (rx.dosage_form, rx.concentration_mg_per_ml, rx.dose_mg, rx.quantity) == (
        "liquid",
        1,
        2.5,
        75,
    )
    assert rx.directions == "Take 2.5 mL (2.5 mg) by mouth at bedtime."


def test_opioid_medication_statement_holds_the_order(fhir: Any) -> None:
    body = bundle(fhir.npi("drA"), statement("Percocet 5/325 mg"), statement("sertraline 50 mg"))
    entry = _request_entry(fhir.post(body))
    request = entry["resource"]
    assert request["status"] == "on-hold"
    assert "Percocet" in request["statusReason"]["text"]
    assert "oxycodone" in request["statusReason"]["text"]
    rx = _stored(int(request["id"]))
    assert rx.status == "on_hold"
    assert rx.patient_details["current_medications"] == ["Percocet 5/325 mg", "sertraline 50 mg"]


def test_a_stopped_opioid_still_reaches_the_screen(fhir: Any) -> None:
    """Err toward holding: a completed course is still within its washout."""
    entry = _request_entry(
        fhir.post(bundle(fhir.npi("drA"), statement("tramadol 50 mg", "completed")))
    )
    assert entry["resource"]["status"] == "on-hold"
    assert "tramadol" in entry["resource"]["statusReason"]["text"]


def test_no_attestation_holds_the_order(fhir: Any) -> None:
    request = medication_request(extension=[])
    entry = _request_entry(fhir.post(bundle(fhir.npi("drA"), request=request)))
    assert entry["resource"]["status"] == "on-hold"
    assert "attested" in entry["resource"]["statusReason"]["text"]


def test_a_prescriber_orders_only_as_themself(fhir: Any) -> None:
    response = fhir.post(bundle(fhir.npi("drB")), as_="drA")
    assert response.status_code == 403
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert response.get_json()["issue"][0]["code"] == "forbidden"
    assert read_session().execute(select(Prescription)).first() is None


def test_a_pharmacist_posts_for_any_prescriber(fhir: Any) -> None:
    entry = _request_entry(fhir.post(bundle(fhir.npi("drB")), as_="pharm"))
    rx = _stored(int(entry["resource"]["id"]))
    assert rx.source == "fhir"
    assert rx.prescriber_id == fhir.api.accounts["drB"].prescriber_id
    assert rx.created_by_user_id == fhir.api.accounts["pharm"].id


def test_every_write_is_audited(fhir: Any) -> None:
    entry = _request_entry(fhir.post(bundle(fhir.npi("drA")), as_="drA"))
    rx_id = entry["resource"]["id"]
    events = read_session().execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    actions = [
        (e.action, e.entity_id) for e in events if e.action.startswith(("prescription", "patient"))
    ]
    assert ("prescription.created", rx_id) in actions
    assert ("prescription.received", rx_id) in actions
    assert any(action == "patient.created" for action, _ in actions)
    received = next(e for e in events if e.action == "prescription.received")
    assert received.actor_user_id == fhir.api.accounts["drA"].id
    assert received.after["source"] == "fhir"


def test_the_same_person_is_one_record(fhir: Any) -> None:
    fhir.post(bundle(fhir.npi("drA")))
    again = fhir.post(
        bundle(
            fhir.npi("drA"),
            patient_resource=patient(name=[{"family": "LOVELACE", "given": ["ada"]}]),
        )
    )
    assert again.get_json()["entry"][0]["response"]["status"] == "200 OK"
    assert len(read_session().execute(select(Patient)).all()) == 1


def _speaking(code: str | None, text: str | None = None) -> dict[str, Any]:
    language: dict[str, Any] = {}
    if code is not None:
        language["coding"] = [{"system": "urn:ietf:bcp:47", "code": code}]
    if text is not None:
        language["text"] = text
    return patient(communication=[{"language": language, "preferred": True}])


def test_a_spanish_speaking_patient(fhir: Any) -> None:
    """communication.language → the patient's label language (BCP 47 primary subtag)."""
    response = fhir.post(bundle(fhir.npi("drA"), patient_resource=_speaking("es-MX", "Spanish")))
    rx = _stored(int(_request_entry(response)["resource"]["id"]))
    assert rx.patient.language == "es"
    english = fhir.post(bundle(fhir.npi("drA"), patient_resource=_speaking(None, "English")))
    assert _stored(int(_request_entry(english)["resource"]["id"])).patient.language == "en"


def test_a_language_labels_cannot_print_is_refused(fhir: Any) -> None:
    response = fhir.post(bundle(fhir.npi("drA"), patient_resource=_speaking("fr")))
    assert response.status_code == 422
    issue = response.get_json()["issue"][0]
    assert issue["expression"] == ["Bundle.entry[0].resource.communication[0].language"]
    assert "refused" in issue["diagnostics"]
    assert read_session().execute(select(Prescription)).first() is None
