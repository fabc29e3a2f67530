"""A request that writes, signed in with a bearer token, reads its token in the transaction
its use case runs in: one connection from the pool, one BEGIN, one COMMIT, and the
prescriber's record loaded with the token (the intake finds it in the session). A write
request in which no use case commits leaves no transaction, and so no lock, behind it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from pharmacy.services.uow import current_db

INTAKE: dict[str, Any] = {
    "patient": {
        "first_name": "Una",
        "last_name": "Transaction",
        "date_of_birth": "1971-02-03",
        "current_medications": ["sertraline 50 mg"],
    },
    "dosage_form": "capsule",
    "strength_mg": "4.5",
    "dose_mg": "4.5",
    "days_supply": 30,
    "opioid_attestation": True,
}


@contextmanager
def watched() -> Iterator[tuple[Counter[str], list[str]]]:
    """The pool's checkouts, the transactions begun, committed and rolled back, and the
    statements sent, while the block runs."""
    engine = current_db().engine
    seen: Counter[str] = Counter()
    statements: list[str] = []

    def on(name: str) -> Any:
        def count(*_args: Any) -> None:
            seen[name] += 1

        return count

    listeners = [(engine.pool, "checkout", on("checkout"))]
    listeners += [(engine, name, on(name)) for name in ("begin", "commit", "rollback")]

    def statement(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        statements.append(" ".join(sql.split()))

    listeners.append((engine, "before_cursor_execute", statement))
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    try:
        yield seen, statements
    finally:
        for target, name, fn in listeners:
            event.remove(target, name, fn)


def test_an_intake_is_one_transaction_on_one_connection(api: Any) -> None:
    current_db().remove()  # the request starts as a server's does, with no session
    with watched() as (seen, statements):
        response = api.post("/api/v1/prescriptions", as_="drA", json=INTAKE)
    assert response.status_code == 201, response.get_json()
    assert seen["checkout"] == 1
    assert seen["begin"] == 1
    assert seen["commit"] == 1
    assert seen["rollback"] == 0
    assert response.get_json()["prescriber"]["id"] == api.accounts["drA"].prescriber_id
    by_id = [
        s for s in statements if s.startswith("SELECT prescribers.id") and "FROM prescribers" in s
    ]
    assert by_id == [], "the prescriber came with the token, not from a query of its own"


def test_a_read_signs_in_apart_from_any_write(api: Any) -> None:
    current_db().remove()
    with watched() as (seen, _statements):
        response = api.get("/api/v1/prescriptions", as_="drA")
    assert response.status_code == 200
    assert seen["commit"] == 0


def test_a_refused_write_leaves_no_transaction_open(api: Any) -> None:
    current_db().remove()
    # Refused by the schema, before the view and its use case run.
    unreadable = {k: v for k, v in INTAKE.items() if k != "dosage_form"}
    refused = api.post("/api/v1/prescriptions", as_="drA", json=unreadable)
    assert refused.status_code == 422
    assert "dosage_form" in str(refused.get_json())
    assert not current_db().session().in_transaction()
    assert api.post("/api/v1/prescriptions", as_="drB", json=INTAKE).status_code == 201
