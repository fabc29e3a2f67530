"""Smaller paths through the pages: rejecting lots and batches, the print queue, stock
batches, scanning a batch number, and who sees what."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD
from tests.web.test_pages_bench import LOTS, receive_and_release, verified_rx


def start_stock_batch(tech: Any, quantity: str = "30") -> int:
    response = tech.post("/batches/new", {
        "formula_code": "ldn-capsule-mcc", "strength_mg": "4.5", "quantity": quantity,
        "dose_basis": "hcl", "action": "start",
    })
    assert response.status_code == 302, tech.text(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_lot_reject_needs_a_reason(browser_for: Any) -> None:
    tech, pharm = browser_for("tech"), browser_for("pharm")
    lot_id = int(tech.post("/lots", LOTS[1]).headers["Location"].rsplit("/", 1)[1])
    short = pharm.post(f"/lots/{lot_id}/reject", {"reason": "no"})
    assert short.status_code == 422 and 'id="lot-reason"' in pharm.text(short)
    done = pharm.post(f"/lots/{lot_id}/reject", {"reason": "Damaged drum on receipt"})
    assert done.status_code == 302
    page = pharm.text(pharm.get(f"/lots/{lot_id}"))
    assert "rejected" in page and "Damaged drum on receipt" in page
    # A duplicate receipt of the same manufacturer lot is refused beside the field.
    again = tech.post("/lots", LOTS[1])
    assert again.status_code == 409 and 'id="manufacturer_lot-error"' in tech.text(again)


def test_stock_batch_reject_and_scan_to_open(browser_for: Any) -> None:
    tech, pharm = browser_for("tech"), browser_for("pharm")
    receive_and_release(tech, pharm)
    batch_id = start_stock_batch(tech)
    page = tech.text(tech.get(f"/batches/{batch_id}"))
    lot_number = page.split('id="batch-lot-number">')[1].split("<")[0]
    found = tech.get("/batches/find", query_string={"lot_number": f"  {lot_number.lower()} "})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/batches/{batch_id}")
    missing = tech.get("/batches/find", query_string={"lot_number": "991231-C-999"})
    assert missing.status_code == 302 and missing.headers["Location"].endswith("/bench")
    assert tech.post(f"/batches/{batch_id}/reject", {"reason": "Spilled"}).status_code == 403
    done = pharm.post(f"/batches/{batch_id}/reject", {"reason": "Spilled during filling"})
    assert done.status_code == 302
    assert "rejected" in pharm.text(pharm.get(f"/batches/{batch_id}"))


def test_batch_start_errors_are_shown(browser_for: Any) -> None:
    tech = browser_for("tech")
    response = tech.post("/batches/new", {
        "formula_code": "ldn-capsule-mcc", "strength_mg": "abc", "quantity": "",
        "action": "start",
    })
    assert response.status_code == 422
    html = tech.text(response)
    assert 'id="strength_mg-error"' in html and 'id="quantity-error"' in html
    # No released lots yet: the service says so on the page.
    response = tech.post("/batches/new", {
        "formula_code": "ldn-capsule-mcc", "strength_mg": "4.5", "quantity": "30",
        "action": "preview",
    })
    assert response.status_code == 409
    assert "No released, unexpired lot" in tech.text(response)
    response = tech.post("/batches/new", {
        "formula_code": "ldn-capsule-mcc", "strength_mg": "4.5", "quantity": "30",
        "lot.api": "NO-SUCH-LOT", "action": "preview",
    })
    assert response.status_code == 422
    assert "NO-SUCH-LOT" in tech.text(response)


def test_print_queue_lists_and_prints_waiting_labels(browser_for: Any) -> None:
    tech, pharm = browser_for("tech"), browser_for("pharm")
    receive_and_release(tech, pharm)
    rid = verified_rx(browser_for, plan="fixed", strength_mg="4.5", quantity="30",
                      **{"patient.first_name": "Grace", "patient.last_name": "Hopper"})
    batch_id = start_stock_batch(tech, "30")
    page = tech.text(tech.get(f"/batches/{batch_id}"))
    import re

    record = {name: amount for name, amount in zip(
        re.findall(r'name="(actual\.\d+)"', page),
        re.findall(r'<td class="amount">([\d.]+) (?:mg|each)</td>', page), strict=False)}
    low, high = (float(x) for x in re.search(r"each within <strong>([\d.]+)–([\d.]+) mg", page).groups())
    record.update({f"weight.{i}": f"{(low + high) / 2:.1f}" for i in range(10)})
    record["weight.0"] = f"{high * 1.2:.1f}"  # one capsule out of the window
    saved = tech.post(f"/batches/{batch_id}/record", record)
    assert saved.status_code == 302
    # Saved, but the technician is told it carries a deviation, not a plain success.
    shown = tech.text(tech.get(saved.headers["Location"]))
    assert "saved with 1 deviation the pharmacist must review" in shown
    assert pharm.post(f"/batches/{batch_id}/release", {
        "password": PASSWORD, "acknowledge_deviations": "on"}).status_code == 302
    assert tech.post(f"/batches/{batch_id}/labels", {"containers": "1"}).status_code == 200
    filled = tech.post(f"/prescriptions/{rid}/fill", {"batch_id": str(batch_id), "quantity": "30"})
    assert filled.status_code == 302, tech.text(filled)
    queue = tech.text(tech.get("/print-queue"))
    assert "Grace Hopper" in queue
    assert "Labels to print" in tech.text(tech.get("/bench"))
    printed = tech.post("/print-queue", {"stock": "4x2.5"})
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    assert "Nothing waiting" in tech.text(tech.get("/print-queue"))
    empty = tech.post("/print-queue", {})
    assert empty.status_code == 302


def test_who_sees_what_on_a_prescription(browser_for: Any) -> None:
    rid = verified_rx(browser_for)
    prescriber, tech, pharm = browser_for("drA"), browser_for("tech"), browser_for("pharm")
    own = prescriber.text(prescriber.get(f"/prescriptions/{rid}"))
    assert "Formulation quote" not in own and "Start a batch" not in own
    assert prescriber.post(f"/prescriptions/{rid}/fill", {"batch_id": "1", "quantity": "1"}).status_code == 403
    assert "Formulation quote" not in tech.text(tech.get(f"/prescriptions/{rid}"))
    assert "Formulation quote" in pharm.text(pharm.get(f"/prescriptions/{rid}"))
    assert browser_for("admin").get(f"/prescriptions/{rid}").status_code == 403


def test_admin_changes_a_role_and_resets_a_password(browser_for: Any, api: Any, app: Any) -> None:
    admin = browser_for("admin")
    tech = browser_for("tech")
    tech_id = api.accounts["tech"].id
    assert admin.post(f"/admin/users/{tech_id}/role", {"role": "prescriber"}).status_code == 302
    assert "Must be one of" in admin.text(admin.get("/admin/users"))
    done = admin.post(f"/admin/users/{tech_id}/role", {"role": "pharmacist"})
    assert done.status_code == 302
    assert "is now pharmacist" in admin.text(admin.get("/admin/users"))
    # The change ended the technician's session.
    assert tech.get("/bench").status_code == 302
    short = admin.post(f"/admin/users/{tech_id}/password", {"password": "short"})
    assert short.status_code == 302
    assert "Password not changed" in admin.text(admin.get("/admin/users"))
    assert admin.post(f"/admin/users/{tech_id}/password",
                      {"password": "a brand new password"}).status_code == 302
    from tests.web.helpers import Browser

    assert Browser(app).login("tech").status_code == 401
    assert Browser(app).login("tech", "a brand new password").status_code == 302
    drA = api.accounts["drA"].id
    admin.post(f"/admin/users/{drA}/role", {"role": "admin"})
    assert "keeps its role" in admin.text(admin.get("/admin/users"))


def test_a_quarantined_batch_is_cleared_from_its_page(api: Any, browser_for: Any) -> None:
    from tests.stock_support import capsule_stock, released_batch

    stock = capsule_stock(api)
    batch = released_batch(api)
    assert api.post(f"/api/v1/ingredient-lots/{stock['api']['id']}/recall", as_="pharm",
                    json={"reason": "Supplier recall: impurity"}).status_code == 201
    tech, pharm = browser_for("tech"), browser_for("pharm")
    assert 'id="clear-quarantine-card"' not in tech.text(tech.get(f"/batches/{batch['id']}"))
    assert tech.post(f"/batches/{batch['id']}/clear-quarantine", {
        "reason": "Unaffected drum", "password": PASSWORD}).status_code == 403
    page = pharm.text(pharm.get(f"/batches/{batch['id']}"))
    assert 'id="clear-quarantine-card"' in page and "Supplier recall: impurity" in page

    finding = "Supplier letter: only drums shipped in June are affected"
    unticked = pharm.post(f"/batches/{batch['id']}/clear-quarantine", {
        "reason": finding, "password": PASSWORD})
    assert unticked.status_code == 409
    html = pharm.text(unticked)
    assert 'id="acknowledge_recalled_sources-error"' in html
    assert finding in html  # what was typed is kept
    done = pharm.post(f"/batches/{batch['id']}/clear-quarantine", {
        "reason": finding, "password": PASSWORD, "acknowledge_recalled_sources": "on"})
    assert done.status_code == 302, pharm.text(done)
    page = pharm.text(pharm.get(f"/batches/{batch['id']}"))
    assert "released" in page and 'id="clear-quarantine-card"' not in page


def test_a_pharmacist_approves_a_formula_version_on_its_page(browser_for: Any) -> None:
    tech, pharm = browser_for("tech"), browser_for("pharm")
    page = tech.text(tech.get("/formulas/ldn-capsule-mcc"))
    assert "version 1" in page and 'id="revise-card"' not in page
    assert tech.post("/formulas/ldn-capsule-mcc/versions", {
        "name": "x", "password": PASSWORD, "reason": "none"}).status_code == 403
    page = pharm.text(pharm.get("/formulas/ldn-capsule-mcc"))
    assert 'id="revise-card"' in page and "Approve version 2" in page
    catalog_page = pharm.text(pharm.get("/admin/catalog"))
    assert 'href="/formulas/ldn-capsule-mcc"' in catalog_page

    form = {
        "name": "Naltrexone (LDN) capsules, MCC filler",
        "steps": "Weigh the API and the filler.\nMix geometrically.\nFill and weigh.",
        "quality_checks": "Weight check of 10 capsules",
        "labeling": "",
        "container": "Amber vial",
        "reference": "DOMAIN.md capsule method",
        "weighing_tolerance_percent": "4",
        "stability_days": "",
        "stability_storage": "",
        "stability_reference": "A study but no days",
        "reason": "Clearer steps after the audit",
        "password": PASSWORD,
    }
    missing_days = pharm.post("/formulas/ldn-capsule-mcc/versions", form)
    assert missing_days.status_code == 422
    html = pharm.text(missing_days)
    assert 'id="stability_days-error"' in html and "Mix geometrically." in html
    form["stability_reference"] = ""
    done = pharm.post("/formulas/ldn-capsule-mcc/versions", form)
    assert done.status_code == 302, pharm.text(done)
    page = pharm.text(pharm.get("/formulas/ldn-capsule-mcc"))
    assert "version 2" in page and "Mix geometrically." in page and "±4 %" in page
    assert page.count("<tr><td>") == 2  # both versions listed
    history = page.split('id="formula-versions"')[1].split("</table>")[0]
    assert "Pat Pharmacist" in history and "Clearer steps after the audit" in history
    assert "first version" in history


def test_a_formula_form_read_before_another_approval_is_refused(browser_for: Any) -> None:
    first, second = browser_for("pharm"), browser_for("pharm")
    page = second.text(second.get("/formulas/ldn-capsule-mcc"))
    assert 'name="based_on_version" value="1"' in page
    common = {"password": PASSWORD, "reason": "Container change after supplier switch"}
    assert first.post("/formulas/ldn-capsule-mcc/versions", {
        **common, "based_on_version": "1", "container": "Amber vial A",
        "steps": "Weigh.\nMix.\nFill."}).status_code == 302
    late = second.post("/formulas/ldn-capsule-mcc/versions", {
        **common, "based_on_version": "1", "container": "Amber vial B",
        "steps": "Weigh.\nMix.\nFill."})
    assert late.status_code == 409
    html = second.text(late)
    assert "Version 2 of this formula has been approved" in html
    assert 'name="based_on_version" value="1"' in html  # still refused until reloaded


def test_only_a_pharmacist_is_offered_the_bud_acknowledgement(browser_for: Any, api: Any) -> None:
    from datetime import date, timedelta

    from pharmacy.models import Batch
    from pharmacy.services.uow import current_db
    from tests.stock_support import capsule_stock, released_batch, verified_rx

    capsule_stock(api)
    batch = released_batch(api, strength=4.5, quantity=100)
    with current_db().transaction() as session:
        session.get(Batch, batch["id"]).bud = date.today() + timedelta(days=10)
    rx = verified_rx(api, quantity=30, days=30)
    form = {"batch_id": str(batch["id"]), "quantity": "30"}
    tech = browser_for("tech")
    refused = tech.post(f"/prescriptions/{rx['id']}/fill", form)
    assert refused.status_code == 409
    html = tech.text(refused)
    assert 'name="acknowledge_bud_warning"' not in html
    assert "A pharmacist must acknowledge this" in html
    pharm = browser_for("pharm")
    offered = pharm.text(pharm.post(f"/prescriptions/{rx['id']}/fill", form))
    assert 'name="acknowledge_bud_warning"' in offered
    filled = pharm.post(f"/prescriptions/{rx['id']}/fill", {**form, "acknowledge_bud_warning": "on"})
    assert filled.status_code == 302, pharm.text(filled)


def test_a_prescription_filled_in_full_offers_no_more_fills(browser_for: Any, api: Any) -> None:
    from tests.stock_support import capsule_stock, fill, make_batch, record_as_planned, verified_rx

    capsule_stock(api)
    rx = verified_rx(api, quantity=30, days=30, refills=0)
    made = make_batch(api, strength=4.5, quantity=30, prescription_id=rx["id"]).get_json()
    assert record_as_planned(api, made).status_code == 200
    assert api.post(f"/api/v1/batches/{made['id']}/release", as_="pharm",
                    json={"password": PASSWORD}).status_code == 200
    tech = browser_for("tech")
    before = tech.text(tech.get(f"/batches/{made['id']}"))
    assert 'id="fill-from-batch"' in before
    assert fill(api, rx["id"], made["id"], 30).status_code == 201
    page = tech.text(tech.get(f"/prescriptions/{rx['id']}"))
    assert 'id="fill-closed"' in page
    assert 'id="fill-button"' not in page and 'id="start-batch"' not in page
    assert 'id="fill-from-batch"' not in tech.text(tech.get(f"/batches/{made['id']}"))


def test_an_opioid_reported_later_is_reviewed_on_the_fill_form(browser_for: Any, api: Any) -> None:
    from tests.stock_support import capsule_stock, released_batch, verified_rx

    capsule_stock(api)
    rx = verified_rx(api, quantity=30, days=30)
    assert api.post("/api/v1/prescriptions", as_="drB", json={
        "patient": {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1970-05-01",
                    "current_medications": ["Norco 5/325"]},
        "dosage_form": "capsule", "strength_mg": 4.5, "quantity": 30, "days_supply": 30,
        "opioid_attestation": True}).status_code == 201
    batch = released_batch(api, quantity=60)
    form = {"batch_id": str(batch["id"]), "quantity": "30"}
    tech = browser_for("tech")
    html = tech.text(tech.post(f"/prescriptions/{rx['id']}/fill", form))
    assert "hydrocodone" in html and 'name="acknowledge_opioid_update"' not in html
    pharm = browser_for("pharm")
    offered = pharm.text(pharm.post(f"/prescriptions/{rx['id']}/fill", form))
    assert 'name="acknowledge_opioid_update"' in offered
    done = pharm.post(f"/prescriptions/{rx['id']}/fill", {**form, "acknowledge_opioid_update": "on"})
    assert done.status_code == 302, pharm.text(done)
