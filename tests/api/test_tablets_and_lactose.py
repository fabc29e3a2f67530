"""Capsules from 50 mg tablets: the tablet powder's mass is known before the filler is
planned, and a patient whose record lists a lactose allergy never receives a batch with
lactose in it (tablets, a lactose filler, or a triturate made with one), whichever
prescription the allergy was recorded on."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD
from tests.stock_support import (
    capsule_stock,
    fill,
    make_batch,
    only_event,
    record_as_planned,
    released_batch,
    stocked,
    verified_rx,
)

ALLERGIC = {
    "first_name": "Lena",
    "last_name": "Lactase",
    "date_of_birth": "1980-02-02",
    "allergies": ["Lactose (hives)"],
}


def _tablet_batch(api: Any, stock: dict[str, Any], **extra: Any) -> Any:
    tablets = stocked(
        api, "naltrexone-50mg-tablet", quantity=20, unit="each", tablet_powder_mg=212
    )
    return make_batch(
        api,
        quantity=30,
        lot_ids=[tablets["id"], stock["filler"]["id"], stock["shell"]["id"]],
        **extra,
    )


def test_no_lactose_batch_for_a_lactose_allergy(api: Any) -> None:
    stock = capsule_stock(api)
    # The allergy is on the first prescription; the second one leaves it out.
    verified_rx(api, patient=ALLERGIC, quantity=30)
    rx = verified_rx(api, patient={**ALLERGIC, "allergies": []}, quantity=30, prescriber="drB")
    made = _tablet_batch(api, stock)
    assert made.status_code == 201, made.get_json()
    batch = made.get_json()
    assert record_as_planned(api, batch).status_code == 200
    released = api.post(
        f"/api/v1/batches/{batch['id']}/release",
        as_="pharm",
        json={"password": PASSWORD, "acknowledge_deviations": True},
    )
    assert released.status_code == 200, released.get_json()

    refused = fill(api, rx["id"], batch["id"], 30)
    assert refused.status_code == 409, refused.get_json()
    body = refused.get_json()
    assert "batch_id" in body["errors"] and "lactose" in body["message"]
    assert "Lena" not in body["message"]  # no patient data in the message

    # Nor can a batch be made for the prescription from tablets.
    for_rx = _tablet_batch(api, stock, prescription_id=rx["id"])
    assert for_rx.status_code == 409, for_rx.get_json()
    assert "lot_ids" in for_rx.get_json()["errors"]

    # A lactose-free batch fills it.
    plain_batch = released_batch(api, quantity=60)
    assert fill(api, rx["id"], plain_batch["id"], 30).status_code == 201


def test_a_capsule_batch_from_tablets_needs_their_powder_mass(api: Any) -> None:
    stock = capsule_stock(api)
    tablets = stocked(api, "naltrexone-50mg-tablet", quantity=20, unit="each")
    refused = make_batch(
        api, quantity=30, lot_ids=[tablets["id"], stock["filler"]["id"], stock["shell"]["id"]]
    )
    assert refused.status_code == 422
    assert "tablet powder" in refused.get_json()["errors"]["lot_ids"][0]


def test_a_tablet_batch_recorded_as_its_worksheet_says_has_no_deviation(api: Any) -> None:
    stock = capsule_stock(api)
    made = _tablet_batch(api, stock)
    assert made.status_code == 201, made.get_json()
    batch = made.get_json()
    recorded = record_as_planned(api, batch)
    assert recorded.status_code == 200, recorded.get_json()
    assert recorded.get_json()["deviations"] == []


def test_tablet_powder_lighter_than_the_drug_it_holds_is_refused(api: Any) -> None:
    response = api.post(
        "/api/v1/ingredient-lots",
        as_="tech",
        json={
            "item_code": "naltrexone-50mg-tablet",
            "manufacturer": "Accord",
            "manufacturer_lot": "T-LIGHT",
            "expiry": "2030-01",
            "quantity": 30,
            "unit": "each",
            "tablet_powder_mg": 10,
        },
    )
    assert response.status_code == 422
    assert "tablet_powder_mg" in response.get_json()["errors"]


def test_an_opioid_the_record_gained_after_verification_stops_the_fill(api: Any) -> None:
    # drA's prescription was verified against no opioids; then drB sends the same person
    # taking tramadol (held for the pharmacist). drA's fill now needs a pharmacist's review.
    capsule_stock(api)
    rx = verified_rx(api, quantity=30, days=30)
    later = api.post("/api/v1/prescriptions", as_="drB", json={
        "patient": {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1970-05-01",
                    "current_medications": ["tramadol 50 mg"]},
        "dosage_form": "capsule", "strength_mg": 4.5, "quantity": 30, "days_supply": 30,
        "opioid_attestation": True})
    assert later.status_code == 201 and later.get_json()["status"] == "on_hold"
    batch = released_batch(api, quantity=60)
    stopped = fill(api, rx["id"], batch["id"], 30)
    assert stopped.status_code == 409
    assert "tramadol" in stopped.get_json()["errors"]["acknowledge_opioid_update"][0]
    assert "Ada" not in stopped.get_data(as_text=True)
    assert fill(api, rx["id"], batch["id"], 30, acknowledge_opioid_update=True).status_code == 409
    reviewed = fill(api, rx["id"], batch["id"], 30, as_="pharm", acknowledge_opioid_update=True)
    assert reviewed.status_code == 201, reviewed.get_json()
    assert only_event("fill.created").after["opioids_reviewed"] == ["tramadol"]
