"""A batch's changes of state: created (stock taken, lot number given), recorded by the
technician (actual amounts, weight check, deviations), released or rejected at the
pharmacist's final check, and cleared from a recall's quarantine.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.units import plain
from pharmacy.errors import Conflict, Invalid
from pharmacy.models import Batch, BatchComponent
from pharmacy.models._types import utcnow
from pharmacy.services.batches.lot_choice import plan_batch
from pharmacy.services.batches.planning import HUNDRED, Source, _bud
from pharmacy.services.batches.prescription_fit import _prescription_check
from pharmacy.services.batches.queries import batch_data, locked_batch
from pharmacy.services.batches.stock_moves import _give_back, _take
from pharmacy.services.costing import cost_batch
from pharmacy.services.counters import next_value
from pharmacy.services.rules import current_rules
from pharmacy.services.signatures import check_signature
from pharmacy.services.uow import use_case

LOT_NUMBER = re.compile(r"^\d{6}-[A-Z]-\d{3,}$")
RELEASE_MEANING = (
    "I have checked this batch's compounding record, calculations, components, weights and "
    "quality checks, and release it for dispensing."
)
CLEAR_QUARANTINE_MEANING = (
    "I have investigated the recall that quarantined this batch and found this batch "
    "unaffected; I return it to the state it was in before the quarantine."
)


def _lot_number(session: Session, letter: str, today: date) -> str:
    stamp = today.strftime("%y%m%d")
    number = next_value(session.connection(), f"lot:{stamp}:{letter}")
    return f"{stamp}-{letter}-{number:03d}"


@use_case
def create_batch(
    session: Session, actor: Actor, data: dict[str, Any], *, today: date
) -> dict[str, Any]:
    plan = plan_batch(session, data, today)
    rules = current_rules(session)
    bud = _bud(plan, today, rules)
    rx_id = _prescription_check(session, data, plan)
    lot_number = _lot_number(session, plan.formula.lot_letter, today)
    for component in plan.components:
        _take(session, component.source, component.amount, today)
    batch = Batch(
        lot_number=lot_number,
        formula_id=plan.formula.id,
        prescription_id=rx_id,
        dosage_form=plan.dosage_form,
        dose_basis=plan.dose_basis,
        strength_mg=plan.strength_mg,
        concentration_mg_per_ml=plan.concentration_mg_per_ml,
        potency_fraction=plan.potency_fraction,
        quantity_requested=plan.quantity_requested,
        units_made=plan.units_made,
        quantity_on_hand=plan.units_made,
        unit=plan.unit,
        status="in_progress",
        compounded_on=today,
        bud=bud.date,
        bud_days=bud.days,
        storage=plan.storage or bud.storage,
        bud_limited_by=bud.limited_by,
        bud_rule=bud.rule,
        calculation=audit._plain(plan.calculation),
        weight_check=audit._plain(plan.weight_check),
        deviations=[],
        created_by_user_id=actor.user_id,
    )
    session.add(batch)
    session.flush()
    for position, c in enumerate(plan.components):
        session.add(
            BatchComponent(
                batch_id=batch.id,
                position=position,
                role=c.role,
                description=c.description[:200],
                ingredient_lot_id=c.source.lot.id if c.source.lot else None,
                source_batch_id=c.source.batch.id if c.source.batch else None,
                unit=c.unit,
                theoretical_amount=c.amount,
            )
        )
    session.flush()
    session.refresh(batch)
    audit.record(
        session,
        actor,
        "batch.created",
        "batch",
        batch.id,
        after={
            "lot_number": lot_number,
            "formula": f"{plan.formula.code} v{plan.formula.version}",
            "units_made": plan.units_made,
            "bud": bud.date,
            "components": [[c.role, c.source.label, c.amount, c.unit] for c in plan.components],
        },
    )
    return batch_data(session, batch, today)


def _deviation(component: BatchComponent, actual: Decimal, tolerance: Decimal) -> str | None:
    theoretical = component.theoretical_amount
    if theoretical == 0:
        return (
            None
            if actual == 0
            else f"{component.description}: {actual} {component.unit} "
            "recorded where none was planned"
        )
    off = (actual - theoretical) / theoretical * HUNDRED
    if abs(off) > tolerance:
        return (
            f"{component.description}: actual {actual} {component.unit} is "
            f"{off:+.1f} % from the theoretical {theoretical} {component.unit} "
            f"(tolerance ±{plain(tolerance)} %)"
        )
    return None


def _actual_amounts(batch: Batch, actuals: list[dict[str, Any]]) -> dict[int, Decimal]:
    """The actual amount of each component, by component id. An entry names its component
    by the lot or batch it came from; every component but the capsule shells is needed."""
    by_lot = {c.ingredient_lot_id: c for c in batch.components if c.ingredient_lot_id}
    by_batch = {c.source_batch_id: c for c in batch.components if c.source_batch_id}
    given: dict[int, Decimal] = {}
    for index, entry in enumerate(actuals):
        lot_id, src_id = entry.get("ingredient_lot_id"), entry.get("source_batch_id")
        component = by_lot.get(lot_id) if lot_id is not None else by_batch.get(src_id)
        if component is None:
            raise Invalid(f"actuals.{index}", "names no component of this batch")
        if component.id in given:
            raise Invalid(f"actuals.{index}", "this component is listed twice")
        amount = entry.get("actual_mg", entry.get("actual_amount"))
        if amount is None or amount < 0:
            raise Invalid(f"actuals.{index}.actual_mg", "give the actual amount (0 or more)")
        given[component.id] = amount
    missing = [
        c.description for c in batch.components if c.id not in given and c.role != "capsule_shell"
    ]
    if missing:
        raise Invalid("actuals", "record the actual amount of: " + "; ".join(missing))
    return given


def _settle_actuals(
    session: Session, batch: Batch, given: dict[int, Decimal], today: date
) -> list[str]:
    """Record each component's actual amount and its deviation, if any. Stock was taken as
    planned when the batch was created; the difference is taken or given back now, so the
    lots' stock on hand follows what was really weighed."""
    tolerance = batch.formula.weighing_tolerance_percent
    deviations: list[str] = []
    for component in batch.components:
        actual = given.get(component.id, component.theoretical_amount)
        difference = actual - component.theoretical_amount
        source = Source(lot=component.ingredient_lot, batch=component.source_batch)
        if difference > 0:
            _take(session, source, difference, today)
        elif difference < 0:
            _give_back(session, source, -difference)
        component.actual_amount = actual
        component.deviation = _deviation(component, actual, tolerance)
        if component.deviation:
            deviations.append(component.deviation)
    return deviations


def _weight_check_result(
    batch: Batch, capsule_weights_mg: list[Decimal] | None
) -> tuple[list[Decimal], list[str]]:
    """The capsules weighed one by one for the weight check, and a deviation for each one
    outside the limits planned with the batch."""
    weights = [Decimal(w) for w in capsule_weights_mg or []]
    deviations: list[str] = []
    if batch.dosage_form == "capsule":
        check = batch.weight_check or {}
        sample = int(check.get("sample", 0))
        if len(weights) < sample:
            raise Invalid(
                "capsule_weights_mg",
                f"weigh {sample} capsules one by one and give each weight ({len(weights)} given)",
            )
        if len(weights) > batch.units_made:
            raise Invalid("capsule_weights_mg", "more weights than capsules made")
        low, high = Decimal(str(check["low_mg"])), Decimal(str(check["high_mg"]))
        for number, weight in enumerate(weights, start=1):
            if weight <= 0:
                raise Invalid(f"capsule_weights_mg.{number - 1}", "must be more than 0 mg")
            if not low <= weight <= high:
                deviations.append(f"capsule {number}: {weight} mg is outside {low}–{high} mg")
    elif weights:
        raise Invalid("capsule_weights_mg", "applies to capsule batches only")
    return weights, deviations


def _set_yield(batch: Batch, yield_units: Decimal | None) -> None:
    """The units actually made, when the technician gives them, are what the batch has on
    hand instead of the units planned."""
    if yield_units is None:
        return
    if yield_units <= 0 or yield_units > batch.units_made:
        raise Invalid("yield_units", f"must be more than 0 and at most {batch.units_made}")
    if batch.dosage_form == "capsule" and yield_units != yield_units.to_integral_value():
        raise Invalid("yield_units", "capsules are counted in whole numbers")
    batch.quantity_on_hand = yield_units


@use_case
def record_batch(
    session: Session,
    actor: Actor,
    batch_id: int | str,
    *,
    actuals: list[dict[str, Any]],
    capsule_weights_mg: list[Decimal] | None,
    today: date,
    yield_units: Decimal | None = None,
) -> dict[str, Any]:
    """The technician's compounding record: actual amounts and the weight check. Anything
    outside tolerance becomes a deviation the pharmacist must acknowledge on release."""
    batch = locked_batch(session, batch_id)
    if batch.status != "in_progress":
        raise Conflict(f"The record of a {batch.status} batch cannot be changed.")
    given = _actual_amounts(batch, actuals)
    deviations = _settle_actuals(session, batch, given, today)
    weights, weight_deviations = _weight_check_result(batch, capsule_weights_mg)
    deviations += weight_deviations
    _set_yield(batch, yield_units)
    cost = cost_batch(session, batch, current_rules(session))
    before = {"status": batch.status}
    batch.capsule_weights_mg = [str(w) for w in weights] if weights else None
    batch.deviations = deviations
    batch.status = "recorded"
    batch.recorded_at = utcnow()
    batch.recorded_by_user_id = actor.user_id
    audit.record(
        session,
        actor,
        "batch.recorded",
        "batch",
        batch.id,
        before=before,
        after={
            "status": batch.status,
            "actuals": {str(k): v for k, v in given.items()},
            "capsule_weights_mg": weights,
            "deviations": deviations,
            "quantity_on_hand": batch.quantity_on_hand,
            "cost_total": cost.total,
            "unit_cost": cost.unit_cost,
            "pricing_rules": cost.rules_version,
        },
    )
    return batch_data(session, batch, today)


@use_case
def release_batch(
    session: Session,
    actor: Actor,
    batch_id: int | str,
    *,
    password: str,
    today: date,
    acknowledge_deviations: bool = False,
) -> dict[str, Any]:
    batch = locked_batch(session, batch_id)
    if batch.status == "in_progress":
        raise Conflict("Record the actual amounts and the weight check before the final check.")
    if batch.status != "recorded":
        raise Conflict(f"A {batch.status} batch cannot be released.")
    if batch.bud < today:
        raise Conflict(f"This batch is past its BUD {batch.bud.isoformat()}.")
    for component in batch.components:
        lot = component.ingredient_lot
        if lot is not None and lot.status in ("recalled", "rejected"):
            raise Conflict(f"Component lot {lot.manufacturer_lot} is {lot.status}.")
        src = component.source_batch
        if src is not None and src.status in ("recalled", "quarantined", "rejected"):
            raise Conflict(f"Component batch {src.lot_number} is {src.status}.")
    user = check_signature(session, actor, password)
    if batch.deviations and not acknowledge_deviations:
        raise Conflict(
            "This batch has deviations; review and acknowledge them to release: "
            + " ".join(batch.deviations),
            {"acknowledge_deviations": ["required: the batch has deviations"]},
        )
    before = {"status": batch.status}
    batch.status = "released"
    batch.checked_at = utcnow()
    batch.checked_by_user_id = actor.user_id
    batch.signature_name = user.full_name
    audit.record(
        session,
        actor,
        "batch.released",
        "batch",
        batch.id,
        before=before,
        after={
            "status": "released",
            "signature_name": user.full_name,
            "signature_meaning": RELEASE_MEANING,
            "acknowledged_deviations": list(batch.deviations),
            "self_checked": batch.recorded_by_user_id == actor.user_id,
        },
    )
    return batch_data(session, batch, today)


def _status_before_quarantine(batch: Batch) -> str:
    if batch.checked_at is not None:
        return "released"
    if batch.recorded_at is not None:
        return "recorded"
    return "in_progress"


def _recalled_sources(batch: Batch) -> tuple[list[str], list[str]]:
    """What the batch was made from that is now recalled or rejected (the pharmacist must
    acknowledge each), and component batches still in quarantine (to be cleared first)."""
    recalled, quarantined = [], []
    for component in batch.components:
        lot, src = component.ingredient_lot, component.source_batch
        if lot is not None and lot.status in ("recalled", "rejected"):
            recalled.append(f"ingredient lot {lot.manufacturer_lot} is {lot.status}")
        if src is not None and src.status in ("recalled", "rejected"):
            recalled.append(f"component batch {src.lot_number} is {src.status}")
        if src is not None and src.status == "quarantined":
            quarantined.append(src.lot_number)
    return recalled, quarantined


@use_case
def clear_quarantine(
    session: Session,
    actor: Actor,
    batch_id: int | str,
    *,
    password: str,
    reason: str,
    today: date,
    acknowledge_recalled_sources: bool = False,
) -> dict[str, Any]:
    """End a recall's quarantine of a batch after investigation: the batch goes back to
    where it was (released, recorded or in progress), signed by the pharmacist with the
    finding as the reason. A batch recalled itself, or rejected, never comes back."""
    batch = locked_batch(session, batch_id)
    if batch.status != "quarantined":
        raise Conflict(f"Only a quarantined batch can be cleared; this one is {batch.status}.")
    if batch.bud < today:
        raise Conflict(f"This batch is past its BUD {batch.bud.isoformat()}; reject it instead.")
    recalled, quarantined = _recalled_sources(batch)
    if quarantined:
        raise Conflict(
            "Clear or reject the quarantined component batch first: " + ", ".join(quarantined)
        )
    user = check_signature(session, actor, password)
    if recalled and not acknowledge_recalled_sources:
        raise Conflict(
            "This batch was made from recalled or rejected stock; acknowledge that your "
            "investigation found it unaffected: " + "; ".join(recalled) + ".",
            {"acknowledge_recalled_sources": ["required: " + "; ".join(recalled)]},
        )
    before = {"status": batch.status, "status_reason": batch.status_reason}
    batch.status = _status_before_quarantine(batch)
    batch.status_reason = None
    audit.record(
        session,
        actor,
        "batch.quarantine_cleared",
        "batch",
        batch.id,
        before=before,
        after={
            "status": batch.status,
            "signature_name": user.full_name,
            "signature_meaning": CLEAR_QUARANTINE_MEANING,
            "acknowledged_recalled_sources": recalled,
        },
        reason=reason,
    )
    return batch_data(session, batch, today)


@use_case
def reject_batch(
    session: Session, actor: Actor, batch_id: int | str, *, reason: str, today: date
) -> dict[str, Any]:
    batch = locked_batch(session, batch_id)
    if batch.status not in ("in_progress", "recorded", "quarantined"):
        raise Conflict(f"A {batch.status} batch cannot be rejected.")
    before = {"status": batch.status, "quantity_on_hand": batch.quantity_on_hand}
    batch.status = "rejected"
    batch.status_reason = reason
    batch.quantity_on_hand = Decimal(0)
    audit.record(
        session,
        actor,
        "batch.rejected",
        "batch",
        batch.id,
        before=before,
        after={"status": "rejected", "quantity_on_hand": 0},
        reason=reason,
    )
    return batch_data(session, batch, today)
