"""Helpers for the stock, batch, fill and trace tests: receive and release lots, create
verified prescriptions, make released batches."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from tests.conftest import PASSWORD

_SEQ = itertools.count(1)
FAR = (date.today() + timedelta(days=900)).strftime("%Y-%m")


def receive(api: Any, item_code: str, *, expiry: str = FAR, quantity: Any = 100,
            unit: str = "g", as_: str = "tech", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "item_code": item_code,
        "manufacturer": "Acme Pharma",
        "manufacturer_lot": extra.pop("manufacturer_lot", f"M{next(_SEQ):05d}"),
        "expiry": expiry,
        "quantity": quantity,
        "unit": unit,
        **extra,
    }
    if item_code == "naltrexone-hcl" and "coa" not in body:
        body["coa"] = {"assay_percent": 99.5, "assay_basis": "anhydrous",
                       "water_percent": 0.5, "form": "hcl"}
    response = api.post("/api/v1/ingredient-lots", as_=as_, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def release(api: Any, lot_id: int) -> dict[str, Any]:
    response = api.post(f"/api/v1/ingredient-lots/{lot_id}/release", as_="pharm",
                        json={"password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def stocked(api: Any, item_code: str, **kwargs: Any) -> dict[str, Any]:
    return release(api, receive(api, item_code, **kwargs)["id"])


def capsule_stock(api: Any, *, api_grams: Any = 10, filler_grams: Any = 1000,
                  shells: int = 5000) -> dict[str, dict[str, Any]]:
    return {
        "api": stocked(api, "naltrexone-hcl", quantity=api_grams, unit="g"),
        "filler": stocked(api, "mcc", quantity=filler_grams, unit="g",
                          pack_stats_mg={"3": 95}),
        "shell": stocked(api, "capsule-3", quantity=shells, unit="each"),
    }


def make_batch(api: Any, *, strength: Any = 4.5, quantity: int = 100, as_: str = "tech",
               **extra: Any) -> Any:
    body = {"formula_code": "ldn-capsule-mcc", "strength_mg": strength, "quantity": quantity,
            **extra}
    return api.post("/api/v1/batches", as_=as_, json=body)


def record_as_planned(api: Any, batch: dict[str, Any], *, weights: list[Any] | None = None) -> Any:
    actuals = [
        {"ingredient_lot_id": c["ingredient_lot_id"], "actual_mg": c["theoretical_amount"]}
        for c in batch["components"] if c["ingredient_lot_id"] is not None
    ] + [
        {"source_batch_id": c["source_batch_id"], "actual_mg": c["theoretical_amount"]}
        for c in batch["components"] if c["source_batch_id"] is not None
    ]
    check = batch["weight_check"]
    if weights is None and check:
        weights = [check["theoretical_mg"]] * check["sample"]
    return api.post(f"/api/v1/batches/{batch['id']}/record", as_="tech",
                    json={"actuals": actuals, "capsule_weights_mg": weights or []})


def released_batch(api: Any, **kwargs: Any) -> dict[str, Any]:
    response = make_batch(api, **kwargs)
    assert response.status_code == 201, response.get_json()
    batch = response.get_json()
    recorded = record_as_planned(api, batch)
    assert recorded.status_code == 200, recorded.get_json()
    released = api.post(f"/api/v1/batches/{batch['id']}/release", as_="pharm",
                        json={"password": PASSWORD})
    assert released.status_code == 200, released.get_json()
    return released.get_json()


def verified_rx(api: Any, *, strength: Any = 4.5, quantity: int = 30, days: int = 30,
                refills: int = 0, prescriber: str = "drA", first: str = "Ada",
                last: str = "Lovelace", **extra: Any) -> dict[str, Any]:
    body = {
        "patient": {"first_name": first, "last_name": last, "date_of_birth": "1970-05-01",
                    "phone": "(217) 555-0101", "address": "1 Elm St"},
        "dosage_form": "capsule",
        "strength_mg": strength,
        "dose_mg": strength,
        "quantity": quantity,
        "days_supply": days,
        "refills": refills,
        "opioid_attestation": True,
        **extra,
    }
    created = api.post("/api/v1/prescriptions", as_=prescriber, json=body)
    assert created.status_code == 201, created.get_json()
    rx = created.get_json()
    verified = api.post(f"/api/v1/prescriptions/{rx['id']}/verify", as_="pharm",
                        json={"password": PASSWORD, "acknowledge_warnings": True})
    assert verified.status_code == 200, verified.get_json()
    return verified.get_json()


def fill(api: Any, rx_id: int, batch_id: int, quantity: Any, as_: str = "tech",
         **extra: Any) -> Any:
    return api.post(f"/api/v1/prescriptions/{rx_id}/fills", as_=as_,
                    json={"batch_id": batch_id, "quantity": quantity, **extra})


def released_triturate(api: Any, stock: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A released 10 % naltrexone triturate made from `stock`'s API and filler lots."""
    made = api.post("/api/v1/batches", as_="tech", json={
        "formula_code": "ldn-triturate-10pct", "quantity": 5000,
        "lot_ids": [stock["api"]["id"], stock["filler"]["id"]]})
    assert made.status_code == 201, made.get_json()
    triturate: dict[str, Any] = made.get_json()
    assert record_as_planned(api, triturate).status_code == 200
    assert api.post(f"/api/v1/batches/{triturate['id']}/release", as_="pharm",
                    json={"password": PASSWORD}).status_code == 200
    return triturate


def only_event(action: str) -> Any:
    """The one audit event with this action (committed), read in a fresh session."""
    from sqlalchemy import select

    from pharmacy.models import AuditEvent
    from pharmacy.services.uow import current_db

    session = current_db().session_factory()
    try:
        return session.execute(
            select(AuditEvent).where(AuditEvent.action == action)
        ).scalar_one()
    finally:
        session.close()
