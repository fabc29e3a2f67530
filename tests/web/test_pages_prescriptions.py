"""The prescriber form, the live preview and the pharmacist's decisions, through the pages."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import PASSWORD

GOOD = {
    "patient.first_name": "Ada",
    "patient.last_name": "Lovelace",
    "patient.date_of_birth": "1970-05-01",
    "patient.current_medications": "sertraline 50 mg\nvitamin D",
    "dosage_form": "capsule",
    "dose_basis": "hcl",
    "strength_mg": "1.5",
    "filler": "mcc",
    "plan": "template:standard-1.5",
    "refills": "0",
    "opioid_attestation": "on",
}


def rx_id(response: Any) -> int:
    match = re.search(r"/prescriptions/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def test_prescriber_submits_a_titration_through_the_form(browser_for: Any) -> None:
    client = browser_for("drA")
    page = client.get("/prescriptions/new")
    assert page.status_code == 200
    html = client.text(page)
    assert "standard-1.5" in html and "Custom titration plan" in html
    response = client.post("/prescriptions/new", GOOD)
    assert response.status_code == 302, client.text(response)
    detail = client.text(client.get(response.headers["Location"]))
    assert "submitted" in detail
    assert "Days 1 to 14: Take 1 capsule (1.5 mg) by mouth at bedtime." in detail
    listing = client.text(client.get("/prescriber"))
    assert "Ada Lovelace" in listing


def test_form_errors_sit_beside_fields_and_input_is_kept(browser_for: Any) -> None:
    client = browser_for("drA")
    bad = {**GOOD, "patient.first_name": "", "patient.date_of_birth": "2999-01-01",
           "strength_mg": "abc", "patient.last_name": "Hopper-Ünicode"}
    response = client.post("/prescriptions/new", bad)
    assert response.status_code == 422
    html = client.text(response)
    assert 'id="patient-first_name-error"' in html
    assert "Date of birth cannot be in the future." in html
    assert 'id="strength_mg-error"' in html
    assert 'value="Hopper-Ünicode"' in html
    assert 'value="abc"' in html
    assert "sertraline 50 mg" in html
    assert 'value="template:standard-1.5" selected' in html


def test_service_rule_errors_also_land_beside_fields(browser_for: Any) -> None:
    client = browser_for("drA")
    response = client.post("/prescriptions/new", {**GOOD, "plan": "fixed", "dose_mg": "50",
                                                   "strength_mg": "50", "quantity": "30"})
    assert response.status_code == 422
    html = client.text(response)
    assert 'id="strength_mg-error"' in html or 'id="dose_mg-error"' in html


def test_custom_plan_step_errors_are_beside_the_step(browser_for: Any) -> None:
    client = browser_for("drA")
    response = client.post("/prescriptions/new", {
        **GOOD, "plan": "custom", "titration.0.dose_mg": "1.5", "titration.0.days": "0",
    })
    assert response.status_code == 422
    html = client.text(response)
    assert 'id="titration-0-days-error"' in html
    assert 'value="1.5"' in html


def test_preview_returns_directions_and_a_dated_schedule(browser_for: Any) -> None:
    client = browser_for("drA")
    response = client.get("/preview/directions", query_string={
        "dosage_form": "capsule", "strength_mg": "1.5", "plan": "template:standard-1.5",
        "start_on": "2026-11-22",
    })
    data = response.get_json()
    assert data["ok"] is True
    assert data["directions"][0] == "Nov 22 to Dec 5, 2026: Take 1 capsule (1.5 mg) by mouth at bedtime."
    assert data["schedule"][0]["start"] == "Nov 22, 2026"
    assert data["quantity_needed"] == "132 capsules"
    bad = client.get("/preview/directions", query_string={
        "dosage_form": "capsule", "strength_mg": "2", "plan": "template:standard-1.5",
    }).get_json()
    assert bad["ok"] is False and bad["errors"]


def test_liquid_preview_checks_the_syringe_as_the_submit_does(browser_for: Any) -> None:
    client = browser_for("drA")
    liquid = {"dosage_form": "liquid", "concentration_mg_per_ml": "1", "plan": "fixed"}
    # 1.75 mL is not on a 3 mL syringe's 0.1 mL marks; 4.5 mL does not fit a 1 mL syringe.
    for dose, syringe in (("1.75", "3"), ("4.5", "1")):
        data = client.get("/preview/directions", query_string={
            **liquid, "dose_mg": dose, "syringe_ml": syringe}).get_json()
        assert data["ok"] is False and data["errors"], (dose, syringe, data)
    fine = client.get("/preview/directions", query_string={
        **liquid, "dose_mg": "4.5", "syringe_ml": "5"}).get_json()
    assert fine["ok"] is True, fine


def test_patient_name_is_escaped(browser_for: Any) -> None:
    client = browser_for("drA")
    evil = "<img src=x onerror=alert(1)>"
    response = client.post("/prescriptions/new", {**GOOD, "patient.first_name": evil})
    assert response.status_code == 302
    html = client.text(client.get(response.headers["Location"]))
    assert evil not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_opioid_hold_override_then_verify_with_signature(browser_for: Any) -> None:
    prescriber = browser_for("drA")
    response = prescriber.post("/prescriptions/new", {
        **GOOD, "patient.current_medications": "Percocet 5/325",
    })
    rid = rx_id(response)
    pharmacist = browser_for("pharm")
    queue = pharmacist.text(pharmacist.get("/pharmacist"))
    assert "On hold" in queue and "Ada Lovelace" in queue
    # A reason that is too short stays in the form with its error.
    short = pharmacist.post(f"/prescriptions/{rid}/override-hold", {"reason": "ok"})
    assert short.status_code == 422
    assert "ok</textarea>" in pharmacist.text(short)
    done = pharmacist.post(f"/prescriptions/{rid}/override-hold",
                           {"reason": "Spoke with Dr A: Percocet stopped 3 weeks ago."})
    assert done.status_code == 302
    wrong = pharmacist.post(f"/prescriptions/{rid}/verify", {"password": "not mine"})
    assert wrong.status_code == 422
    assert "does not match your password" in pharmacist.text(wrong)
    ok = pharmacist.post(f"/prescriptions/{rid}/verify", {"password": PASSWORD})
    assert ok.status_code == 302
    detail = pharmacist.text(pharmacist.get(f"/prescriptions/{rid}"))
    assert "Signed by <strong>Pat Pharmacist</strong>" in detail
    # The prescriber sees the outcome in their list.
    assert "verified" in prescriber.text(prescriber.get("/prescriber"))


def test_reject_shows_the_reason_to_the_prescriber(browser_for: Any) -> None:
    prescriber = browser_for("drA")
    rid = rx_id(prescriber.post("/prescriptions/new", GOOD))
    pharmacist = browser_for("pharm")
    response = pharmacist.post(f"/prescriptions/{rid}/reject",
                               {"reason": "Patient already has an active LDN prescription."})
    assert response.status_code == 302
    listing = prescriber.text(prescriber.get("/prescriber?status=rejected"))
    assert "Patient already has an active LDN prescription." in listing


def test_prescriber_cannot_see_another_prescribers_prescription(browser_for: Any) -> None:
    rid = rx_id(browser_for("drA").post("/prescriptions/new", GOOD))
    other = browser_for("drB")
    assert other.get(f"/prescriptions/{rid}").status_code == 404
    assert other.post(f"/prescriptions/{rid}/reject", {"reason": "nope nope"}).status_code == 403


def test_pharmacist_enters_a_phone_order(browser_for: Any, api: Any) -> None:
    pharmacist = browser_for("pharm")
    page = pharmacist.text(pharmacist.get("/pharmacist/orders/new"))
    assert "Dr. Dra" in page
    missing = pharmacist.post("/pharmacist/orders/new", {**GOOD, "source": "phone"})
    assert missing.status_code == 422
    assert 'id="prescriber_id-error"' in pharmacist.text(missing)
    response = pharmacist.post("/pharmacist/orders/new", {
        **GOOD, "source": "fax", "prescriber_id": str(api.accounts["drA"].prescriber_id),
    })
    assert response.status_code == 302, pharmacist.text(response)
    assert "fax" in pharmacist.text(pharmacist.get(response.headers["Location"]))


def test_liquid_prescription_with_syringe(browser_for: Any) -> None:
    client = browser_for("drA")
    preview = client.get("/preview/directions", query_string={
        "dosage_form": "liquid", "concentration_mg_per_ml": "1", "plan": "fixed",
        "dose_mg": "4.5", "days_supply": "30",
    }).get_json()
    assert preview["directions"] == ["Take 4.5 mL (4.5 mg) by mouth at bedtime."]
    assert preview["quantity_needed"] == "135 mL"
    response = client.post("/prescriptions/new", {
        **GOOD, "dosage_form": "liquid", "concentration_mg_per_ml": "1", "strength_mg": "9",
        "plan": "fixed", "dose_mg": "4.5", "days_supply": "30", "syringe_ml": "5",
    })
    assert response.status_code == 302, client.text(response)
    detail = client.text(client.get(response.headers["Location"]))
    assert "1 mg/mL oral liquid" in detail and "Take 4.5 mL (4.5 mg) by mouth at bedtime." in detail
    # A dose the 1 mL syringe cannot measure is refused beside the plan.
    bad = client.post("/prescriptions/new", {
        **GOOD, "dosage_form": "liquid", "concentration_mg_per_ml": "5", "plan": "fixed",
        "dose_mg": "0.55", "days_supply": "30", "syringe_ml": "1",
    })
    assert bad.status_code == 422
    assert "field-error" in client.text(bad)


def test_dose_above_the_usual_range_needs_an_acknowledgement(browser_for: Any) -> None:
    rid = rx_id(browser_for("drA").post("/prescriptions/new", {
        **GOOD, "plan": "fixed", "strength_mg": "6", "quantity": "30",
    }))
    pharmacist = browser_for("pharm")
    page = pharmacist.text(pharmacist.get(f"/prescriptions/{rid}"))
    assert 'id="acknowledge_warnings"' in page
    refused = pharmacist.post(f"/prescriptions/{rid}/verify", {"password": PASSWORD})
    assert refused.status_code == 409
    assert "Acknowledge before verifying" in pharmacist.text(refused)
    done = pharmacist.post(f"/prescriptions/{rid}/verify",
                           {"password": PASSWORD, "acknowledge_warnings": "on"})
    assert done.status_code == 302


def test_pharmacy_staff_see_allergies_on_file_from_other_prescriptions(
    browser_for: Any, api: Any
) -> None:
    from tests.hardening.helpers import submit

    submit(api, "drA", patient={"allergies": ["Penicillin"]})
    second = submit(api, "drB", patient={"allergies": []})
    page = f"/prescriptions/{second['id']}"
    staff = browser_for("pharm")
    html = staff.text(staff.get(page))
    assert 'id="allergies-on-file"' in html and "Penicillin" in html
    prescriber = browser_for("drB")
    html = prescriber.text(prescriber.get(page))
    assert "Penicillin" not in html and "allergies-on-file" not in html
