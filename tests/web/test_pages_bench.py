"""Lots, batches, the final check and filling, through the pages with the test client."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.web.test_pages_prescriptions import GOOD, rx_id

NEXT_YEAR = date.today().year + 1
LOTS = [
    {"item_code": "naltrexone-hcl", "manufacturer": "Spectrum", "manufacturer_lot": "NTX-2291",
     "expiry": f"{NEXT_YEAR}-06", "quantity": "5", "unit": "g", "coa.assay_percent": "99.5",
     "coa.assay_basis": "anhydrous", "coa.water_percent": "0.5", "coa.form": "hcl"},
    {"item_code": "mcc", "manufacturer": "DuPont", "manufacturer_lot": "MCC-7781",
     "expiry": f"{NEXT_YEAR}-12", "quantity": "500", "unit": "g"},
    {"item_code": "capsule-3", "manufacturer": "Capsugel", "manufacturer_lot": "CAP3-0042",
     "expiry": f"{NEXT_YEAR}-12", "quantity": "1000", "unit": "each"},
]


def receive_and_release(tech: Any, pharm: Any) -> list[int]:
    ids = []
    for lot in LOTS:
        response = tech.post("/lots", lot)
        assert response.status_code == 302, tech.text(response)
        lot_id = int(response.headers["Location"].rsplit("/", 1)[1])
        released = pharm.post(f"/lots/{lot_id}/release", {"password": PASSWORD})
        assert released.status_code == 302, pharm.text(released)
        ids.append(lot_id)
    return ids


def lot_number_of(html: str) -> str | None:
    match = re.search(r"\d{6}-C-\d{3}", html)
    return match.group(0) if match else None


def verified_rx(browser_for: Any, **changes: str) -> int:
    rid = rx_id(browser_for("drA").post("/prescriptions/new", {**GOOD, **changes}))
    pharm = browser_for("pharm")
    assert pharm.post(f"/prescriptions/{rid}/verify", {"password": PASSWORD}).status_code == 302
    return rid


def test_receiving_a_lot_shows_errors_beside_fields(browser_for: Any) -> None:
    tech = browser_for("tech")
    response = tech.post("/lots", {**LOTS[0], "expiry": "June", "quantity": "-1",
                                   "coa.assay_percent": ""})
    assert response.status_code == 422
    html = tech.text(response)
    assert 'id="expiry-error"' in html and "YYYY-MM" in html
    assert 'id="quantity-error"' in html
    assert 'value="NTX-2291"' in html
    # The service's own rule (an API lot needs its CoA) also lands on the page.
    response = tech.post("/lots", {**LOTS[0], "coa.assay_percent": ""})
    assert response.status_code == 422
    assert "Certificate of Analysis" in tech.text(response)


def test_technician_cannot_release_a_lot(browser_for: Any) -> None:
    tech = browser_for("tech")
    response = tech.post("/lots", LOTS[1])
    lot_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert "Release lot" not in tech.text(tech.get(f"/lots/{lot_id}"))
    assert tech.post(f"/lots/{lot_id}/release", {"password": PASSWORD}).status_code == 403


def test_compound_release_fill_through_the_pages(browser_for: Any) -> None:
    tech, pharm = browser_for("tech"), browser_for("pharm")
    receive_and_release(tech, pharm)
    rid = verified_rx(browser_for)
    review = tech.text(tech.get(f"/prescriptions/{rid}"))
    assert "Start a batch" in review and "No released batch matches" in review

    form = tech.text(tech.get(f"/batches/new?prescription_id={rid}"))
    assert 'value="NTX-2291"' in form  # FEFO suggestion filled in
    assert 'value="132"' in form  # the prescription's quantity
    preview = tech.post("/batches/new", {
        "prescription_id": str(rid), "formula_code": "ldn-capsule-mcc", "strength_mg": "1.5",
        "quantity": "132", "dose_basis": "hcl", "lot.api": "NTX-2291", "lot.filler": "MCC-7781",
        "lot.capsule_shell": "CAP3-0042", "action": "preview",
    })
    assert preview.status_code == 200, tech.text(preview)
    assert "Calculated for these lots" in tech.text(preview)
    started = tech.post("/batches/new", {
        "prescription_id": str(rid), "formula_code": "ldn-capsule-mcc", "strength_mg": "1.5",
        "quantity": "132", "dose_basis": "hcl", "lot.api": "NTX-2291", "lot.filler": "MCC-7781",
        "lot.capsule_shell": "", "action": "start",
    })
    assert started.status_code == 302, tech.text(started)
    batch_id = int(started.headers["Location"].rsplit("/", 1)[1])
    page = tech.text(tech.get(f"/batches/{batch_id}"))
    actual_inputs = re.findall(r'name="(actual\.\d+)"', page)
    theoretical = re.findall(r'<td class="amount">([\d.]+) (?:mg|each)</td>', page)
    low, high = (float(x) for x in re.search(r"each within <strong>([\d.]+)–([\d.]+) mg", page).groups())
    sample = len(re.findall(r'name="weight\.\d+"', page))
    assert sample == 10

    # Missing actuals and an out-of-range capsule weight come back beside their inputs.
    bad = tech.post(f"/batches/{batch_id}/record", {"weight.0": "abc"})
    assert bad.status_code == 422
    assert 'id="' in tech.text(bad) and "weight" in tech.text(bad)

    record = {name: amount for name, amount in zip(actual_inputs, theoretical, strict=False)}
    record.update({f"weight.{i}": f"{(low + high) / 2:.1f}" for i in range(sample)})
    saved = tech.post(f"/batches/{batch_id}/record", record)
    assert saved.status_code == 302, tech.text(saved)
    shown = tech.text(tech.get(saved.headers["Location"]))
    assert "Compounding record saved" in shown and "deviation" not in shown.lower().split(
        "compounding record saved")[1][:200]

    # A technician cannot release; the pharmacist can, with a signature.
    assert tech.post(f"/batches/{batch_id}/release", {"password": PASSWORD}).status_code == 403
    queue = pharm.text(pharm.get("/pharmacist"))
    assert "Awaiting final check" in queue
    wrong = pharm.post(f"/batches/{batch_id}/release", {"password": "nope"})
    assert wrong.status_code == 422 and "does not match your password" in pharm.text(wrong)
    released = pharm.post(f"/batches/{batch_id}/release", {"password": PASSWORD})
    assert released.status_code == 302, pharm.text(released)

    review = tech.text(tech.get(f"/prescriptions/{rid}"))
    assert "Fill prescription" in review
    filled = tech.post(f"/prescriptions/{rid}/fill", {"batch_id": str(batch_id), "quantity": "132"})
    assert filled.status_code == 302, tech.text(filled)
    fill_page = tech.text(tech.get(filled.headers["Location"]))
    assert "Ada Lovelace" in fill_page
    assert "by mouth at bedtime" in fill_page

    # The label prints as a PDF download; a second print needs a reason.
    fill_path = filled.headers["Location"]
    label = tech.post(fill_path + "/label", {"stock": "4x2.5"})
    assert label.status_code == 200, tech.text(label)
    assert label.mimetype == "application/pdf"
    assert label.headers["Content-Disposition"].startswith("attachment;")
    assert tech.post(fill_path + "/label", {"stock": "4x2.5"}).status_code == 302
    assert "a reprint needs a reason" in tech.text(tech.get(fill_path))
    assert tech.post(fill_path + "/label", {"reason": "smudged"}).status_code == 200
    assert tech.post(f"/batches/{batch_id}/worksheet").status_code == 200

    # Recalling the API lot reaches the patient and the prescriber.
    search = pharm.text(pharm.get("/recall?ref=NTX-2291"))
    assert lot_number_of(search) and "Ada Lovelace" in search
    target = re.search(r'name="target" value="(lot:\d+)"', search).group(1)
    done = pharm.post("/recall", {"target": target, "reason": "Supplier recall of NTX-2291"})
    assert done.status_code == 302
    detail = pharm.text(pharm.get(done.headers["Location"]))
    assert "Ada Lovelace" in detail and "quarantined" in detail
    csv = pharm.text(pharm.get(done.headers["Location"] + "/list.csv"))
    assert "Ada" in csv and "Dr. Dra" in csv


def test_fill_errors_stay_on_the_prescription_page(browser_for: Any) -> None:
    rid = verified_rx(browser_for)
    tech = browser_for("tech")
    response = tech.post(f"/prescriptions/{rid}/fill", {"batch_id": "999", "quantity": "x"})
    assert response.status_code == 422
    assert "<strong>Quantity</strong>" in tech.text(response)  # the label, not the API name


def test_recall_page_finds_a_lot_and_recalls_it(browser_for: Any) -> None:
    tech, pharm = browser_for("tech"), browser_for("pharm")
    receive_and_release(tech, pharm)
    page = pharm.text(pharm.get("/recall?ref=MCC-7781"))
    assert "Batches downstream" in page
    target = re.search(r'name="target" value="(lot:\d+)"', page).group(1)
    short = pharm.post("/recall", {"target": target, "reason": "x", "ref": "MCC-7781"})
    assert short.status_code == 422
    done = pharm.post("/recall", {"target": target, "reason": "Supplier recall notice 2291"})
    assert done.status_code == 302
    detail = pharm.get(done.headers["Location"])
    assert "Supplier recall notice 2291" in pharm.text(detail)
    csv = pharm.get(done.headers["Location"] + "/list.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert tech.get("/recall").status_code == 403
    report = pharm.post(done.headers["Location"] + "/report")
    assert report.status_code == 200 and report.mimetype == "application/pdf"
    assert report.headers["Cache-Control"] == "no-store"
    again = pharm.post(done.headers["Location"] + "/report")
    assert again.status_code == 302  # a reprint needs a reason
    again = pharm.post(done.headers["Location"] + "/report", {"reason": "second copy for QA"})
    assert again.status_code == 200


@pytest.mark.parametrize("path", ["/admin/users", "/admin/pharmacy", "/admin/rules",
                                  "/admin/catalog", "/admin/rules/capsule_overage_percent"])
def test_admin_pages_render(browser_for: Any, path: str) -> None:
    admin = browser_for("admin")
    assert admin.get(path).status_code == 200


def test_admin_changes_pharmacy_details_rules_and_users(browser_for: Any) -> None:
    admin = browser_for("admin")
    bad = admin.post("/admin/pharmacy", {"name": "", "address": "1 Road", "phone": "abc!"})
    assert bad.status_code == 422
    assert 'id="name-error"' in admin.text(bad) and 'id="phone-error"' in admin.text(bad)
    ok = admin.post("/admin/pharmacy", {"name": "Elm Street Pharmacy", "address": "1 Elm St",
                                        "phone": "(217) 555-0199"})
    assert ok.status_code == 302
    assert "Elm Street Pharmacy" in admin.text(admin.get("/admin/pharmacy"))
    # A textarea sends its lines with CR LF: the address becomes one line, as labels print it.
    two_lines = admin.post("/admin/pharmacy", {"name": "Elm Street Pharmacy",
                                               "address": "1 Elm St\r\nSpringfield, IL",
                                               "phone": "(217) 555-0199"})
    assert two_lines.status_code == 302, admin.text(two_lines)
    assert "1 Elm St, Springfield, IL" in admin.text(admin.get("/admin/pharmacy"))

    rule = admin.post("/admin/rules/capsule_overage_percent",
                      {"value": "12", "source": "SOP 14 rev 3"})
    assert rule.status_code == 302, admin.text(rule)
    rules = admin.text(admin.get("/admin/rules"))
    assert "SOP 14 rev 3" in rules
    bad_rule = admin.post("/admin/rules/capsule_overage_percent",
                          {"value": "lots", "source": "SOP 14 rev 4"})
    assert bad_rule.status_code == 422
    assert 'id="value-error"' in admin.text(bad_rule)
    assert "ConversionSyntax" not in admin.text(bad_rule)
    for value, says in (("-5", "from 0 to 100"), ("150", "from 0 to 100")):
        refused = admin.post("/admin/rules/capsule_overage_percent",
                             {"value": value, "source": "SOP 14 rev 5"})
        assert refused.status_code == 422 and says in admin.text(refused), value
    inverted = admin.post("/admin/rules/dose_ack_high_mg", {"value": "12", "source": "typo"})
    assert inverted.status_code == 422 and "dose_hard_stop_max_mg" in admin.text(inverted)
    table = admin.post("/admin/rules/bud_categories", {"value": "[{", "source": "typo test"})
    assert table.status_code == 422 and "Not valid JSON" in admin.text(table)

    user = admin.post("/admin/users", {"username": "newtech", "password": "short",
                                       "role": "technician"})
    assert user.status_code == 422 and 'id="password-error"' in admin.text(user)
    assert 'value="newtech"' in admin.text(user)
    user = admin.post("/admin/users", {"username": "newtech", "password": "long enough pw",
                                       "role": "technician", "full_name": "New Tech"})
    assert user.status_code == 302
    assert "New Tech" in admin.text(admin.get("/admin/users"))
