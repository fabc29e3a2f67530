"""Lot numbers and stock under concurrency (PostgreSQL: several workers at once)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pharmacy.audit import Actor
from pharmacy.errors import Conflict
from pharmacy.services import batches, fills
from tests.stock_support import capsule_stock, released_batch, verified_rx


def _actor(api: Any, name: str) -> Actor:
    account = api.accounts[name]
    role = {"tech": "technician", "pharm": "pharmacist"}[name]
    return Actor(user_id=account.id, username=name, role=role)


def _needs_postgres(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip(
            "concurrency is tested on PostgreSQL, where workers truly run at once; "
            "SQLite serialises writers with BEGIN IMMEDIATE"
        )


def _run(app: Any, workers: int, work: Any) -> list[Any]:
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers

    def target(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[index] = work(index)
            except Exception as error:  # noqa: BLE001 - collected and asserted on
                results[index] = error
            finally:
                from pharmacy.services.uow import current_db

                current_db().remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_eight_workers_make_200_batches_with_distinct_lot_numbers(
    app: Any, api: Any, database_url: str
) -> None:
    _needs_postgres(database_url)
    capsule_stock(api, api_grams=100, filler_grams=2000, shells=5000)
    actor = _actor(api, "tech")
    data = {
        "formula_code": "ldn-capsule-mcc",
        "strength_mg": Decimal("4.5"),
        "quantity": Decimal(10),
    }

    def work(_: int) -> list[str]:
        return [
            batches.create_batch(actor, dict(data), today=date.today())["lot_number"]
            for _ in range(25)
        ]

    results = _run(app, 8, work)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    numbers = [n for r in results for n in r]
    assert len(numbers) == 200
    assert len(set(numbers)) == 200
    stamp = date.today().strftime("%y%m%d")
    assert set(numbers) == {f"{stamp}-C-{n:03d}" for n in range(1, 201)}


def test_two_fills_race_for_the_last_units(app: Any, api: Any, database_url: str) -> None:
    _needs_postgres(database_url)
    capsule_stock(api)
    batch = released_batch(api, strength=4.5, quantity=10)  # 11 capsules made
    prescriptions = [
        verified_rx(api, quantity=10, first=f"Racer{i}", last="Test") for i in range(2)
    ]
    actor = _actor(api, "tech")

    def work(index: int) -> Any:
        return fills.create_fill(
            actor,
            prescriptions[index]["id"],
            batch_id=batch["id"],
            quantity=Decimal(10),
            today=date.today(),
        )

    results = _run(app, 2, work)
    wins = [r for r in results if isinstance(r, dict)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(losses) == 1, results
    shown = api.get(f"/api/v1/batches/{batch['id']}", as_="tech").get_json()
    assert shown["quantity_on_hand"] == 1


def test_many_fills_never_oversell(app: Any, api: Any, database_url: str) -> None:
    _needs_postgres(database_url)
    capsule_stock(api)
    batch = released_batch(api, strength=4.5, quantity=30)  # 33 made
    prescriptions = [verified_rx(api, quantity=10, first=f"Many{i}", last="Test") for i in range(6)]
    actor = _actor(api, "tech")

    def work(index: int) -> Any:
        return fills.create_fill(
            actor,
            prescriptions[index]["id"],
            batch_id=batch["id"],
            quantity=Decimal(10),
            today=date.today(),
        )

    results = _run(app, 6, work)
    assert sum(isinstance(r, dict) for r in results) == 3
    assert sum(isinstance(r, Conflict) for r in results) == 3
    shown = api.get(f"/api/v1/batches/{batch['id']}", as_="tech").get_json()
    assert shown["quantity_on_hand"] == 3
