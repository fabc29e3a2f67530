"""Re-weighing at the bench: before the pharmacist's final check, a technician corrects a
mistyped weight with a reason. The compounding record keeps both values (the one first
recorded and the corrected one, with who, when and why); only the corrected one counts
toward a deviation, and the stock follows what was really weighed.

- `correct_weight(actor, batch_id, component=POSITION | capsule=NUMBER, corrected_mg,
  reason, today) -> dict`
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.errors import Conflict, Invalid
from pharmacy.models import Batch, BatchComponent
from pharmacy.models._types import utcnow
from pharmacy.services.batches.lifecycle import _deviation, _weight_check_result
from pharmacy.services.batches.planning import Source
from pharmacy.services.batches.queries import batch_data, locked_batch
from pharmacy.services.batches.stock_moves import _give_back, _take
from pharmacy.services.costing import cost_batch
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import use_case


def _component(batch: Batch, position: int) -> BatchComponent:
    for c in batch.components:
        if c.position == position:
            return c
    raise Invalid("component", "names no component of this batch")


def _correct_component(
    session: Session, batch: Batch, position: int, corrected: Decimal, today: date
) -> tuple[str, Decimal]:
    component = _component(batch, position)
    if component.actual_amount is None:
        raise Conflict("This component has no recorded weight to correct.")
    original = component.actual_amount
    difference = corrected - original
    source = Source(lot=component.ingredient_lot, batch=component.source_batch)
    if difference > 0:
        _take(session, source, difference, today)
    elif difference < 0:
        _give_back(session, source, -difference)
    component.actual_amount = corrected
    component.deviation = _deviation(component, corrected, batch.formula.weighing_tolerance_percent)
    return component.description, original


def _correct_capsule(batch: Batch, number: int, corrected: Decimal) -> tuple[str, Decimal]:
    weights = list(batch.capsule_weights_mg or [])
    if not 1 <= number <= len(weights):
        raise Invalid("capsule", f"the weight check has capsules 1 to {len(weights)}")
    original = Decimal(str(weights[number - 1]))
    weights[number - 1] = str(corrected)
    batch.capsule_weights_mg = weights
    return f"capsule {number} (weight check)", original


def _deviations_now(batch: Batch) -> list[str]:
    """The record's deviations from the corrected values: the components', then the weight
    check's."""
    found = [c.deviation for c in batch.components if c.deviation]
    weights = [Decimal(str(w)) for w in batch.capsule_weights_mg or []]
    _weights, weight_deviations = _weight_check_result(batch, weights or None)
    return found + weight_deviations


@use_case
def correct_weight(
    session: Session,
    actor: Actor,
    batch_id: int | str,
    *,
    component: int | None,
    capsule: int | None,
    corrected_mg: Decimal,
    reason: str,
    today: date,
) -> dict[str, Any]:
    batch = locked_batch(session, batch_id)
    if batch.status != "recorded":
        raise Conflict(
            f"Batch {batch.lot_number} is {batch.status}: a weight is corrected after it is "
            "recorded and before the pharmacist's final check.",
            {"status": [batch.status]},
        )
    if (component is None) == (capsule is None):
        raise Invalid("component", "name either a component or a capsule of the weight check")
    if corrected_mg < 0 or (capsule is not None and corrected_mg == 0):
        raise Invalid("corrected_mg", "must be more than 0" if capsule else "cannot be negative")
    if component is not None:
        what, original = _correct_component(session, batch, component, corrected_mg, today)
    else:
        assert capsule is not None
        what, original = _correct_capsule(batch, capsule, corrected_mg)
    if original == corrected_mg:
        raise Invalid("corrected_mg", "is the weight already recorded")
    before = list(batch.deviations)
    batch.deviations = _deviations_now(batch)
    entry = {
        "what": what,
        "recorded": str(original),
        "corrected": str(corrected_mg),
        "reason": reason.strip(),
        "by": actor.username,
        "at": utcnow().isoformat(),
    }
    batch.weight_corrections = [*(batch.weight_corrections or []), entry]
    cost_batch(session, batch, current_rules(session))
    audit.record(
        session,
        actor,
        "batch.weight_corrected",
        "batch",
        batch.id,
        before={"deviations": before},
        after={**entry, "deviations": batch.deviations},
        reason=entry["reason"],
    )
    return batch_data(session, batch, today)
