"""The trace equals a brute-force traversal of the records, on both databases: a random
graph of ingredient lots, batches (some made from other batches) and fills."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from pharmacy.audit import Actor
from pharmacy.models import (
    Batch,
    BatchComponent,
    Fill,
    Formula,
    IngredientLot,
    Item,
    Patient,
    Prescriber,
    Prescription,
)
from pharmacy.services import trace
from pharmacy.services.uow import current_db

TODAY = date.today()


def _graph(seed: int, lots_n: int = 12, batches_n: int = 40, fills_n: int = 120) -> dict[str, Any]:
    rng = random.Random(seed)
    with current_db().transaction() as session:
        items = list(session.execute(select(Item).order_by(Item.id)).scalars())
        formula = session.execute(
            select(Formula).where(Formula.code == "ldn-capsule-mcc")
        ).scalar_one()
        user_id = None
        prescribers = [
            Prescriber(full_name=f"Dr {i}", npi=f"99{seed:03d}{i:05d}", phone=f"555-{i:04d}")
            for i in range(4)
        ]
        patients = [
            Patient(
                first_name=f"P{i}",
                last_name=f"Q{seed}",
                date_of_birth=date(1970, 1, 1 + i % 28),
                phone=f"555-1{i:03d}",
            )
            for i in range(15)
        ]
        session.add_all(prescribers + patients)
        session.flush()
        lots = []
        for i in range(lots_n):
            lot = IngredientLot(
                item_id=rng.choice(items).id,
                manufacturer="M",
                manufacturer_lot=f"R{seed}-{i}",
                expiry=TODAY + timedelta(days=400),
                expiry_text="x",
                received_quantity=1,
                received_unit="g",
                quantity_received=1000,
                quantity_on_hand=1000,
                status="released",
                pack_stats_mg={},
            )
            session.add(lot)
            lots.append(lot)
        session.flush()
        batches: list[Batch] = []
        components: list[tuple[int, int | None, int | None]] = []
        for i in range(batches_n):
            batch = Batch(
                lot_number=f"{seed:02d}0101-C-{i:03d}",
                formula_id=formula.id,
                dosage_form="capsule",
                strength_mg=Decimal("4.5"),
                quantity_requested=10,
                units_made=100,
                quantity_on_hand=100,
                unit="capsule",
                status="released",
                compounded_on=TODAY,
                bud=TODAY + timedelta(days=100),
                bud_days=100,
                storage="room",
                bud_limited_by="x",
                bud_rule="capsule",
                calculation={},
                deviations=[],
                created_by_user_id=user_id,
            )
            session.add(batch)
            session.flush()
            sources: list[tuple[int | None, int | None]] = []
            for lot in rng.sample(lots, rng.randint(1, 3)):
                sources.append((lot.id, None))
            if batches and rng.random() < 0.4:
                for parent in rng.sample(batches, min(len(batches), rng.randint(1, 2))):
                    sources.append((None, parent.id))
            for position, (lot_id, src_id) in enumerate(sources):
                session.add(
                    BatchComponent(
                        batch_id=batch.id,
                        position=position,
                        role="x",
                        description="x",
                        ingredient_lot_id=lot_id,
                        source_batch_id=src_id,
                        unit="mg",
                        theoretical_amount=1,
                    )
                )
                components.append((batch.id, lot_id, src_id))
            batches.append(batch)
        fills_rows = []
        for i in range(fills_n):
            rx = Prescription(
                rx_number=f"T{seed}-{i}",
                status="filled",
                source="api",
                patient_id=rng.choice(patients).id,
                prescriber_id=rng.choice(prescribers).id,
                dosage_form="capsule",
                strength_mg=Decimal("4.5"),
                quantity=30,
                refills=0,
                refills_remaining=0,
                directions="Take 1 capsule by mouth at bedtime.",
                created_by_user_id=_any_user(session),
            )
            session.add(rx)
            session.flush()
            batch = rng.choice(batches)
            fill = Fill(
                prescription_id=rx.id,
                batch_id=batch.id,
                fill_number=0,
                quantity=30,
                filled_on=TODAY,
                bud=batch.bud,
            )
            session.add(fill)
            session.flush()
            fills_rows.append((fill.id, batch.id, rx.patient_id, rx.prescriber_id, rx.rx_number))
        return {
            "lots": [lot.id for lot in lots],
            "batches": [b.id for b in batches],
            "lot_numbers": {b.id: b.lot_number for b in batches},
            "components": components,
            "fills": fills_rows,
        }


def _any_user(session: Any) -> int:
    from pharmacy.models import User

    return session.execute(select(User.id).order_by(User.id)).scalars().first()


def _brute_downstream(
    graph: dict[str, Any], *, lot_id: int | None = None, batch_id: int | None = None
) -> set[int]:
    children: dict[int, set[int]] = defaultdict(set)
    for child, _lot, src in graph["components"]:
        if src is not None:
            children[src].add(child)
    if lot_id is not None:
        frontier = {child for child, lot, _ in graph["components"] if lot == lot_id}
    else:
        frontier = {batch_id}  # type: ignore[arg-type]
    seen: set[int] = set()
    while frontier:
        current = frontier.pop()
        if current in seen:
            continue
        seen.add(current)
        frontier |= children[current] - seen
    return seen


def _brute_upstream_lots(graph: dict[str, Any], batch_id: int) -> set[int]:
    parents: dict[int, list[tuple[int | None, int | None]]] = defaultdict(list)
    for child, lot, src in graph["components"]:
        parents[child].append((lot, src))
    lots: set[int] = set()
    stack, seen = [batch_id], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for lot, src in parents[current]:
            if lot is not None:
                lots.add(lot)
            if src is not None:
                stack.append(src)
    return lots


def test_trace_equals_brute_force(app: Any, api: Any) -> None:
    pharmacist = Actor(api.accounts["pharm"].id, "pharm", "pharmacist")
    for seed in (1, 2):
        graph = _graph(seed)
        for lot_id in graph["lots"]:
            expected_batches = _brute_downstream(graph, lot_id=lot_id)
            expected_fills = {f for f, b, *_ in graph["fills"] if b in expected_batches}
            expected_patients = {p for f, b, p, *_ in graph["fills"] if b in expected_batches}
            expected_prescribers = {d for f, b, _, d, _ in graph["fills"] if b in expected_batches}
            result = trace.trace_ingredient_lot(pharmacist, lot_id, today=TODAY)
            assert {b["id"] for b in result["batches"]} == expected_batches
            assert {b["lot_number"] for b in result["batches"]} == {
                graph["lot_numbers"][b] for b in expected_batches
            }
            assert {f["id"] for f in result["fills"]} == expected_fills
            assert len(result["fills"]) == len(expected_fills)
            assert {p["id"] for p in result["patients"]} == expected_patients
            assert {p["id"] for p in result["prescribers"]} == expected_prescribers
        for batch_id in graph["batches"]:
            result = trace.trace_batch(pharmacist, graph["lot_numbers"][batch_id], today=TODAY)
            downstream = _brute_downstream(graph, batch_id=batch_id)
            assert {b["id"] for b in result["batches"]} == downstream
            assert {f["id"] for f in result["fills"]} == {
                f for f, b, *_ in graph["fills"] if b in downstream
            }
            assert {lt["id"] for lt in result["ingredient_lots"]} == _brute_upstream_lots(
                graph, batch_id
            )
