"""Search, patient profiles, today's work and refill requests (issue 22), on SQLite (FTS5)
and PostgreSQL (pg_trgm)."""

from __future__ import annotations

from typing import Any

import pytest

from pharmacy.models.search import fold
from tests.stock_support import capsule_stock, fill, only_event, released_batch, verified_rx


def _search(api: Any, q: str, as_: str = "pharm", **params: Any) -> list[dict[str, Any]]:
    response = api.get("/api/v1/search", as_=as_, query_string={"q": q, **params})
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["results"])


def _types(results: list[dict[str, Any]]) -> set[tuple[str, int]]:
    return {(r["type"], r["id"]) for r in results}


@pytest.mark.parametrize(("text", "folded"), [
    ("Łukasiewicz-Nguyễn", "lukasiewicz nguyen"),
    ("ZOË O'Brien", "zoe o brien"),
    ("Øster Straße", "oster strasse"),
])
def test_fold_takes_off_case_accents_and_special_letters(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.fixture
def world(api: Any) -> dict[str, Any]:
    capsule_stock(api)
    batch = released_batch(api)
    zoe = verified_rx(api, first="Zoë", last="Łukasiewicz-Nguyễn", refills=2,
                      patient={"first_name": "Zoë", "last_name": "Łukasiewicz-Nguyễn",
                               "date_of_birth": "1985-11-23", "phone": "(217) 555-0123",
                               "current_medications": ["sertraline 50 mg"]})
    ada = verified_rx(api, prescriber="drB")
    filled = fill(api, zoe["id"], batch["id"], 30)
    assert filled.status_code == 201, filled.get_json()
    return {"zoe": zoe, "ada": ada, "batch": batch, "fill": filled.get_json()}


def test_a_partial_name_without_accents_finds_the_patient(api: Any, world: dict[str, Any]) -> None:
    zoe_id = world["zoe"]["patient"]["id"]
    for q in ("lukas", "LUKAS", "nguyen", "zoe luk", "Łukasiewicz"):
        assert ("patient", zoe_id) in _types(_search(api, q)), q
    assert ("patient", zoe_id) not in _types(_search(api, "lovelace"))


def test_date_of_birth_phone_rx_and_lots_find_their_records(
    api: Any, world: dict[str, Any]
) -> None:
    zoe, batch = world["zoe"], world["batch"]
    assert ("patient", zoe["patient"]["id"]) in _types(_search(api, "11/23/1985"))
    assert ("patient", zoe["patient"]["id"]) in _types(_search(api, "1985-11-23"))
    assert ("patient", zoe["patient"]["id"]) in _types(_search(api, "555-0123"))
    exact = _search(api, zoe["rx_number"].lower())
    assert exact[0] == {**exact[0], "type": "prescription", "id": zoe["id"], "rank": 0}
    assert _search(api, batch["lot_number"].lower())[0]["type"] == "batch"
    lot = next(c for c in batch["components"] if c["ingredient_lot_id"])
    found = _search(api, lot["manufacturer_lot"] if "manufacturer_lot" in lot
                    else api.get(f"/api/v1/lots/{lot['ingredient_lot_id']}", as_="pharm")
                    .get_json()["manufacturer_lot"])
    assert ("lot", lot["ingredient_lot_id"]) in _types(found)


def test_a_prescriber_name_or_npi_finds_their_prescriptions(
    api: Any, world: dict[str, Any]
) -> None:
    assert ("prescription", world["ada"]["id"]) in _types(_search(api, "drb"))
    npi = api.accounts["drB"]
    by_npi = _search(api, api.get("/api/v1/prescribers", as_="pharm").get_json()[1]["npi"]
                     if npi else "")
    assert by_npi


def test_a_prescriber_finds_only_their_own(api: Any, world: dict[str, Any]) -> None:
    assert _types(_search(api, "lovelace", as_="drA")) == set()
    assert ("patient", world["ada"]["patient"]["id"]) in _types(_search(api, "lovelace", as_="drB"))
    assert _search(api, world["batch"]["lot_number"], as_="drA") == []
    assert _search(api, world["ada"]["rx_number"], as_="drA") == []
    assert api.get(f"/api/v1/patients/{world['ada']['patient']['id']}", as_="drA").status_code == 404


def _patient_of(api: Any, first: str, last: str, prescriber: str = "drA") -> int:
    body = {
        "patient": {"first_name": first, "last_name": last, "date_of_birth": "1966-02-03",
                    "phone": "(217) 555-0177", "address": "3 Short St"},
        "dosage_form": "capsule", "strength_mg": "4.5", "dose_mg": "4.5", "days_supply": 30,
        "opioid_attestation": True,
    }
    created = api.post("/api/v1/prescriptions", as_=prescriber, json=body)
    assert created.status_code == 201, created.get_json()
    return int(created.get_json()["patient"]["id"])


def test_a_word_of_one_or_two_letters_matches_the_start_of_a_word(api: Any) -> None:
    """"li" is the surname Li, or a name that begins so, not every name with "li" inside
    (Caroline); "o'" the start of O'Connell; an initial and a surname, both."""
    li = _patient_of(api, "Jun", "Li")
    lin = _patient_of(api, "Mei", "Lindqvist")
    caroline = _patient_of(api, "Caroline", "Ashdown")
    connell = _patient_of(api, "Seán", "O'Connell")
    found = _types(_search(api, "li"))
    assert {("patient", li), ("patient", lin)} <= found
    assert ("patient", caroline) not in found
    assert ("patient", connell) in _types(_search(api, "O'"))
    assert _types(_search(api, "j li")) & {("patient", caroline), ("patient", lin)} == set()
    assert ("patient", li) in _types(_search(api, "j li"))
    # Three letters or more still match inside a word.
    assert ("patient", caroline) in _types(_search(api, "oline"))
    listed = api.get("/api/v1/patients", as_="pharm", query_string={"q": "Li"}).get_json()
    assert {li, lin} <= {p["id"] for p in listed["items"]}
    assert caroline not in {p["id"] for p in listed["items"]}
    # A prescriber's short search stays within their own patients.
    assert _types(_search(api, "li", as_="drB")) == set()


def test_results_are_paginated(api: Any, world: dict[str, Any]) -> None:
    for i in range(3):
        verified_rx(api, first=f"Anna{i}", last="Pagewright")
    first = api.get("/api/v1/search", as_="pharm",
                    query_string={"q": "pagewright", "per_page": 2}).get_json()
    second = api.get("/api/v1/search", as_="pharm",
                     query_string={"q": "pagewright", "per_page": 2, "page": 2}).get_json()
    assert len(first["results"]) == 2 and first["has_more"] is True
    assert len(second["results"]) == 1 and second["has_more"] is False
    assert not _types(first["results"]) & _types(second["results"])


def test_patient_list_filters_by_name_and_date_of_birth(api: Any, world: dict[str, Any]) -> None:
    page = api.get("/api/v1/patients", as_="pharm",
                   query_string={"q": "lukas", "date_of_birth": "1985-11-23"}).get_json()
    assert [p["id"] for p in page["items"]] == [world["zoe"]["patient"]["id"]]
    assert page["meta"]["total"] == 1
    none = api.get("/api/v1/patients", as_="pharm",
                   query_string={"q": "lukas", "date_of_birth": "1985-11-24"}).get_json()
    assert none["items"] == []
    bad = api.get("/api/v1/patients", as_="pharm", query_string={"date_of_birth": "soon"})
    assert bad.status_code == 422 and "date_of_birth" in bad.get_json()["errors"]


def test_the_profile_shows_prescriptions_fills_lots_and_medications(
    api: Any, world: dict[str, Any]
) -> None:
    profile = api.get(f"/api/v1/patients/{world['zoe']['patient']['id']}", as_="pharm")
    assert profile.status_code == 200
    data = profile.get_json()
    assert data["patient"]["last_name"] == "Łukasiewicz-Nguyễn"
    assert data["medication_history"][0]["medications"] == ["sertraline 50 mg"]
    (rx,) = data["prescriptions"]
    (fill_row,) = rx["fills"]
    assert fill_row["batch_lot_number"] == world["batch"]["lot_number"]
    assert {lot["id"] for lot in fill_row["ingredient_lots"]} == {
        c["ingredient_lot_id"] for c in world["batch"]["components"] if c["ingredient_lot_id"]
    }
    assert api.get("/api/v1/patients/999999", as_="pharm").status_code == 404


def test_dashboard_counts_and_refill_requests(api: Any, world: dict[str, Any]) -> None:
    counters = {c["key"]: c["count"] for c in
                api.get("/api/v1/dashboard", as_="pharm").get_json()["counters"]}
    assert counters["refills_due"] == 0  # 30 days' supply: not due within a week
    assert counters["refill_requests"] == 0
    made = api.post("/api/v1/refill-requests", as_="pharm",
                    json={"prescription_id": world["zoe"]["id"], "source": "phone",
                          "requested_by_name": "the patient"})
    assert made.status_code == 201, made.get_json()
    assert only_event("refill.requested").entity_id == str(made.get_json()["id"])
    counters = {c["key"]: c["count"] for c in
                api.get("/api/v1/dashboard", as_="pharm").get_json()["counters"]}
    assert counters["refill_requests"] == 1
    queue = api.get("/api/v1/refill-requests", as_="drA").get_json()
    assert [r["id"] for r in queue] == [made.get_json()["id"]]
    assert api.get("/api/v1/refill-requests", as_="drB").get_json() == []
    closed = api.post(f"/api/v1/refill-requests/{made.get_json()['id']}/close", as_="pharm",
                      json={"outcome": "declined"})
    assert closed.status_code == 422 and "note" in closed.get_json()["errors"]
    closed = api.post(f"/api/v1/refill-requests/{made.get_json()['id']}/close", as_="pharm",
                      json={"outcome": "done", "note": "filled"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "done"
    assert only_event("refill.done").entity_id == str(made.get_json()["id"])
    no_refills = api.post("/api/v1/refill-requests", as_="pharm",
                          json={"prescription_id": world["ada"]["id"]})
    assert no_refills.status_code == 409


def test_refills_due_within_the_window(api: Any, world: dict[str, Any]) -> None:
    short = verified_rx(api, first="Wren", last="Shortsupply", refills=1, quantity=5, days=5)
    assert fill(api, short["id"], world["batch"]["id"], 5).status_code == 201
    due = api.get("/api/v1/refills-due", as_="drA").get_json()
    assert [d["prescription_id"] for d in due] == [short["id"]]
    assert api.get("/api/v1/refills-due", as_="drB").get_json() == []
    counters = {c["key"]: c["count"] for c in
                api.get("/api/v1/dashboard", as_="tech").get_json()["counters"]}
    assert counters["refills_due"] == 1


def test_the_profile_lists_label_prints_newest_first_for_staff_only(
    api: Any, world: dict[str, Any]
) -> None:
    fill_id = world["fill"]["id"]
    assert api.get(f"/api/v1/fills/{fill_id}/label.pdf", as_="tech").status_code == 200
    reprint = api.get(f"/api/v1/fills/{fill_id}/label.pdf?reason=Label+smudged", as_="tech")
    assert reprint.status_code == 200
    patient_id = world["zoe"]["patient"]["id"]
    data = api.get(f"/api/v1/patients/{patient_id}", as_="pharm").get_json()
    prints = data["label_prints"]
    assert [(p["fill_id"], p["is_reprint"], p["reason"]) for p in prints] == [
        (fill_id, True, "Label smudged"),
        (fill_id, False, None),
    ]
    assert all(p["printed_by"] for p in prints)
    (rx,) = data["prescriptions"]
    assert [f["id"] for f in rx["fills"]] == [fill_id]  # the prints add no fill rows
    assert len(rx["fills"][0]["ingredient_lots"]) == len(
        {c["ingredient_lot_id"] for c in world["batch"]["components"] if c["ingredient_lot_id"]}
    )
    mine = api.get(f"/api/v1/patients/{patient_id}", as_="drA").get_json()
    assert mine["label_prints"] == [] and [f["id"] for f in mine["prescriptions"][0]["fills"]] == [
        fill_id
    ]
