"""Guarantee 4: all or nothing.

A fault is injected in the middle of each multi-step use case, after it has already
written rows, moved stock or recorded an audit event (or, at commit, while it chains its
events with the audit head locked): the request fails with a clean 500,
and every table of the database (stock quantities, counters, the audit trail and its head
included) is exactly as it was before the request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from tests.stock_support import capsule_stock, fill, make_batch, record_as_planned, verified_rx

from .helpers import PASSWORD, rx_payload, submit, table_snapshot


class InjectedFault(RuntimeError):
    pass


def _fail_on_call(monkeypatch: Any, target: str, nth: int) -> list[int]:
    """Make `module.attr` raise on its nth call (the earlier calls run for real)."""
    module_name, attr = target.rsplit(".", 1)
    module = __import__(module_name, fromlist=[attr])
    real = getattr(module, attr)
    calls = [0]

    @functools.wraps(real)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == nth:
            raise InjectedFault(f"injected into {target}")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, attr, wrapper)
    return calls


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    from pharmacy.services.uow import current_db

    return table_snapshot(current_db().engine)


# Each case: arrange (returns the request to make), and the steps to break.
def _intake(api: Any) -> Callable[[], Any]:
    submit(api, "drA")  # the patient exists: the retry updates them, then fails
    return lambda: api.post(
        "/api/v1/prescriptions",
        as_="drA",
        json=rx_payload(patient={"phone": "555-0100"}),
    )


def _verify(api: Any) -> Callable[[], Any]:
    rx = submit(api, "drA")
    return lambda: api.post(
        f"/api/v1/prescriptions/{rx['id']}/verify",
        as_="pharm",
        json={"password": PASSWORD, "acknowledge_warnings": True},
    )


def _batch_creation(api: Any) -> Callable[[], Any]:
    capsule_stock(api)
    return lambda: make_batch(api)


def _record(api: Any) -> Callable[[], Any]:
    capsule_stock(api)
    batch = make_batch(api).get_json()
    return lambda: record_as_planned(api, batch)


def _release(api: Any) -> Callable[[], Any]:
    capsule_stock(api)
    batch = make_batch(api).get_json()
    assert record_as_planned(api, batch).status_code == 200
    return lambda: api.post(
        f"/api/v1/batches/{batch['id']}/release", as_="pharm", json={"password": PASSWORD}
    )


def _released(api: Any) -> dict[str, Any]:
    batch = make_batch(api).get_json()
    assert record_as_planned(api, batch).status_code == 200
    response = api.post(
        f"/api/v1/batches/{batch['id']}/release", as_="pharm", json={"password": PASSWORD}
    )
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def _fill(api: Any) -> Callable[[], Any]:
    stock = capsule_stock(api)
    assert stock
    batch = _released(api)
    rx = verified_rx(api)
    return lambda: fill(api, rx["id"], batch["id"], 30)


def _recall_lot(api: Any) -> Callable[[], Any]:
    stock = capsule_stock(api)
    batch = _released(api)
    rx = verified_rx(api)
    assert fill(api, rx["id"], batch["id"], 30).status_code == 201
    return lambda: api.post(
        f"/api/v1/ingredient-lots/{stock['api']['id']}/recall",
        as_="pharm",
        json={"reason": "Supplier recall: impurity"},
    )


def _recall_batch(api: Any) -> Callable[[], Any]:
    capsule_stock(api)
    batch = _released(api)
    rx = verified_rx(api)
    assert fill(api, rx["id"], batch["id"], 30).status_code == 201
    return lambda: api.post(
        f"/api/v1/batches/{batch['id']}/recall", as_="pharm", json={"reason": "Failed QC retest"}
    )


CASES: list[tuple[str, Any, str, int]] = [
    # use case, arrange, the step that fails, on which call
    # The Rx number, taken after the new patient's record is written.
    ("intake", _intake, "pharmacy.services.prescriptions.intake.next_value", 1),
    # Intake's events are recorded after its writes, to be chained at commit.
    ("intake", _intake, "pharmacy.audit.record", 2),
    # With the chain head locked and every row written, as the writer chains the events.
    ("intake", _intake, "pharmacy.audit.event_hash", 2),
    ("fill", _fill, "pharmacy.audit.event_hash", 1),
    ("verify", _verify, "pharmacy.audit.record", 1),
    ("batch creation", _batch_creation, "pharmacy.services.batches.lifecycle._take", 2),
    ("batch creation", _batch_creation, "pharmacy.audit.record", 1),
    ("batch record", _record, "pharmacy.audit.record", 1),
    ("batch release", _release, "pharmacy.audit.record", 1),
    ("fill", _fill, "pharmacy.audit.record", 1),
    ("fill", _fill, "pharmacy.audit.record", 2),
    ("lot recall", _recall_lot, "pharmacy.services.recall._fill_ids", 1),
    ("lot recall", _recall_lot, "pharmacy.audit.record", 1),
    ("batch recall", _recall_batch, "pharmacy.services.recall._fill_ids", 1),
    ("batch recall", _recall_batch, "pharmacy.audit.record", 1),
]


@pytest.mark.parametrize(
    ("name", "arrange", "target", "nth"),
    CASES,
    ids=[
        f"{c[0]}-{c[2].rsplit('.', 1)[1]}-{c[3]}" for c in CASES
    ],
)
def test_fault_leaves_nothing_behind(
    api: Any, monkeypatch: Any, name: str, arrange: Any, target: str, nth: int
) -> None:
    request = arrange(api)
    before = _snapshot()
    calls = _fail_on_call(monkeypatch, target, nth)
    response = request()
    assert calls[0] >= nth, f"{target} was not reached in {name}; the test needs a new step"
    assert response.status_code == 500, response.get_json()
    assert "nothing was saved" in response.get_json()["message"]
    after = _snapshot()
    changed = sorted(t for t in before if before[t] != after.get(t))
    assert not changed, f"{name}: tables changed by a failed use case: {changed}"

    # And without the fault the same request succeeds (the fault, not the data, failed it).
    monkeypatch.undo()
    assert request().status_code in (200, 201)
