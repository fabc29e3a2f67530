"""Choosing the lots a batch is made from. Lots (or a triturate) the user names are checked
usable; for every other component the formula's items are tried first-expiry-first-out
(FEFO) until each chosen lot has the stock the plan for those very lots needs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.errors import Conflict, Invalid
from pharmacy.models import Batch, Formula, IngredientLot, Item, Prescription
from pharmacy.services.batches.planning import PLANNERS, Plan, Source
from pharmacy.services.catalog import formula_by_code
from pharmacy.services.lots import lot_state
from pharmacy.services.rules import current_rules

MAX_FEFO_TRIES = 50


def _roles(formula: Formula, capsule_size: str | None) -> list[tuple[str, list[str]]]:
    roles = []
    for ingredient in formula.ingredients:
        codes = list(ingredient["item_codes"])
        if ingredient["role"] == "capsule_shell" and capsule_size:
            codes = [f"capsule-{capsule_size}"]
        roles.append((ingredient["role"], codes))
    return roles


def _usable_problem(lot: IngredientLot, today: date) -> str | None:
    state = lot_state(lot, today)
    if state == "released":
        return None
    if state == "expired":
        return f"lot {lot.manufacturer_lot} ({lot.item.name}) expired on {lot.expiry.isoformat()}"
    return f"lot {lot.manufacturer_lot} ({lot.item.name}) is {state}"


def _batch_problem(batch: Batch, today: date) -> str | None:
    if batch.status != "released":
        return f"batch {batch.lot_number} is {batch.status}"
    if batch.bud < today:
        return f"batch {batch.lot_number} is past its BUD {batch.bud.isoformat()}"
    return None


def _fefo(session: Session, codes: list[str], today: date) -> list[IngredientLot]:
    rows = session.execute(
        select(IngredientLot)
        .join(Item)
        .where(
            Item.code.in_(codes),
            IngredientLot.status == "released",
            IngredientLot.expiry >= today,
            IngredientLot.quantity_on_hand > 0,
        )
        .order_by(IngredientLot.expiry, IngredientLot.received_at, IngredientLot.id)
    ).scalars()
    lots = list(rows)
    # Prefer the formula's first-listed item (powder before tablets), FEFO within it.
    return sorted(lots, key=lambda lot: codes.index(lot.item.code))


def _explicit_sources(
    session: Session, data: dict[str, Any], roles: list[tuple[str, list[str]]], today: date
) -> dict[str, Source]:
    chosen: dict[str, Source] = {}
    lots: list[IngredientLot] = []
    for lot_id in data.get("lot_ids") or []:
        lot = session.get(IngredientLot, lot_id)
        if lot is None:
            raise Invalid("lot_ids", f"no ingredient lot has the id {lot_id}")
        lots.append(lot)
    for text in data.get("manufacturer_lots") or []:
        found = list(
            session.execute(
                select(IngredientLot).where(IngredientLot.manufacturer_lot == text.strip())
            ).scalars()
        )
        if not found:
            raise Invalid("manufacturer_lots", f"no received lot has the manufacturer lot '{text}'")
        wanted = {c for _, codes in roles for c in codes}
        found = [lot for lot in found if lot.item.code in wanted] or found
        if len(found) > 1:
            raise Invalid("manufacturer_lots", f"'{text}' matches {len(found)} lots; choose by id")
        lots.append(found[0])
    for lot in lots:
        role = next((r for r, codes in roles if lot.item.code in codes), None)
        if role is None:
            allowed = ", ".join(c for _, codes in roles for c in codes)
            raise Invalid(
                "lot_ids",
                f"lot {lot.id} is {lot.item.code}, which this formula does "
                f"not use (it uses {allowed})",
            )
        if role in chosen and chosen[role].lot is not lot:
            raise Invalid("lot_ids", f"two lots given for the {role}; choose one")
        problem = _usable_problem(lot, today)
        if problem:
            raise Conflict(
                f"Cannot use {problem}: only released, unexpired lots can be used.",
                {"lot_ids": [problem]},
            )
        chosen[role] = Source(lot=lot)
    for batch_id in data.get("source_batch_ids") or []:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise Invalid("source_batch_ids", f"no batch has the id {batch_id}")
        if batch.potency_fraction is None:
            raise Invalid("source_batch_ids", f"batch {batch.lot_number} is not a triturate")
        if "api" in chosen:
            raise Invalid("source_batch_ids", "the naltrexone comes from one lot or triturate")
        problem = _batch_problem(batch, today)
        if problem:
            raise Conflict(f"Cannot use {problem}.", {"source_batch_ids": [problem]})
        chosen["api"] = Source(batch=batch)
    return chosen


def _validate_quantity(data: dict[str, Any]) -> None:
    quantity = data.get("quantity")
    if quantity is None or quantity <= 0:
        raise Invalid("quantity", "must be more than 0")


def plan_batch(session: Session, data: dict[str, Any], today: date) -> Plan:
    """Choose lots (explicit, else FEFO) and compute the amounts from those very lots."""
    _validate_quantity(data)
    formula = formula_by_code(session, data["formula_code"], data.get("formula_version"))
    current = (
        formula if data.get("formula_version") is None else formula_by_code(session, formula.code)
    )
    if formula.version != current.version:
        # An approved new version governs every batch started after it (REVISION_MEANING).
        raise Invalid(
            "formula_version",
            f"{formula.code} version {formula.version} is superseded: batches now follow "
            f"version {current.version}",
        )
    rules = current_rules(session)
    if data.get("capsule_size") and formula.dosage_form != "capsule":
        raise Invalid("capsule_size", "applies to capsule formulas only")
    if data.get("capsule_size") and data["capsule_size"] not in rules.capsule_volumes_ml:
        raise Invalid(
            "capsule_size", f"unknown size; use one of {', '.join(rules.capsule_volumes_ml)}"
        )
    roles = _roles(formula, data.get("capsule_size"))
    explicit = _explicit_sources(session, data, roles, today)
    candidates: dict[str, list[Source]] = {}
    index: dict[str, int] = {}
    for role, codes in roles:
        if role in explicit:
            candidates[role] = [explicit[role]]
        else:
            candidates[role] = [Source(lot=lot) for lot in _fefo(session, codes, today)]
            if not candidates[role]:
                names = " or ".join(codes)
                raise Conflict(
                    f"No released, unexpired lot of {names} with stock on hand.",
                    {"lot_ids": [f"no usable lot for the {role}"]},
                )
        index[role] = 0
    planner = PLANNERS[formula.dosage_form]
    rx_id = data.get("prescription_id")
    rx = session.get(Prescription, rx_id) if rx_id is not None else None
    for _ in range(MAX_FEFO_TRIES):
        chosen = {role: candidates[role][index[role]] for role, _ in roles}
        plan = planner(formula, data, chosen, rules, rx)
        short = next((c for c in plan.components if c.source.on_hand < c.amount), None)
        if short is None:
            return plan
        role = short.role
        if role in explicit or index[role] + 1 >= len(candidates[role]):
            raise Conflict(
                f"Not enough stock: {short.source.label} has {short.source.on_hand} "
                f"{short.unit}, the batch needs {short.amount} {short.unit}.",
                {"lot_ids": [f"too little stock for the {role}"]},
            )
        index[role] += 1
    raise Conflict("No combination of lots has enough stock for this batch.")
