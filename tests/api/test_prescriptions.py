"""The prescription intake contract and its rules (DOMAIN.md §1, §7, §8)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, select

from pharmacy.models import AuditEvent, Prescription
from pharmacy.services.uow import current_db
from tests.conftest import PASSWORD

TITRATION_BODY: dict[str, Any] = {
    "patient": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": "1970-05-01",
        "address": "12 Analytical Row, London",
        "phone": "+44 20 7946 0000",
        "allergies": ["lactose"],
        "current_medications": ["sertraline 50 mg"],
    },
    "dosage_form": "capsule",
    "strength_mg": 1.5,
    "titration": [
        {"dose_mg": 1.5, "days": 14},
        {"dose_mg": 3, "days": 14},
        {"dose_mg": 4.5, "days": 30},
    ],
    "quantity": 132,
    "days_supply": 58,
    "refills": 2,
    "filler": "mcc",
    "notes": "",
    "opioid_attestation": True,
}


def body(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(TITRATION_BODY)
    patient_changes = changes.pop("patient", {})
    data["patient"].update(patient_changes)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def fixed(**changes: Any) -> dict[str, Any]:
    defaults = {
        "titration": None,
        "dose_mg": 4.5,
        "strength_mg": 4.5,
        "quantity": 30,
        "days_supply": 30,
    }
    return body(**{**defaults, **changes})


def count(model: Any) -> int:
    return current_db().session().execute(select(func.count()).select_from(model)).scalar_one()


def audit_actions() -> list[str]:
    session = current_db().session()
    return list(session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def create(api: Any, as_: str = "drA", **kwargs: Any) -> Any:
    return api.post("/api/v1/prescriptions", as_=as_, json=kwargs.pop("json", TITRATION_BODY))


def test_prescriber_submits_the_contract_example(api: Any) -> None:
    response = create(api)
    assert response.status_code == 201, response.get_json()
    rx = response.get_json()
    assert rx["status"] == "submitted"
    assert rx["rx_number"].startswith("RX")
    assert rx["hold_reasons"] == []
    assert rx["prescriber_id"] == api.accounts["drA"].prescriber_id
    assert rx["source"] == "api"
    assert rx["quantity"] == 132 and rx["days_supply"] == 58
    assert rx["directions"].startswith("Days 1 to 14: Take 1 capsule (1.5 mg) by mouth at bedtime.")
    assert "Take 3 capsules (4.5 mg) by mouth at bedtime." in rx["directions"]
    assert "HS" not in rx["directions"] and "as directed" not in rx["directions"]
    assert [s["dose_mg"] for s in rx["titration"]] == [1.5, 3, 4.5]


def test_rx_numbers_are_unique_and_increasing(api: Any) -> None:
    numbers = [create(api).get_json()["rx_number"] for _ in range(3)]
    assert len(set(numbers)) == 3
    assert numbers == sorted(numbers)


def test_numbers_may_be_numeric_strings(api: Any) -> None:
    response = create(api, json=fixed(strength_mg="4.5", dose_mg="4.5", quantity="30", refills="1"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["directions"] == "Take 1 capsule (4.5 mg) by mouth at bedtime."


def test_fixed_dose_of_several_capsules(api: Any) -> None:
    response = create(api, json=fixed(strength_mg=1.5, dose_mg=4.5, quantity=90))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["directions"] == "Take 3 capsules (4.5 mg) by mouth at bedtime."


def test_quantity_derived_from_days_supply(api: Any) -> None:
    response = create(api, json=fixed(strength_mg=1.5, dose_mg=3, quantity=None, days_supply=30))
    assert response.status_code == 201
    assert response.get_json()["quantity"] == 60


def test_a_dose_of_no_whole_capsules_names_the_dose(api: Any) -> None:
    response = create(api, json=fixed(strength_mg=2, dose_mg=4.5, quantity=30))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["dose_mg"]


def test_a_quantity_is_weighed_against_the_days_it_lasts(api: Any) -> None:
    # More than a year's supply is refused; more than the days' supply needs is a warning.
    huge = create(api, json=fixed(strength_mg=4.5, dose_mg=4.5, quantity=2147483648, days_supply=30))
    assert huge.status_code == 422 and "quantity" in huge.get_json()["errors"]
    extra = create(api, json=fixed(strength_mg=4.5, dose_mg=4.5, quantity=100, days_supply=30))
    assert extra.status_code == 201, extra.get_json()
    assert any("more than the 30 capsules" in w for w in extra.get_json()["warnings"])
    long_plan = {k: v for k, v in TITRATION_BODY.items() if k not in ("quantity", "days_supply")}
    long_plan["titration"] = [{"dose_mg": 1.5, "days": 365}] * 2
    refused = create(api, json=long_plan)
    assert refused.status_code == 422 and "titration" in refused.get_json()["errors"]


def test_liquid_prescription(api: Any) -> None:
    data = body(
        dosage_form="liquid",
        strength_mg=None,
        concentration_mg_per_ml=1,
        titration=None,
        dose_mg=4.5,
        quantity=150,
        days_supply=30,
        filler=None,
        syringe_ml=5,
    )
    response = create(api, json=data)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["directions"] == "Take 4.5 mL (4.5 mg) by mouth at bedtime."


def test_liquid_dose_off_the_syringe_graduation_is_refused(api: Any) -> None:
    data = body(
        dosage_form="liquid",
        strength_mg=None,
        concentration_mg_per_ml=1,
        titration=None,
        dose_mg=1.55,
        quantity=50,
        days_supply=30,
        filler=None,
        syringe_ml=3,
    )
    response = create(api, json=data)
    assert response.status_code == 422
    assert "graduation" in response.get_json()["message"].lower()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"strength_mg": None}, "strength_mg"),
        ({"dosage_form": "tablet"}, "dosage_form"),
        ({"strength_mg": "NaN"}, "strength_mg"),
        ({"strength_mg": "Infinity"}, "strength_mg"),
        ({"strength_mg": True}, "strength_mg"),
        ({"strength_mg": "1.5e0x"}, "strength_mg"),
        ({"refills": -1}, "refills"),
        ({"refills": 1.5}, "refills"),
        ({"patient": {"date_of_birth": "2999-01-01"}}, "patient.date_of_birth"),
        ({"patient": {"first_name": ""}}, "patient.first_name"),
        ({"patient": {"current_medications": "oxycodone"}}, "patient.current_medications"),
        ({"titration": [{"dose_mg": 1.5, "days": 0}]}, "titration.0.days"),
        ({"concentration_mg_per_ml": 1}, "concentration_mg_per_ml"),
        ({"unexpected": 1}, "unexpected"),
        ({"status": "verified"}, "status"),
        ({"rx_number": "RX1"}, "rx_number"),
        ({"filler": "hypromellose"}, "filler"),
        ({"filler": "sawdust"}, "filler"),
        ({"filler": "lactose"}, "filler"),  # the patient is allergic to lactose
        ({"titration": [{"dose_mg": 2, "days": 14}]}, "titration"),
    ],
)
def test_invalid_fields_are_named(api: Any, changes: dict[str, Any], field: str) -> None:
    before = count(Prescription)
    response = create(api, json=body(**changes))
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert any(key == field or key.startswith(field) for key in errors), errors
    assert count(Prescription) == before


@pytest.mark.parametrize(
    ("dose", "reason"), [(0, "greater than 0"), (-1, "greater than 0"), (12, "LDN"), (50, "LDN")]
)
def test_dose_hard_stops(api: Any, dose: float, reason: str) -> None:
    response = create(api, json=fixed(strength_mg=dose, dose_mg=dose))
    assert response.status_code == 422
    assert reason.lower() in str(response.get_json()).lower()


@pytest.mark.parametrize("dose", [0.25, 6])
def test_doses_outside_the_usual_range_need_acknowledgement(api: Any, dose: float) -> None:
    response = create(api, json=fixed(strength_mg=dose, dose_mg=dose))
    assert response.status_code == 201
    rx = response.get_json()
    assert rx["acknowledgements_required"]
    verify = api.post(
        f"/api/v1/prescriptions/{rx['id']}/verify", as_="pharm", json={"password": PASSWORD}
    )
    assert verify.status_code == 409
    assert "Acknowledge" in verify.get_json()["message"]
    verify = api.post(
        f"/api/v1/prescriptions/{rx['id']}/verify",
        as_="pharm",
        json={"password": PASSWORD, "acknowledge_warnings": True},
    )
    assert verify.status_code == 200
    assert verify.get_json()["status"] == "verified"


@pytest.mark.parametrize(
    ("medication", "ingredient"),
    [
        ("OxyContin 20 mg ER", "oxycodone"),
        ("oxy contin", "oxycodone"),
        ("TYLENOL #3", "codeine"),
        ("Tylenol with codeine 300/30", "codeine"),
        ("Suboxone 8-2 mg film", "buprenorphine"),
        ("tramadol 50mg", "tramadol"),
        ("Norco 10/325", "hydrocodone"),
        ("methadone 40 mg daily", "methadone"),
        ("fentanyl patch 25 mcg/h", "fentanyl"),
    ],
)
def test_opioid_in_current_medications_puts_the_prescription_on_hold(
    api: Any, medication: str, ingredient: str
) -> None:
    response = create(api, json=body(patient={"current_medications": ["sertraline", medication]}))
    assert response.status_code == 201
    rx = response.get_json()
    assert rx["status"] == "on_hold"
    reasons = " ".join(rx["hold_reasons"]).lower()
    assert ingredient in reasons
    assert "days" in reasons  # the washout guidance


@pytest.mark.parametrize("medication", ["trazodone 50 mg", "sertraline", "naloxone nasal spray"])
def test_non_opioids_do_not_hold(api: Any, medication: str) -> None:
    response = create(api, json=body(patient={"current_medications": [medication]}))
    assert response.get_json()["status"] == "submitted"


def test_a_filler_to_avoid_needs_acknowledgement(api: Any) -> None:
    rx = create(api, json=body(filler="calcium_carbonate")).get_json()
    assert rx["status"] == "submitted"
    assert any("calcium carbonate" in a for a in rx["acknowledgements_required"])


def test_loperamide_is_a_warning_not_a_hold(api: Any) -> None:
    rx = create(api, json=body(patient={"current_medications": ["Imodium"]})).get_json()
    assert rx["status"] == "submitted"
    assert any("loperamide" in w.lower() for w in rx["warnings"])


def test_missing_opioid_attestation_holds(api: Any) -> None:
    rx = create(api, json=body(opioid_attestation=False)).get_json()
    assert rx["status"] == "on_hold"
    assert any("attest" in r for r in rx["hold_reasons"])


def test_override_then_verify(api: Any) -> None:
    rx = create(api, json=body(patient={"current_medications": ["Percocet"]})).get_json()
    path = f"/api/v1/prescriptions/{rx['id']}"
    assert api.post(f"{path}/verify", as_="pharm", json={"password": PASSWORD}).status_code == 409
    assert (
        api.post(f"{path}/override-hold", as_="tech", json={"reason": "stopped"}).status_code == 403
    )
    override = api.post(
        f"{path}/override-hold",
        as_="pharm",
        json={"reason": "Patient stopped Percocet 3 weeks ago; confirmed with prescriber."},
    )
    assert override.status_code == 200
    assert override.get_json()["status"] == "submitted"
    assert override.get_json()["override_reason"].startswith("Patient stopped")
    verified = api.post(f"{path}/verify", as_="pharm", json={"password": PASSWORD})
    assert verified.status_code == 200
    result = verified.get_json()
    assert result["status"] == "verified"
    assert result["signature_name"] == "Pat Pharmacist"
    assert "approve" in result["signature_meaning"]
    assert result["verified_at"]


def test_verify_with_a_wrong_password_changes_nothing(api: Any) -> None:
    rx = create(api).get_json()
    events = len(audit_actions())
    response = api.post(
        f"/api/v1/prescriptions/{rx['id']}/verify", as_="pharm", json={"password": "nope"}
    )
    assert response.status_code == 422
    assert "password" in response.get_json()["errors"]
    assert (
        api.get(f"/api/v1/prescriptions/{rx['id']}", as_="pharm").get_json()["status"]
        == "submitted"
    )
    assert len(audit_actions()) == events


@pytest.mark.parametrize("role", ["tech", "drA", "admin"])
@pytest.mark.parametrize("action", ["verify", "reject", "override-hold"])
def test_only_pharmacists_decide(api: Any, role: str, action: str) -> None:
    rx = create(api).get_json()
    payload = {"password": PASSWORD} if action == "verify" else {"reason": "because I can"}
    response = api.post(f"/api/v1/prescriptions/{rx['id']}/{action}", as_=role, json=payload)
    assert response.status_code == 403
    assert (
        api.get(f"/api/v1/prescriptions/{rx['id']}", as_="pharm").get_json()["status"]
        == "submitted"
    )
    assert audit_actions()[-1] == "access.denied"


def test_state_changes_that_make_no_sense_are_conflicts(api: Any) -> None:
    rx = create(api).get_json()
    path = f"/api/v1/prescriptions/{rx['id']}"
    assert (
        api.post(f"{path}/reject", as_="pharm", json={"reason": "duplicate order"}).status_code
        == 200
    )
    assert api.post(f"{path}/verify", as_="pharm", json={"password": PASSWORD}).status_code == 409
    assert api.post(f"{path}/reject", as_="pharm", json={"reason": "again"}).status_code == 409
    assert api.post(f"{path}/override-hold", as_="pharm", json={"reason": "why"}).status_code == 409
    assert (
        api.post(
            "/api/v1/prescriptions/999999/verify", as_="pharm", json={"password": PASSWORD}
        ).status_code
        == 404
    )


def test_pharmacist_enters_a_phone_order(api: Any) -> None:
    prescriber_id = api.accounts["drB"].prescriber_id
    response = create(api, as_="pharm", json=body(prescriber_id=prescriber_id, source="fax"))
    assert response.status_code == 201
    assert response.get_json()["prescriber_id"] == prescriber_id
    assert response.get_json()["source"] == "fax"
    assert create(api, as_="pharm", json=body()).status_code == 422  # prescriber_id missing
    assert create(api, as_="pharm", json=body(prescriber_id=99999)).status_code == 422


def test_a_prescriber_cannot_prescribe_for_another(api: Any) -> None:
    other = api.accounts["drB"].prescriber_id
    response = create(api, json=body(prescriber_id=other))
    assert response.status_code == 422
    assert "prescriber_id" in response.get_json()["errors"]
    assert create(api, json=body(source="phone")).status_code == 422


@pytest.mark.parametrize("role", ["tech", "admin"])
def test_technicians_and_admins_cannot_create(api: Any, role: str) -> None:
    before = count(Prescription)
    assert create(api, as_=role).status_code == 403
    assert count(Prescription) == before


def test_prescribers_see_only_their_own(api: Any) -> None:
    mine = create(api, as_="drA").get_json()
    theirs = create(api, as_="drB").get_json()
    assert api.get(f"/api/v1/prescriptions/{theirs['id']}", as_="drA").status_code == 404
    assert api.get(f"/api/v1/prescriptions/{mine['id']}", as_="drA").status_code == 200
    listed = api.get("/api/v1/prescriptions", as_="drA").get_json()
    assert [item["id"] for item in listed["items"]] == [mine["id"]]
    assert listed["meta"]["total"] == 1
    everything = api.get("/api/v1/prescriptions", as_="pharm").get_json()
    assert everything["meta"]["total"] == 2


def test_list_filters_sorts_and_paginates(api: Any) -> None:
    ids = [create(api).get_json()["id"] for _ in range(3)]
    held = create(api, json=body(opioid_attestation=False)).get_json()["id"]
    page = api.get("/api/v1/prescriptions?per_page=2&page=1&sort=rx_number", as_="pharm").get_json()
    assert [i["id"] for i in page["items"]] == ids[:2]
    assert page["meta"] == {"page": 1, "per_page": 2, "total": 4}
    on_hold = api.get("/api/v1/prescriptions?status=on_hold", as_="pharm").get_json()
    assert [i["id"] for i in on_hold["items"]] == [held]
    for bad in ("sort=patient.last_name", "per_page=1000", "status=lost", "page=0"):
        assert api.get(f"/api/v1/prescriptions?{bad}", as_="pharm").status_code == 422


def test_malformed_json_is_400(api: Any) -> None:
    response = api.post(
        "/api/v1/prescriptions", as_="drA", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == "The request body is not valid JSON."


def test_every_state_change_writes_one_audit_event(api: Any) -> None:
    start = len(audit_actions())
    rx = create(api, json=body(patient={"current_medications": ["codeine"]})).get_json()
    path = f"/api/v1/prescriptions/{rx['id']}"
    api.post(f"{path}/override-hold", as_="pharm", json={"reason": "codeine stopped last month"})
    api.post(f"{path}/verify", as_="pharm", json={"password": PASSWORD})
    actions = audit_actions()[start:]
    assert actions == [
        "patient.created",
        "prescription.created",
        "prescription.hold_overridden",
        "prescription.verified",
    ]
    from pharmacy.audit import verify_chain

    assert verify_chain(current_db().session()).ok


def test_repeat_patient_is_one_record(api: Any) -> None:
    first = create(api).get_json()
    second = create(api, json=body(patient={"first_name": "ADA", "phone": "555-0101"})).get_json()
    assert first["patient"]["id"] == second["patient"]["id"]
    assert second["patient"]["phone"] == "555-0101"


def test_the_patient_record_is_written_with_the_prescription(api: Any) -> None:
    """A new person's record, then the newest details of it, go in with the prescription
    (one statement on PostgreSQL, two on SQLite): what is stored is the same, the record's
    creation time never moves, and each change is audited by field name."""
    from pharmacy.models import Patient

    start = len(audit_actions())
    first = create(api).get_json()
    session = current_db().session()
    created_at = session.get(Patient, first["patient"]["id"]).created_at
    session.rollback()
    second = create(
        api, json=body(patient={"phone": "555-0102", "allergies": ["penicillin"]})
    ).get_json()
    third = create(api).get_json()  # the first phone again
    session = current_db().session()
    patients = session.execute(select(Patient)).scalars().all()
    assert [p.id for p in patients] == [first["patient"]["id"]]
    record = patients[0]
    assert record.phone == TITRATION_BODY["patient"]["phone"]  # the newest one sent
    assert record.allergies == ["lactose", "penicillin"]
    assert record.created_at == created_at
    stored = session.execute(select(Prescription.id, Prescription.patient_id)).all()
    assert {tuple(row) for row in stored} == {
        (rx["id"], record.id) for rx in (first, second, third)
    }
    events = session.execute(
        select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.after)
        .where(AuditEvent.entity_type == "patient")
        .order_by(AuditEvent.id)
    ).all()
    session.rollback()
    assert [tuple(event) for event in events] == [
        ("patient.created", str(record.id), None),
        ("patient.updated", str(record.id), {"changed": ["allergies", "phone"]}),
        ("patient.updated", str(record.id), {"changed": ["phone"]}),
    ]
    assert audit_actions()[start:].count("prescription.created") == 3


def test_prescribers_listing_is_for_pharmacy_staff(api: Any) -> None:
    listed = api.get("/api/v1/prescribers", as_="pharm")
    assert listed.status_code == 200
    assert {p["id"] for p in listed.get_json()} >= {api.accounts["drA"].prescriber_id}
    assert api.get("/api/v1/prescribers", as_="drA").status_code == 403


def test_void_keeps_the_record(api: Any) -> None:
    rx = create(api).get_json()
    voided = api.post(f"/api/v1/prescriptions/{rx['id']}/void", as_="pharm", json={"reason": "duplicate entry"})
    assert voided.status_code == 200
    assert voided.get_json()["status"] == "voided"
    assert voided.get_json()["void_reason"] == "duplicate entry"
    assert api.get(f"/api/v1/prescriptions/{rx['id']}", as_="drA").get_json()["status"] == "voided"
    assert api.post(f"/api/v1/prescriptions/{rx['id']}/void", as_="pharm", json={"reason": "again"}).status_code == 409
    assert api.post(f"/api/v1/prescriptions/{rx['id']}/verify", as_="pharm", json={"password": PASSWORD}).status_code == 409
    assert api.post(f"/api/v1/prescriptions/{rx['id']}/void", as_="drA", json={"reason": "mine"}).status_code == 403


def test_correction_is_a_new_version_and_voids_the_old(api: Any) -> None:
    old = create(api).get_json()
    corrected = api.post(
        f"/api/v1/prescriptions/{old['id']}/correct",
        as_="pharm",
        json={"reason": "Prescriber called: 30 days at the last step, not 14", "prescription": fixed(strength_mg=1.5, dose_mg=3, quantity=60)},
    )
    assert corrected.status_code == 201, corrected.get_json()
    new = corrected.get_json()
    assert new["supersedes_id"] == old["id"]
    assert new["rx_number"] != old["rx_number"]
    assert new["prescriber_id"] == old["prescriber_id"] and new["source"] == old["source"]
    assert new["directions"] == "Take 2 capsules (3 mg) by mouth at bedtime."
    before = api.get(f"/api/v1/prescriptions/{old['id']}", as_="pharm").get_json()
    assert before["status"] == "voided" and before["void_reason"].startswith("Prescriber called")
    assert audit_actions()[-1] == "prescription.corrected"
    # an invalid correction changes nothing
    bad = api.post(
        f"/api/v1/prescriptions/{new['id']}/correct", as_="pharm",
        json={"reason": "typo", "prescription": fixed(dose_mg=50, strength_mg=50)},
    )
    assert bad.status_code == 422
    assert api.get(f"/api/v1/prescriptions/{new['id']}", as_="pharm").get_json()["status"] == "submitted"
    other = api.accounts["drB"].prescriber_id
    moved = api.post(
        f"/api/v1/prescriptions/{new['id']}/correct", as_="pharm",
        json={"reason": "wrong doctor", "prescription": fixed(prescriber_id=other)},
    )
    assert moved.status_code == 422
