"""The current standard cost of a formula and strength (DOMAIN.md §12): what one unit
(capsule or mL) costs, for the prescriber's preview, the pharmacist's verification page and
`GET /api/v1/prescriptions/{id}/price`.

1. The newest batch of that form, dose basis and strength whose cost is complete (every
   component's lot had a cost; rejected batches aside): its cost per unit.
2. Else the formula itself: the batch planner (the same engine a real batch uses: salt and
   potency from the lot's CoA, pack stats, overage, the aliquot below the balance minimum)
   plans a standard batch (rule ``standard_batch_units``) from the newest received costed
   lot of each ingredient (:data:`~pharmacy.services.costing.NEWEST_LOT_BASIS`), and
   :func:`~pharmacy.services.costing.cost_components` — the batch cost model itself — costs
   it: ingredients, containers and labels, labour, overhead, over the units it makes.

When neither gives a cost, the answer says why by name (``reason_code``): ``no_formula``,
``ingredient_not_costed`` (with the ingredients in ``missing``) or ``formula_not_plannable``
— never a zero counted as a cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.compounding import pricing
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.units import plain
from pharmacy.errors import DomainError
from pharmacy.models import Batch, Formula, IngredientLot, Item
from pharmacy.services.batches.planning import PLANNERS, Source
from pharmacy.services.catalog import list_formulas
from pharmacy.services.costing import (
    NEWEST_LOT_BASIS,
    cost_components,
    lot_cost,
    newest_costed_lot,
    plain_json,
)

# How many of the newest costed batches are looked at for one with a complete cost.
RECENT_BATCHES = 20
UNIT_WORDS = {"capsule": "capsules", "liquid": "mL"}


@dataclass(frozen=True)
class StandardCost:
    """A cost per unit (None when none can be made, with the reason) and where it came
    from (``basis``, shown in the estimate's breakdown)."""

    unit_cost: Decimal | None
    basis: dict[str, Any]
    reason_code: str | None = None
    reason: str | None = None
    missing: tuple[str, ...] = field(default=())

    @property
    def description(self) -> str:
        if self.basis.get("source") == "batch":
            return f"standard cost per unit: batch {self.basis['batch']}"
        if self.basis.get("source") == "formula":
            return (
                f"standard cost per unit: formula {self.basis['formula']} v"
                f"{self.basis['formula_version']}, a batch of "
                f"{plain(Decimal(self.basis['standard_batch_units']))} "
                f"{UNIT_WORDS.get(self.basis['dosage_form'], '')}, ingredients at the "
                f"{NEWEST_LOT_BASIS}'s cost"
            )
        return "standard cost per unit"


def from_batches(
    session: Session, dosage_form: str, dose_basis: str, strength: Decimal
) -> StandardCost | None:
    """The newest batch of this preparation with a complete cost (every component costed)."""
    column = Batch.strength_mg if dosage_form == "capsule" else Batch.concentration_mg_per_ml
    batches = session.execute(
        select(Batch)
        .where(
            Batch.dosage_form == dosage_form,
            Batch.dose_basis == dose_basis,
            column == strength,
            Batch.unit_cost.is_not(None),
            Batch.status != "rejected",
        )
        .order_by(Batch.recorded_at.desc(), Batch.id.desc())
        .limit(RECENT_BATCHES)
    ).scalars()
    for batch in batches:
        if (batch.cost_breakdown or {}).get("complete") is True:
            return StandardCost(
                batch.unit_cost,
                {
                    "source": "batch",
                    "batch": batch.lot_number,
                    "formula": batch.formula.code,
                    "unit_cost": str(batch.unit_cost),
                },
            )
    return None


def _formulas_for(
    session: Session, dosage_form: str, strength: Decimal, filler: str | None
) -> list[Formula]:
    """The newest active formulas for this form, by code: a liquid's at this
    concentration, a capsule's with this filler."""
    found = []
    for formula in list_formulas.in_session(session):  # type: ignore[attr-defined]
        if formula.dosage_form != dosage_form:
            continue
        fixed = (formula.parameters or {}).get("concentration_mg_per_ml")
        if dosage_form == "liquid" and fixed is not None and Decimal(str(fixed)) != strength:
            continue
        if dosage_form == "capsule" and filler and not _uses_filler(session, formula, filler):
            continue
        found.append(formula)
    return found


def _uses_filler(session: Session, formula: Formula, filler: str) -> bool:
    codes = [c for i in formula.ingredients if i["role"] == "filler" for c in i["item_codes"]]
    engine_codes = session.execute(select(Item.engine_code).where(Item.code.in_(codes))).scalars()
    return filler in set(engine_codes) | set(codes)


def _role_codes(formula: Formula, rules: Rules) -> list[tuple[str, list[str]]]:
    size = formula.capsule_size or rules.default_capsule_size
    return [
        (
            i["role"],
            [f"capsule-{size}"] if i["role"] == "capsule_shell" else list(i["item_codes"]),
        )
        for i in formula.ingredients
    ]


def _item_names(session: Session, codes: list[str]) -> str:
    names = session.execute(select(Item.name).where(Item.code.in_(codes))).scalars()
    return " or ".join(sorted(names)) or " or ".join(codes)


def from_formula(
    session: Session,
    *,
    dosage_form: str,
    dose_basis: str,
    strength: Decimal,
    filler: str | None,
    rules: Rules,
) -> StandardCost:
    """The cost per unit of a standard batch planned from the formula and the newest costed
    lot of each of its ingredients. Where several formulas fit (a liquid preserved or
    not), the first by code that can be costed; else the first one's reason."""
    formulas = _formulas_for(session, dosage_form, strength, filler)
    if not formulas:
        what = f"{plain(strength)} {'mg' if dosage_form == 'capsule' else 'mg/mL'}"
        return StandardCost(
            None,
            {"source": "formula"},
            "no_formula",
            f"no active master formula makes this {dosage_form} ({what})",
        )
    tried = [
        _formula_cost(session, formula, dose_basis=dose_basis, strength=strength, rules=rules)
        for formula in formulas
    ]
    return next((t for t in tried if t.unit_cost is not None), tried[0])


def _formula_cost(
    session: Session, formula: Formula, *, dose_basis: str, strength: Decimal, rules: Rules
) -> StandardCost:
    dosage_form = formula.dosage_form
    units = Decimal(rules.standard_batch_units[dosage_form])
    basis: dict[str, Any] = {
        "source": "formula",
        "formula": formula.code,
        "formula_version": formula.version,
        "dosage_form": dosage_form,
        "standard_batch_units": str(units),
        "ingredient_cost_basis": NEWEST_LOT_BASIS,
    }
    chosen: dict[str, Source] = {}
    missing: list[str] = []
    for role, codes in _role_codes(formula, rules):
        lot = newest_costed_lot(session, codes)
        if lot is None:
            missing.append(_item_names(session, codes))
        else:
            chosen[role] = Source(lot=lot)
    if missing:
        return StandardCost(
            None,
            basis,
            "ingredient_not_costed",
            f"no lot of {'; '.join(missing)} has a purchase cost, so the standard cost of "
            f"{formula.code} cannot be made (receive a lot with its purchase_cost)",
            tuple(missing),
        )
    key = "strength_mg" if dosage_form == "capsule" else "concentration_mg_per_ml"
    data = {key: strength, "quantity": units, "dose_basis": dose_basis}
    try:
        plan = PLANNERS[dosage_form](formula, data, chosen, rules, None)
    except DomainError as error:
        return StandardCost(None, basis, "formula_not_plannable", error.message)
    components = [_planned(c.source.lot, c) for c in plan.components]
    cost = cost_components(
        session, components, dosage_form=dosage_form, units=plan.units_made, rules=rules
    )
    basis.update(units_made=str(plan.units_made), batch_cost=plain_json(cost.as_dict()))
    return StandardCost(cost.unit_cost, basis)


def _planned(lot: IngredientLot | None, component: Any) -> pricing.CostedComponent:
    assert lot is not None  # a standard batch is planned from lots only
    unit_cost, basis = lot_cost(lot)
    return pricing.CostedComponent(
        component.description, component.amount, component.unit, unit_cost, basis
    )


def standard_cost(
    session: Session,
    *,
    dosage_form: str,
    dose_basis: str,
    strength: Decimal,
    filler: str | None,
    rules: Rules,
) -> StandardCost:
    """The current standard cost of this preparation: a batch's, else the formula's."""
    found = from_batches(session, dosage_form, dose_basis, strength)
    if found is not None:
        return found
    return from_formula(
        session,
        dosage_form=dosage_form,
        dose_basis=dose_basis,
        strength=strength,
        filler=filler,
        rules=rules,
    )
