"""Receiving → release → batch → record → release → fill → trace → recall (issue 4)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from pharmacy.models import AuditEvent
from pharmacy.services.uow import current_db
from tests.conftest import PASSWORD
from tests.stock_support import (
    capsule_stock,
    fill,
    make_batch,
    receive,
    record_as_planned,
    release,
    released_batch,
    released_triturate,
    stocked,
    verified_rx,
)


def actions() -> list[str]:
    session = current_db().session()
    return list(session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def test_catalog_and_formulas(api: Any) -> None:
    items = api.get("/api/v1/items", as_="tech").get_json()
    codes = {i["code"] for i in items}
    assert {"naltrexone-hcl", "naltrexone-50mg-tablet", "mcc", "capsule-3", "capsule-1",
            "purified-water", "ascorbic-acid", "sodium-benzoate", "glycerol"} <= codes
    formulas = api.get("/api/v1/formulas", as_="pharm").get_json()
    assert {"ldn-capsule-mcc", "ldn-liquid-1mg-preserved",
            "ldn-liquid-1mg-unpreserved"} <= {f["formula_code"] for f in formulas}
    assert api.get("/api/v1/items", as_="drA").status_code == 403
    assert api.get("/api/v1/formulas", as_="drA").status_code == 403


def test_full_flow(api: Any) -> None:
    # Receiving: quarantine, month/year expiry is the end of the month.
    lot = receive(api, "naltrexone-hcl", expiry="2030-02", quantity=25, unit="g",
                  coa={"assay_percent": 99.5, "assay_basis": "anhydrous",
                       "water_percent": 8.71, "form": "hcl_dihydrate"})
    assert lot["status"] == "quarantine"
    assert lot["expiry"] == "2030-02-28"
    assert lot["quantity_on_hand"] == 25000
    assert make_batch(api, lot_ids=[lot["id"]]).status_code == 409  # quarantined: refused
    bad = api.post(f"/api/v1/ingredient-lots/{lot['id']}/release", as_="pharm",
                   json={"password": "wrong"})
    assert bad.status_code == 422
    assert api.post(f"/api/v1/ingredient-lots/{lot['id']}/release", as_="tech",
                    json={"password": PASSWORD}).status_code == 403
    assert release(api, lot["id"])["status"] == "released"
    filler = stocked(api, "mcc", quantity=500, unit="g", pack_stats_mg={"3": 95})
    shells = stocked(api, "capsule-3", quantity=1000, unit="each")

    # Batch: amounts from the chosen lot's potency.
    created = make_batch(api, strength=4.5, quantity=100,
                         lot_ids=[lot["id"], filler["id"], shells["id"]])
    assert created.status_code == 201, created.get_json()
    batch = created.get_json()
    today = date.today()
    assert batch["lot_number"] == f"{today:%y%m%d}-C-001"
    assert batch["status"] == "in_progress"
    assert batch["units_made"] == 110
    by_role = {c["role"]: c for c in batch["components"]}
    # 4.5 mg × 110 = 495 mg HCl; f = 0.995 × 0.9129 = 0.908336 → 545.0 mg
    assert Decimal(str(by_role["api"]["theoretical_mg"])) == Decimal("545")
    assert by_role["capsule_shell"]["theoretical_amount"] == 110
    assert batch["bud"] == (today + timedelta(days=180)).isoformat()
    lot_now = api.get(f"/api/v1/ingredient-lots/{lot['id']}", as_="tech").get_json()
    assert Decimal(str(lot_now["quantity_on_hand"])) == Decimal("25000") - Decimal("545")

    # Release before recording is refused; record with one capsule out of tolerance.
    assert api.post(f"/api/v1/batches/{batch['id']}/release", as_="pharm",
                    json={"password": PASSWORD}).status_code == 409
    check = batch["weight_check"]
    weights = [check["theoretical_mg"]] * check["sample"]
    weights[3] = check["high_mg"] + 5
    recorded = record_as_planned(api, batch, weights=weights)
    assert recorded.status_code == 200, recorded.get_json()
    assert recorded.get_json()["status"] == "recorded"
    assert len(recorded.get_json()["deviations"]) == 1
    assert api.post(f"/api/v1/batches/{batch['id']}/release", as_="tech",
                    json={"password": PASSWORD}).status_code == 403
    unacknowledged = api.post(f"/api/v1/batches/{batch['id']}/release", as_="pharm",
                              json={"password": PASSWORD})
    assert unacknowledged.status_code == 409
    released = api.post(f"/api/v1/batches/{batch['id']}/release", as_="pharm",
                        json={"password": PASSWORD, "acknowledge_deviations": True})
    assert released.status_code == 200, released.get_json()
    assert released.get_json()["status"] == "released"
    assert released.get_json()["signature_name"] == "Pat Pharmacist"

    # Fill: stock leaves the batch; refills tracked.
    rx = verified_rx(api, quantity=30, days=30, refills=1)
    filled = fill(api, rx["id"], batch["id"], 30)
    assert filled.status_code == 201, filled.get_json()
    first = filled.get_json()
    assert first["rx_number"] == rx["rx_number"]
    assert first["lot_number"] == batch["lot_number"]
    assert first["refills_remaining"] == 1
    refill = fill(api, rx["id"], batch["id"], 30)
    assert refill.status_code == 201
    assert refill.get_json()["refills_remaining"] == 0
    assert refill.get_json()["is_refill"] is True
    assert fill(api, rx["id"], batch["id"], 30).status_code == 409  # no refills left
    # Each fill keeps the refills its label showed, after later refills too.
    listed = api.get(f"/api/v1/prescriptions/{rx['id']}/fills", as_="tech").get_json()
    assert [f["refills_remaining"] for f in listed] == [1, 0]
    shown = api.get(f"/api/v1/batches/{batch['lot_number']}", as_="tech").get_json()
    assert shown["quantity_on_hand"] == 50

    # Trace forwards from the ingredient lot and backwards from the batch.
    other = verified_rx(api, quantity=30, days=30, prescriber="drB", first="Grace",
                        last="Hopper")
    assert fill(api, other["id"], batch["id"], 30).status_code == 201
    trace = api.get(f"/api/v1/ingredient-lots/{lot['id']}/trace", as_="pharm").get_json()
    assert [b["lot_number"] for b in trace["batches"]] == [batch["lot_number"]]
    assert {f["rx_number"] for f in trace["fills"]} == {rx["rx_number"], other["rx_number"]}
    assert len(trace["fills"]) == 3
    assert {p["id"] for p in trace["patients"]} == {rx["patient"]["id"], other["patient"]["id"]}
    assert all(p["phone"] for p in trace["patients"])
    assert len(trace["prescribers"]) == 2
    tech_view = api.get(f"/api/v1/ingredient-lots/{lot['id']}/trace", as_="tech").get_json()
    assert tech_view["patients"] == [] and tech_view["patient_data"] is False
    assert api.get(f"/api/v1/ingredient-lots/{lot['id']}/trace", as_="drA").status_code == 403
    back = api.get(f"/api/v1/batches/{batch['lot_number']}/trace", as_="pharm").get_json()
    assert {lt["id"] for lt in back["ingredient_lots"]} == {lot["id"], filler["id"], shells["id"]}
    assert len(back["fills"]) == 3

    # Recall the ingredient lot: the batch is quarantined; the CSV lists every fill.
    assert api.post(f"/api/v1/ingredient-lots/{lot['id']}/recall", as_="tech",
                    json={"reason": "supplier recall"}).status_code == 403
    recalled = api.post(f"/api/v1/ingredient-lots/{lot['id']}/recall", as_="pharm",
                        json={"reason": "Supplier recall: impurity"})
    assert recalled.status_code == 201, recalled.get_json()
    recall = recalled.get_json()
    assert recall["quarantined_batch_ids"] == [batch["id"]]
    assert recall["recalled_by"] == "Pat Pharmacist"
    assert len(recall["affected_fill_ids"]) == 3
    assert api.get(f"/api/v1/batches/{batch['id']}", as_="tech").get_json()["status"] == (
        "quarantined")
    refused = fill(api, verified_rx(api, first="Alan", last="Turing")["id"], batch["id"], 10)
    assert refused.status_code == 409
    response = api.get(f"/api/v1/recalls/{recall['id']}/list.csv", as_="pharm")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 3
    assert {r["patient_name"] for r in rows} == {"Ada Lovelace", "Grace Hopper"}
    assert {r["quantity"] for r in rows} == {"30"}  # plain numbers, never "3E+1"
    assert all(r["prescriber_phone"] is not None for r in rows)
    assert api.get(f"/api/v1/recalls/{recall['id']}/list.csv", as_="tech").status_code == 403
    assert api.post(f"/api/v1/ingredient-lots/{lot['id']}/recall", as_="pharm",
                    json={"reason": "again"}).status_code == 409
    done = actions()
    for action in ("lot.received", "lot.released", "batch.created", "batch.recorded",
                   "batch.released", "fill.created", "lot.recalled", "batch.quarantined"):
        assert action in done


def test_fefo_picks_the_first_expiring_lot(api: Any) -> None:
    late = stocked(api, "naltrexone-hcl", expiry="2031-06", quantity=5, unit="g")
    early = stocked(api, "naltrexone-hcl", expiry="2029-03", quantity=5, unit="g")
    stocked(api, "naltrexone-hcl", expiry="2028-01", quantity=5, unit="g",
            manufacturer_lot="QUAR")  # quarantined below: never chosen
    expired_soon = receive(api, "naltrexone-hcl", expiry="2027-01", quantity=5, unit="g")
    stocked(api, "mcc", quantity=500, unit="g")
    stocked(api, "capsule-3", quantity=1000, unit="each")
    suggestion = api.get("/api/v1/batches/suggest-lots?formula_code=ldn-capsule-mcc",
                         as_="tech").get_json()["lots"]["api"]
    assert expired_soon["id"] not in [s["id"] for s in suggestion]
    batch = make_batch(api).get_json()
    api_lot = next(c for c in batch["components"] if c["role"] == "api")
    assert api_lot["ingredient_lot_id"] not in (late["id"], expired_soon["id"])
    assert api_lot["expiry"] == "2028-01-31"
    # A lot typed or scanned by its manufacturer lot number.
    chosen = make_batch(api, manufacturer_lots=[early["manufacturer_lot"]]).get_json()
    assert next(c for c in chosen["components"] if c["role"] == "api")[
        "ingredient_lot_id"] == early["id"]


def test_expired_and_quarantined_lots_are_refused(api: Any) -> None:
    stock = capsule_stock(api)
    quarantined = receive(api, "naltrexone-hcl", quantity=5, unit="g")
    response = make_batch(api, lot_ids=[quarantined["id"]])
    assert response.status_code == 409
    assert "quarantine" in response.get_json()["message"]
    refused = api.post("/api/v1/ingredient-lots", as_="tech", json={
        "item_code": "mcc", "manufacturer": "A", "manufacturer_lot": "OLD", "expiry": "2020-01",
        "quantity": 5, "unit": "g"})
    assert refused.status_code == 422
    assert "expiry" in refused.get_json()["errors"]
    assert make_batch(api, lot_ids=[stock["api"]["id"]]).status_code == 201


def test_expired_lot_in_the_database_is_refused(api: Any) -> None:
    from pharmacy.models import IngredientLot

    stock = capsule_stock(api)
    with current_db().transaction() as session:
        session.get(IngredientLot, stock["api"]["id"]).expiry = date.today() - timedelta(days=1)
    response = make_batch(api, lot_ids=[stock["api"]["id"]])
    assert response.status_code == 409
    assert "expired" in response.get_json()["message"]
    assert make_batch(api).status_code == 409  # FEFO finds no usable API lot


def test_stock_never_goes_negative(api: Any) -> None:
    stocked(api, "naltrexone-hcl", quantity=600, unit="mg")
    stocked(api, "mcc", quantity=100, unit="g")
    stocked(api, "capsule-3", quantity=1000, unit="each")
    assert make_batch(api, strength=4.5, quantity=100).status_code == 201  # ~495 mg
    again = make_batch(api, strength=4.5, quantity=100)
    assert again.status_code == 409
    assert "Not enough" in again.get_json()["message"]
    import pytest
    from sqlalchemy.exc import IntegrityError

    from pharmacy.models import IngredientLot

    with pytest.raises(IntegrityError), current_db().transaction() as session:
        lot = session.execute(select(IngredientLot)).scalars().first()
        lot.quantity_on_hand = Decimal(-1)


def test_batch_lot_numbers_increase_per_day_and_form(api: Any) -> None:
    capsule_stock(api)
    numbers = [make_batch(api, quantity=10).get_json()["lot_number"] for _ in range(3)]
    stamp = date.today().strftime("%y%m%d")
    assert numbers == [f"{stamp}-C-001", f"{stamp}-C-002", f"{stamp}-C-003"]


def test_fill_rules(api: Any) -> None:
    capsule_stock(api)
    batch = released_batch(api, strength=4.5, quantity=40)  # 44 made
    rx = verified_rx(api, quantity=30)
    assert fill(api, rx["id"], batch["id"], 30, as_="drA").status_code == 403
    assert fill(api, rx["id"], batch["id"], 31).status_code == 422  # more than prescribed
    wrong = verified_rx(api, strength=3, first="Wrong", last="Strength")
    assert fill(api, wrong["id"], batch["id"], 10).status_code == 422
    assert fill(api, rx["id"], batch["id"], 30).status_code == 201
    second = verified_rx(api, quantity=30, first="Late", last="Comer")
    oversold = fill(api, second["id"], batch["id"], 30)
    assert oversold.status_code == 409
    assert fill(api, second["id"], batch["id"], 14).status_code == 201
    assert api.get(f"/api/v1/batches/{batch['id']}", as_="tech").get_json()[
        "quantity_on_hand"] == 0
    unverified = api.post("/api/v1/prescriptions", as_="drA", json={
        "patient": {"first_name": "N", "last_name": "V", "date_of_birth": "1980-01-01"},
        "dosage_form": "capsule", "strength_mg": 4.5, "quantity": 30, "days_supply": 30,
        "opioid_attestation": True}).get_json()
    assert fill(api, unverified["id"], batch["id"], 1).status_code == 409


def test_bud_before_the_supply_ends_needs_a_pharmacist(api: Any) -> None:
    from pharmacy.models import Batch

    capsule_stock(api)
    batch = released_batch(api, strength=4.5, quantity=100)
    with current_db().transaction() as session:
        session.get(Batch, batch["id"]).bud = date.today() + timedelta(days=10)
    rx = verified_rx(api, quantity=30, days=30)
    warned = fill(api, rx["id"], batch["id"], 30)
    assert warned.status_code == 409
    assert "acknowledge_bud_warning" in warned.get_json()["errors"]
    assert fill(api, rx["id"], batch["id"], 30, acknowledge_bud_warning=True).status_code == 409
    ok = fill(api, rx["id"], batch["id"], 30, as_="pharm", acknowledge_bud_warning=True)
    assert ok.status_code == 201
    assert ok.get_json()["bud_warning"]


def test_expired_batch_is_refused(api: Any) -> None:
    from pharmacy.models import Batch

    capsule_stock(api)
    batch = released_batch(api, quantity=40)
    with current_db().transaction() as session:
        session.get(Batch, batch["id"]).bud = date.today() - timedelta(days=1)
    rx = verified_rx(api, quantity=30)
    response = fill(api, rx["id"], batch["id"], 30)
    assert response.status_code == 409
    assert "BUD" in response.get_json()["message"]


def test_bud_capped_by_the_earliest_component_expiry(api: Any) -> None:
    soon = (date.today() + timedelta(days=40)).isoformat()
    stocked(api, "naltrexone-hcl", quantity=5, unit="g")
    stocked(api, "mcc", quantity=500, unit="g", expiry=soon)
    stocked(api, "capsule-3", quantity=1000, unit="each")
    batch = make_batch(api).get_json()
    assert batch["bud"] == soon
    assert "mcc" in batch["bud_limited_by"].lower() or "cellulose" in batch["bud_limited_by"]


def test_liquid_batch_fawcett(api: Any) -> None:
    stocked(api, "naltrexone-hcl", quantity=5, unit="g")
    for code, qty, unit in (("ascorbic-acid", 100, "g"), ("sodium-benzoate", 100, "g"),
                            ("glycerol", 5, "L"), ("purified-water", 20, "L")):
        stocked(api, code, quantity=qty, unit=unit)
    response = api.post("/api/v1/batches", as_="tech", json={
        "formula_code": "ldn-liquid-1mg-preserved", "concentration_mg_per_ml": 1,
        "quantity": 100})
    assert response.status_code == 201, response.get_json()
    batch = response.get_json()
    assert batch["lot_number"].split("-")[1] == "L"
    assert batch["units_made"] == 105
    roles = {c["role"]: c for c in batch["components"]}
    assert roles["glycerol"]["unit"] == "mL" and roles["glycerol"]["theoretical_amount"] == 21
    assert roles["ascorbic_acid"]["theoretical_mg"] == 525
    # 105 mg of naltrexone is below the 120 mg MWQ: twice as much is weighed and dissolved
    # to 20 mL, of which 10 mL go in; the other 10 mL of water are discarded with it.
    aliquot = batch["calculation"]["aliquot"]
    assert (aliquot["k"], float(aliquot["stock_ml"]), float(aliquot["aliquot_ml"])) == (2, 20, 10)
    assert roles["api"]["theoretical_mg"] == float(aliquot["api_weigh_mg"]) >= 120
    assert roles["purified_water"]["theoretical_amount"] == 105 - 21 + 10
    assert batch["bud"] == (date.today() + timedelta(days=35)).isoformat()
    assert batch["storage"] == "refrigerator"
    # Made for stock, the worksheet names no syringe: each patient's is chosen at fill.
    assert any("chosen when their prescription is filled" in step
               for step in batch["calculation"]["steps"])
    # Made for a patient, it names theirs: 4.5 mg at 1 mg/mL is 4.5 mL, a 5 mL syringe.
    rx = api.post("/api/v1/prescriptions", as_="drA", json={
        "patient": {"first_name": "Liv", "last_name": "Quid", "date_of_birth": "1975-03-03"},
        "dosage_form": "liquid", "concentration_mg_per_ml": 1, "dose_mg": 4.5,
        "days_supply": 20, "opioid_attestation": True}).get_json()
    assert rx["syringe_ml"] == 5, rx
    assert api.post(f"/api/v1/prescriptions/{rx['id']}/verify", as_="pharm",
                    json={"password": PASSWORD, "acknowledge_warnings": True}).status_code == 200
    for_rx = api.post("/api/v1/batches", as_="tech", json={
        "formula_code": "ldn-liquid-1mg-preserved", "quantity": 100,
        "prescription_id": rx["id"]})
    assert for_rx.status_code == 201, for_rx.get_json()
    packaging = [s for s in for_rx.get_json()["calculation"]["steps"] if "amber" in s]
    assert packaging and "5 mL oral syringes" in packaging[0] and "4.5 mg = 4.5 mL" in packaging[0]
    # The formula makes 1 mg/mL: another concentration is another preparation.
    for other in (5, 11):
        refused = api.post("/api/v1/batches", as_="tech", json={
            "formula_code": "ldn-liquid-1mg-preserved", "concentration_mg_per_ml": other,
            "quantity": 100})
        assert refused.status_code == 422, refused.get_json()
        assert list(refused.get_json()["errors"]) == ["concentration_mg_per_ml"]


def test_triturate_is_traced_through(api: Any) -> None:
    stock = capsule_stock(api)
    triturate = released_triturate(api, stock)
    caps = make_batch(api, strength=1.5, quantity=30, source_batch_ids=[triturate["id"]])
    assert caps.status_code == 201, caps.get_json()
    capsules = caps.get_json()
    assert any(c["source_batch_id"] == triturate["id"] for c in capsules["components"])
    trace = api.get(f"/api/v1/ingredient-lots/{stock['api']['id']}/trace",
                    as_="pharm").get_json()
    assert {b["lot_number"] for b in trace["batches"]} == {triturate["lot_number"],
                                                         capsules["lot_number"]}
    back = api.get(f"/api/v1/batches/{capsules['lot_number']}/trace", as_="pharm").get_json()
    assert stock["api"]["id"] in {lt["id"] for lt in back["ingredient_lots"]}
    assert [b["lot_number"] for b in back["source_batches"]] == [triturate["lot_number"]]
    recall = api.post(f"/api/v1/batches/{triturate['lot_number']}/recall", as_="pharm",
                      json={"reason": "content uniformity failure"}).get_json()
    assert recall["quarantined_batch_ids"] == [capsules["id"]]
    assert api.get(f"/api/v1/batches/{triturate['id']}", as_="tech").get_json()[
        "status"] == "recalled"


def test_invalid_input_is_422_never_500(api: Any) -> None:
    capsule_stock(api)
    cases = [
        {"formula_code": "nope", "strength_mg": 4.5, "quantity": 10},
        {"formula_code": "ldn-capsule-mcc", "quantity": 10},
        {"formula_code": "ldn-capsule-mcc", "strength_mg": 4.5, "quantity": 10.5},
        {"formula_code": "ldn-capsule-mcc", "strength_mg": 11, "quantity": 10},
        {"formula_code": "ldn-capsule-mcc", "strength_mg": 4.5, "quantity": 10,
         "lot_ids": [99999]},
        {"formula_code": "ldn-capsule-mcc", "strength_mg": 4.5, "quantity": "x"},
        {"formula_code": "ldn-capsule-mcc", "strength_mg": 4.5, "quantity": 10, "bogus": 1},
    ]
    for body in cases:
        response = api.post("/api/v1/batches", as_="tech", json=body)
        assert response.status_code == 422, (body, response.get_json())
    lots = [
        {"item_code": "nope", "manufacturer": "a", "manufacturer_lot": "b", "expiry": "2030-01",
         "quantity": 1, "unit": "g"},
        {"item_code": "mcc", "manufacturer": "a", "manufacturer_lot": "b", "expiry": "2030-13",
         "quantity": 1, "unit": "g"},
        {"item_code": "mcc", "manufacturer": "a", "manufacturer_lot": "b", "expiry": "2030-01",
         "quantity": 1, "unit": "mL"},
        {"item_code": "naltrexone-hcl", "manufacturer": "a", "manufacturer_lot": "b",
         "expiry": "2030-01", "quantity": 1, "unit": "g"},
        {"item_code": "mcc", "manufacturer": "a", "manufacturer_lot": "b", "expiry": "2030-01",
         "quantity": -1, "unit": "g"},
    ]
    for body in lots:
        response = api.post("/api/v1/ingredient-lots", as_="tech", json=body)
        assert response.status_code == 422, (body, response.get_json())
    assert api.get("/api/v1/batches/999999", as_="tech").status_code == 404
    assert api.get("/api/v1/batches/999999/trace", as_="pharm").status_code == 404
    assert api.get("/api/v1/ingredient-lots/999999/trace", as_="pharm").status_code == 404
    assert api.post("/api/v1/batches", as_="drA", json=cases[0]).status_code == 403
