"""Helpers shared by the hardening tests: a valid prescription, and counting rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, func, select

PASSWORD = "correct horse battery staple"  # the root conftest's
CANARY_FIRST = "Canaryfirst"
CANARY_LAST = "Zzqxcanary"
CANARY_PHONE = "555-0987-6543"
CANARY_ADDRESS = "77 Canary Lane, Nowhere"


def rx_payload(**overrides: Any) -> dict[str, Any]:
    """A prescription a prescriber may submit and a pharmacist may verify at once."""
    patient = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": "1970-05-01",
        "address": "1 Example Street",
        "phone": "(217) 555-0199",
        "allergies": [],
        "current_medications": ["sertraline 50 mg"],
    }
    patient.update(overrides.pop("patient", {}))
    payload: dict[str, Any] = {
        "patient": patient,
        "dosage_form": "capsule",
        "strength_mg": "4.5",
        "dose_mg": "4.5",
        "days_supply": 30,
        "refills": 0,
        "opioid_attestation": True,
    }
    payload.update(overrides)
    return payload


def submit(api: Any, as_: str = "drA", **overrides: Any) -> dict[str, Any]:
    if as_ == "pharm":
        overrides.setdefault("prescriber_id", api.accounts["drA"].prescriber_id)
    response = api.post("/api/v1/prescriptions", as_=as_, json=rx_payload(**overrides))
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def verify(api: Any, rx_id: int, as_: str = "pharm") -> Any:
    return api.post(
        f"/api/v1/prescriptions/{rx_id}/verify",
        as_=as_,
        json={"password": PASSWORD, "acknowledge_warnings": True},
    )


def table_counts(app: Any) -> dict[str, int]:
    """Row count of every table in the database."""
    from pharmacy.services.uow import current_db

    engine = current_db().engine
    meta = MetaData()
    meta.reflect(bind=engine)
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for name, table in meta.tables.items():
            counts[name] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    return counts


def table_snapshot(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered, as plain tuples."""
    meta = MetaData()
    meta.reflect(bind=engine)
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            rows = conn.execute(select(table)).all()
            snapshot[name] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


def dialect(app: Any) -> str:
    from pharmacy.services.uow import current_db

    return str(current_db().engine.dialect.name)
