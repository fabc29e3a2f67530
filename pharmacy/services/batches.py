"""Compounding batches: amounts from the engine for the ACTUAL chosen lots, lots suggested
first-expiry-first-out, the compounding record (actuals, weight check, deviations) and the
pharmacist's final check (DOMAIN.md §2-§6, §10).

Service functions (web and label engineers):

- `create_batch(actor, data, today) -> dict` — data: formula_code, strength_mg |
  concentration_mg_per_ml, quantity, lot_ids?, manufacturer_lots?, source_batch_ids?,
  capsule_size?, dose_basis?, dose_mg?, prescription_id?. Returns `batch_data(...)`.
- `preview_batch(actor, data, today) -> dict` — the same computation, nothing saved.
- `suggest_lots(formula_code, today, capsule_size=None) -> dict[role, list[lot dict]]` (FEFO)
- `record_batch(actor, batch_id, actuals, capsule_weights_mg, today, yield_units=None)`
- `release_batch(actor, batch_id, password, today, acknowledge_deviations=False)`
- `reject_batch(actor, batch_id, reason)`
- `get_batch(actor, batch_ref, today) -> dict`; `batch_ref` is an id or a lot number
- `list_batches(actor, status=None, formula_code=None, today) -> list[dict]`
- `batch_worksheet_data(batch_id, today) -> dict` — everything a worksheet / batch label
  prints: formula (code, version, name, steps, container, QC), lot number, BUD, storage,
  components with manufacturer, lot, expiry, theoretical and actual amounts, calculation
  steps, weight check, capsule weights, deviations, who compounded / checked and when.
- `batch_data(batch, today) -> dict` — the plain view every other function returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import false, select, update
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.bud import StabilityOverride, beyond_use_date
from pharmacy.compounding.capsules import CapsuleRequest, quote_capsules
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.fillers import allergic_to_lactose
from pharmacy.compounding.liquids import LiquidRequest, quote_liquid
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.salts import ApiSource, api_requirement
from pharmacy.compounding.units import plain, round_mg, round_ml
from pharmacy.db import parse_id
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import Batch, BatchComponent, Formula, IngredientLot, Item, Prescription, User
from pharmacy.models._types import utcnow
from pharmacy.services.catalog import formula_by_code
from pharmacy.services.counters import next_value
from pharmacy.services.lots import lot_state, return_to_lot, take_from_lot
from pharmacy.services.rules import current_rules
from pharmacy.services.signatures import check_signature
from pharmacy.services.uow import query, use_case

LOT_NUMBER = re.compile(r"^\d{6}-[A-Z]-\d{3,}$")
RELEASE_MEANING = (
    "I have checked this batch's compounding record, calculations, components, weights and "
    "quality checks, and release it for dispensing."
)
MAX_FEFO_TRIES = 50
HUNDRED = Decimal(100)


# --------------------------------------------------------------------------- choosing lots


@dataclass
class Source:
    """What one component comes from: an ingredient lot or an earlier batch."""

    lot: IngredientLot | None = None
    batch: Batch | None = None

    @property
    def label(self) -> str:
        if self.lot is not None:
            return f"{self.lot.item.name} lot {self.lot.manufacturer_lot}"
        assert self.batch is not None
        return f"batch {self.batch.lot_number}"

    @property
    def expiry(self) -> date:
        if self.lot is not None:
            return self.lot.expiry
        assert self.batch is not None
        return self.batch.bud

    @property
    def on_hand(self) -> Decimal:
        return (self.lot or self.batch).quantity_on_hand  # type: ignore[union-attr]


@dataclass
class PlannedComponent:
    role: str
    description: str
    source: Source
    unit: str
    amount: Decimal


@dataclass
class Plan:
    formula: Formula
    dosage_form: str
    unit: str
    units_made: Decimal
    quantity_requested: Decimal
    strength_mg: Decimal | None
    concentration_mg_per_ml: Decimal | None
    dose_basis: str
    potency_fraction: Decimal | None
    bud_category: str
    storage: str | None
    components: list[PlannedComponent]
    weight_check: dict[str, Any] | None
    calculation: dict[str, Any] = field(default_factory=dict)


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


# --------------------------------------------------------------------------- the engine


def _api_source(source: Source) -> tuple[ApiSource, bool]:
    if source.batch is not None:
        fraction = source.batch.potency_fraction or Decimal(1)
        return ApiSource(
            source="powder",
            form="hcl",
            assay_percent=fraction * HUNDRED,
            assay_basis="as_is",
            water_percent=Decimal(0),
        ), False
    lot = source.lot
    assert lot is not None
    if lot.item.kind == "api_tablet":
        return ApiSource(source="tablets", tablet_powder_mg_per_tablet=lot.tablet_powder_mg), True
    return ApiSource(
        source="powder",
        form=lot.coa_form or "hcl",
        assay_percent=lot.coa_assay_percent or HUNDRED,
        assay_basis=lot.coa_assay_basis or "as_is",
        water_percent=lot.coa_water_percent or Decimal(0),
    ), False


def _pack_stat(source: Source, size: str) -> Decimal | None:
    if source.lot is None:
        return None
    value = (source.lot.pack_stats_mg or {}).get(size)
    return None if value is None else Decimal(str(value))


def _engine(field_name: str, error: FormulationError) -> Invalid:
    return Invalid(error.field or field_name, error.message)


def _plan_capsules(
    formula: Formula,
    data: dict[str, Any],
    chosen: dict[str, Source],
    rules: Rules,
    rx: Prescription | None = None,
) -> Plan:
    strength = data.get("strength_mg")
    if strength is None:
        raise Invalid("strength_mg", "a capsule batch needs strength_mg")
    if data.get("concentration_mg_per_ml") is not None:
        raise Invalid("concentration_mg_per_ml", "applies to liquids only")
    quantity = data["quantity"]
    if quantity != quantity.to_integral_value():
        raise Invalid("quantity", "capsules are counted in whole numbers")
    size = data.get("capsule_size") or formula.capsule_size or rules.default_capsule_size
    api_source, tablets = _api_source(chosen["api"])
    if tablets and api_source.tablet_powder_mg_per_tablet is None:
        # The filler to weigh is the fill less the tablet powder: without the powder's mass
        # the batch cannot say how much filler it uses, nor check the weighing against it.
        lot = chosen["api"].lot
        raise Invalid(
            "lot_ids",
            f"tablet lot {lot.manufacturer_lot if lot else ''} has no tablet powder mass per "
            "tablet recorded (weigh 10 crushed tablets when receiving the lot): a capsule "
            "batch needs it to plan the filler",
        )
    filler = chosen["filler"].lot
    assert filler is not None
    request = CapsuleRequest(
        strength_mg=strength,
        quantity=int(quantity),
        dose_basis=data.get("dose_basis") or "hcl",
        capsule_size=size,
        filler_pack_stat_mg=_pack_stat(chosen["filler"], size),
        api_pack_stat_mg=None if tablets else _pack_stat(chosen["api"], size),
        api=api_source,
        filler_code=filler.item.engine_code or "mcc",
    )
    try:
        quote = quote_capsules(request, rules)
    except FormulationError as error:
        raise _engine("strength_mg", error) from error
    units = quote.units_to_make
    if tablets:
        api_amount, api_unit = Decimal(quote.api.tablets or 0), "each"
    elif quote.aliquot is not None:
        api_amount, api_unit = quote.aliquot.api_weigh_mg, "mg"
    else:
        api_amount, api_unit = quote.api_weigh_mg or Decimal(0), "mg"
    if quote.filler_weigh_mg is not None:
        filler_amount = quote.filler_weigh_mg
    else:
        filler_amount = round_mg(quote.filler_pack_stat_mg * units)
    if quote.aliquot is not None:
        filler_amount += quote.aliquot.diluent_mg
    components = [
        PlannedComponent("api", quote.api.weigh_label, chosen["api"], api_unit, api_amount),
        PlannedComponent(
            "filler", quote.filler_name, chosen["filler"], "mg", max(filler_amount, Decimal(0))
        ),
        PlannedComponent(
            "capsule_shell",
            f"size {size} capsule shells",
            chosen["capsule_shell"],
            "each",
            Decimal(units),
        ),
    ]
    wc = quote.weight_check
    return Plan(
        formula=formula,
        dosage_form="capsule",
        unit="capsule",
        units_made=Decimal(units),
        quantity_requested=quantity,
        strength_mg=strength,
        concentration_mg_per_ml=None,
        dose_basis=request.dose_basis,
        potency_fraction=None,
        bud_category=formula.bud_category,
        storage=None,
        components=components,
        weight_check={
            "sample": wc.sample,
            "theoretical_mg": wc.theoretical_mg,
            "low_mg": wc.low_mg,
            "high_mg": wc.high_mg,
        },
        calculation={
            "capsule_size": size,
            "units_to_make": units,
            "overage_percent": quote.overage_percent,
            "filler_pack_stat_mg": quote.filler_pack_stat_mg,
            "api_pack_stat_mg": quote.api_pack_stat_mg,
            "api_per_unit_mg": quote.api_per_unit_mg,
            "filler_per_unit_mg": quote.filler_per_unit_mg,
            "as_is_fraction": quote.api.as_is_fraction,
            "api_derivation": quote.api.derivation,
            "aliquot": None
            if quote.aliquot is None
            else {
                "k": quote.aliquot.k,
                "api_weigh_mg": quote.aliquot.api_weigh_mg,
                "diluent_mg": quote.aliquot.diluent_mg,
                "triturate_mg": quote.aliquot.triturate_mg,
                "aliquot_mg": quote.aliquot.aliquot_mg,
                "derivation": quote.aliquot.derivation,
            },
            "weighings": [{"what": w.what, "mass_mg": w.mass_mg} for w in quote.weighings],
            "steps": quote.steps,
            "warnings": quote.warnings,
            "acknowledgements": quote.acknowledgements,
            "rules_used": quote.rules_used,
        },
    )


def _plan_liquid(
    formula: Formula,
    data: dict[str, Any],
    chosen: dict[str, Source],
    rules: Rules,
    rx: Prescription | None = None,
) -> Plan:
    if data.get("strength_mg") is not None:
        raise Invalid("strength_mg", "applies to capsules only; give concentration_mg_per_ml")
    concentration = data.get("concentration_mg_per_ml")
    default = (formula.parameters or {}).get("concentration_mg_per_ml")
    if default is not None and concentration is not None and concentration != Decimal(str(default)):
        # The master formula is a preparation at one concentration; another one is another
        # preparation, with its own approved formula.
        raise Invalid(
            "concentration_mg_per_ml",
            f"master formula {formula.code} makes {plain(Decimal(str(default)))} mg/mL; a "
            f"{plain(concentration)} mg/mL liquid needs a master formula of its own",
        )
    if concentration is None:
        if default is None:
            raise Invalid("concentration_mg_per_ml", "a liquid batch needs a concentration")
        concentration = Decimal(str(default))
    api_source, tablets = _api_source(chosen["api"])
    if rx is not None and rx.dosage_form == "liquid":
        if rx.concentration_mg_per_ml != concentration:
            raise Invalid(
                "prescription_id",
                f"the prescription is for {plain(rx.concentration_mg_per_ml or Decimal(0))} "
                f"mg/mL; this batch would be {plain(concentration)} mg/mL",
            )
        # Made for one patient: their doses and their syringe go on the worksheet.
        doses = [s.dose_mg for s in rx.steps] or [rx.dose_mg or concentration]
        syringe, for_stock = rx.syringe_ml, False
    else:
        # For stock a 1 mL dose stands in to check that the concentration can be measured.
        doses = [data.get("dose_mg") or concentration]
        syringe, for_stock = None, data.get("dose_mg") is None
    request = LiquidRequest(
        concentration_mg_per_ml=concentration,
        quantity_ml=data["quantity"],
        doses_mg=doses,
        syringe_ml=syringe,
        preserved=formula.preserved,
        aqueous=formula.aqueous,
        api=api_source,
        dose_basis=data.get("dose_basis") or "hcl",
        for_stock=for_stock,
    )
    try:
        quote = quote_liquid(request, rules)
    except FormulationError as error:
        raise _engine("concentration_mg_per_ml", error) from error
    volume = round_ml(quote.volume_to_make_ml)
    if tablets:
        api_amount, api_unit = Decimal(quote.api.tablets or 0), "each"
    elif quote.aliquot is not None:
        api_amount, api_unit = quote.aliquot.api_weigh_mg, "mg"
    else:
        api_amount, api_unit = quote.api_weigh_mg or Decimal(0), "mg"
    components = [
        PlannedComponent("api", quote.api.weigh_label, chosen["api"], api_unit, api_amount)
    ]
    measured_ml = sum(
        (v.amount for v in quote.vehicle if v.unit == "mL" and not v.name.endswith("q.s. to")),
        Decimal(0),
    )
    for vehicle in quote.vehicle:
        source = chosen.get(vehicle.code)
        if source is None:
            raise Conflict(f"The formula {formula.code} has no component for {vehicle.name}.")
        amount = vehicle.amount
        if vehicle.name.endswith("q.s. to"):
            amount = max(volume - measured_ml, Decimal(0))
            if quote.aliquot is not None and vehicle.code == "purified_water":
                # The stock solution's water: the measured share is in the batch's q.s.,
                # the rest is discarded with the stock.
                amount += quote.aliquot.discarded_ml
        components.append(
            PlannedComponent(vehicle.code, vehicle.name, source, vehicle.unit, amount)
        )
    return Plan(
        formula=formula,
        dosage_form="liquid",
        unit="mL",
        units_made=volume,
        quantity_requested=data["quantity"],
        strength_mg=None,
        concentration_mg_per_ml=concentration,
        dose_basis=request.dose_basis,
        potency_fraction=None,
        bud_category=quote.bud_category,
        storage=quote.storage,
        components=components,
        weight_check=None,
        calculation={
            "volume_to_make_ml": quote.volume_to_make_ml,
            "dispensed_ml": quote.dispensed_ml,
            "overage_percent": quote.overage_percent,
            "syringe_ml": quote.syringe_ml,
            "as_is_fraction": quote.api.as_is_fraction,
            "api_derivation": quote.api.derivation,
            "aliquot": None
            if quote.aliquot is None
            else {
                "k": quote.aliquot.k,
                "api_weigh_mg": quote.aliquot.api_weigh_mg,
                "stock_ml": quote.aliquot.stock_ml,
                "aliquot_ml": quote.aliquot.aliquot_ml,
                "derivation": quote.aliquot.derivation,
            },
            "auxiliary": quote.auxiliary,
            "steps": quote.steps,
            "warnings": quote.warnings,
            "acknowledgements": quote.acknowledgements,
            "rules_used": quote.rules_used,
        },
    )


def _plan_triturate(
    formula: Formula,
    data: dict[str, Any],
    chosen: dict[str, Source],
    rules: Rules,
    rx: Prescription | None = None,
) -> Plan:
    for name in ("strength_mg", "concentration_mg_per_ml"):
        if data.get(name) is not None:
            raise Invalid(name, "a triturate is made by total mass (quantity in mg)")
    total = data["quantity"]
    fraction = Decimal(str((formula.parameters or {}).get("api_fraction", "0.1")))
    api_source, tablets = _api_source(chosen["api"])
    if tablets:
        raise Invalid("lot_ids", "a triturate is made from API powder")
    try:
        need = api_requirement(total * fraction, "hcl", api_source, rules)
    except FormulationError as error:
        raise _engine("quantity", error) from error
    api_mg = round_mg(need.weigh_mg or Decimal(0))
    filler_mg = total - api_mg
    if filler_mg <= 0:
        raise Invalid("quantity", "the API lot's potency leaves no room for the diluent")
    if api_mg < rules.balance_mwq_mg:
        raise Invalid(
            "quantity",
            f"the naltrexone weighing {api_mg} mg is below the balance "
            f"minimum {rules.balance_mwq_mg} mg; make more triturate",
        )
    components = [
        PlannedComponent("api", need.weigh_label, chosen["api"], "mg", api_mg),
        PlannedComponent("filler", "diluent", chosen["filler"], "mg", filler_mg),
    ]
    return Plan(
        formula=formula,
        dosage_form="triturate",
        unit="mg",
        units_made=total,
        quantity_requested=total,
        strength_mg=None,
        concentration_mg_per_ml=None,
        dose_basis="hcl",
        potency_fraction=fraction,
        bud_category=formula.bud_category,
        storage=None,
        components=components,
        weight_check=None,
        calculation={
            "api_fraction": fraction,
            "as_is_fraction": need.as_is_fraction,
            "api_derivation": need.derivation,
            "steps": [
                f"Weigh {api_mg} mg {need.weigh_label} and {filler_mg} mg diluent; "
                f"triturate geometrically to {total} mg ({plain(fraction * HUNDRED)} % "
                "naltrexone HCl)."
            ],
            "warnings": [],
            "acknowledgements": [],
            "rules_used": {"balance_mwq_mg": rules.describe("balance_mwq_mg")},
        },
    )


PLANNERS = {"capsule": _plan_capsules, "liquid": _plan_liquid, "triturate": _plan_triturate}


def _validate_quantity(data: dict[str, Any]) -> None:
    quantity = data.get("quantity")
    if quantity is None or quantity <= 0:
        raise Invalid("quantity", "must be more than 0")


def plan_batch(session: Session, data: dict[str, Any], today: date) -> Plan:
    """Choose lots (explicit, else FEFO) and compute the amounts from those very lots."""
    _validate_quantity(data)
    formula = formula_by_code(session, data["formula_code"], data.get("formula_version"))
    current = formula if data.get("formula_version") is None else formula_by_code(
        session, formula.code
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


def _bud(plan: Plan, today: date, rules: Rules) -> Any:
    formula = plan.formula
    override = None
    if formula.stability_days is not None and formula.stability_reference:
        override = StabilityOverride(
            formula.stability_days, formula.stability_storage or "", formula.stability_reference
        )
    expiries = [(c.source.label, c.source.expiry) for c in plan.components]
    try:
        return beyond_use_date(today, plan.bud_category, expiries, rules, override)
    except FormulationError as error:
        raise Conflict(error.message, {"lot_ids": [error.message]}) from error


def _lot_number(session: Session, letter: str, today: date) -> str:
    stamp = today.strftime("%y%m%d")
    number = next_value(session.connection(), f"lot:{stamp}:{letter}")
    return f"{stamp}-{letter}-{number:03d}"


def try_take_from_batch(session: Session, batch: Batch, amount: Decimal, today: date) -> bool:
    """Take `amount` from a released, in-date batch in one conditional UPDATE, so two takers
    racing for the last units cannot both succeed. False (nothing taken) when the batch is
    not usable or has too little; the batch is refreshed either way."""
    result = session.execute(
        update(Batch)
        .where(
            Batch.id == batch.id,
            Batch.status == "released",
            Batch.bud >= today,
            Batch.quantity_on_hand >= amount,
        )
        .values(quantity_on_hand=Batch.quantity_on_hand - amount)
        .execution_options(synchronize_session=False)
    )
    session.refresh(batch)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _take_from_batch(session: Session, batch: Batch, amount: Decimal, today: date) -> None:
    if not try_take_from_batch(session, batch, amount, today):
        raise Conflict(
            f"Batch {batch.lot_number} cannot supply {amount} {batch.unit}: "
            f"{batch.quantity_on_hand} on hand, status {batch.status}."
        )


def _take(session: Session, source: Source, amount: Decimal, today: date) -> None:
    if source.lot is not None:
        take_from_lot(session, source.lot, amount)
    elif source.batch is not None:
        _take_from_batch(session, source.batch, amount, today)


def _give_back(session: Session, source: Source, amount: Decimal) -> None:
    if source.lot is not None:
        return_to_lot(session, source.lot, amount)
    elif source.batch is not None and amount > 0:
        session.execute(
            update(Batch)
            .where(Batch.id == source.batch.id)
            .values(quantity_on_hand=Batch.quantity_on_hand + amount)
            .execution_options(synchronize_session=False)
        )


def batch_has_lactose(batch: Batch) -> bool:
    """Whether anything that went into the batch contains lactose: 50 mg tablets, a
    lactose filler, or a triturate made with one."""
    for component in batch.components:
        lot = component.ingredient_lot
        if lot is not None and lot.item.contains_lactose:
            return True
        if component.source_batch is not None and batch_has_lactose(component.source_batch):
            return True
    return False


def _source_has_lactose(source: Source) -> bool:
    if source.lot is not None:
        return bool(source.lot.item.contains_lactose)
    return source.batch is not None and batch_has_lactose(source.batch)


def _prescription_check(session: Session, data: dict[str, Any], plan: Plan) -> int | None:
    rx_id = data.get("prescription_id")
    if rx_id is None:
        return None
    rx = session.get(Prescription, rx_id)
    if rx is None:
        raise Invalid("prescription_id", "no prescription has this id")
    if rx.status not in ("verified", "filled"):
        raise Conflict(f"A {rx.status} prescription cannot have a batch made for it.")
    if rx.dosage_form != plan.dosage_form:
        raise Invalid("formula_code", f"the prescription is for a {rx.dosage_form}")
    if allergic_to_lactose(rx.patient.allergies):
        with_lactose = [c.description for c in plan.components if _source_has_lactose(c.source)]
        if with_lactose:
            raise Conflict(
                f"The patient's record lists a lactose allergy and {', '.join(with_lactose)} "
                "contain lactose: choose lactose-free lots.",
                {"lot_ids": ["contains lactose"]},
            )
    return rx.id


@query
def preview_batch(
    session: Session, actor: Actor, data: dict[str, Any], *, today: date
) -> dict[str, Any]:
    plan = plan_batch(session, data, today)
    bud = _bud(plan, today, current_rules(session))
    return {
        "formula_code": plan.formula.code,
        "formula_version": plan.formula.version,
        "units_made": plan.units_made,
        "unit": plan.unit,
        "bud": bud.date,
        "bud_limited_by": bud.limited_by,
        "storage": plan.storage or bud.storage,
        "components": [_planned_view(c) for c in plan.components],
        "weight_check": plan.weight_check,
        "calculation": plan.calculation,
    }


def _planned_view(c: PlannedComponent) -> dict[str, Any]:
    return {
        "role": c.role,
        "description": c.description,
        "ingredient_lot_id": c.source.lot.id if c.source.lot else None,
        "source_batch_id": c.source.batch.id if c.source.batch else None,
        "source_label": c.source.label,
        "expiry": c.source.expiry,
        "unit": c.unit,
        "theoretical_amount": c.amount,
        "theoretical_mg": c.amount if c.unit == "mg" else None,
    }


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


# --------------------------------------------------------------------------- record & check


def locked_batch(session: Session, batch_ref: int | str) -> Batch:
    stmt = select(Batch).with_for_update(of=Batch)
    stmt = stmt.where(_ref_clause(batch_ref))
    batch = session.execute(stmt).scalar_one_or_none()
    if batch is None:
        raise NotFound("No such batch.")
    return batch


def _ref_clause(batch_ref: int | str) -> Any:
    """A batch by id or by lot number. A number beyond any id matches nothing (404), not an
    overflow in the database."""
    text = str(batch_ref).strip()
    if isinstance(batch_ref, int) or (text.isascii() and text.isdigit()):
        number = parse_id(text)
        return Batch.id == number if number is not None else false()
    return Batch.lot_number == text.upper()


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
    weights = [Decimal(w) for w in capsule_weights_mg or []]
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
    if yield_units is not None:
        if yield_units <= 0 or yield_units > batch.units_made:
            raise Invalid("yield_units", f"must be more than 0 and at most {batch.units_made}")
        if batch.dosage_form == "capsule" and yield_units != yield_units.to_integral_value():
            raise Invalid("yield_units", "capsules are counted in whole numbers")
        batch.quantity_on_hand = yield_units
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


CLEAR_QUARANTINE_MEANING = (
    "I have investigated the recall that quarantined this batch and found this batch "
    "unaffected; I return it to the state it was in before the quarantine."
)


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


# --------------------------------------------------------------------------- reading


def _user_name(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return None if user is None else user.full_name


def batch_state(batch: Batch, today: date) -> str:
    if batch.status == "released" and batch.bud < today:
        return "expired"
    return batch.status


def component_data(c: BatchComponent) -> dict[str, Any]:
    lot, src = c.ingredient_lot, c.source_batch
    return {
        "id": c.id,
        "position": c.position,
        "role": c.role,
        "description": c.description,
        "ingredient_lot_id": c.ingredient_lot_id,
        "source_batch_id": c.source_batch_id,
        "source_lot_number": src.lot_number if src else None,
        "item_code": lot.item.code if lot else None,
        "manufacturer": lot.manufacturer if lot else None,
        "manufacturer_lot": lot.manufacturer_lot if lot else None,
        "expiry": lot.expiry if lot else (src.bud if src else None),
        "unit": c.unit,
        "theoretical_amount": c.theoretical_amount,
        "actual_amount": c.actual_amount,
        "theoretical_mg": c.theoretical_amount if c.unit == "mg" else None,
        "actual_mg": c.actual_amount if c.unit == "mg" else None,
        "deviation": c.deviation,
    }


def batch_data(session: Session, batch: Batch, today: date) -> dict[str, Any]:
    formula = batch.formula
    return {
        "id": batch.id,
        "lot_number": batch.lot_number,
        "status": batch_state(batch, today),
        "formula_code": formula.code,
        "formula_version": formula.version,
        "formula_name": formula.name,
        "dosage_form": batch.dosage_form,
        "dose_basis": batch.dose_basis,
        "strength_mg": batch.strength_mg,
        "concentration_mg_per_ml": batch.concentration_mg_per_ml,
        "potency_fraction": batch.potency_fraction,
        "prescription_id": batch.prescription_id,
        "quantity": batch.quantity_requested,
        "units_made": batch.units_made,
        "quantity_on_hand": batch.quantity_on_hand,
        "unit": batch.unit,
        "compounded_on": batch.compounded_on,
        "bud": batch.bud,
        "bud_days": batch.bud_days,
        "bud_limited_by": batch.bud_limited_by,
        "bud_rule": batch.bud_rule,
        "storage": batch.storage,
        "components": [component_data(c) for c in batch.components],
        "weight_check": batch.weight_check,
        "capsule_weights_mg": batch.capsule_weights_mg,
        "deviations": list(batch.deviations or []),
        "calculation": batch.calculation,
        "status_reason": batch.status_reason,
        "created_at": batch.created_at,
        "compounded_by": _user_name(session, batch.created_by_user_id),
        "recorded_by": _user_name(session, batch.recorded_by_user_id),
        "recorded_at": batch.recorded_at,
        "checked_by": _user_name(session, batch.checked_by_user_id),
        "checked_at": batch.checked_at,
        "signature_name": batch.signature_name,
    }


def batch_by_ref(session: Session, batch_ref: int | str) -> Batch:
    batch = session.execute(select(Batch).where(_ref_clause(batch_ref))).scalar_one_or_none()
    if batch is None:
        raise NotFound("No such batch.")
    return batch


@query
def get_batch(
    session: Session, actor: Actor, batch_ref: int | str, *, today: date
) -> dict[str, Any]:
    return batch_data(session, batch_by_ref(session, batch_ref), today)


@query
def list_batches(
    session: Session,
    actor: Actor,
    *,
    today: date,
    status: str | None = None,
    formula_code: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    stmt = select(Batch).join(Formula)
    if status == "expired":
        stmt = stmt.where(Batch.status == "released", Batch.bud < today)
    elif status == "released":
        stmt = stmt.where(Batch.status == "released", Batch.bud >= today)
    elif status:
        stmt = stmt.where(Batch.status == status)
    if formula_code:
        stmt = stmt.where(Formula.code == formula_code)
    rows = session.execute(stmt.order_by(Batch.id.desc()).limit(limit)).scalars()
    return [batch_data(session, b, today) for b in rows]


@query
def suggest_lots(
    session: Session, formula_code: str, *, today: date, capsule_size: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """FEFO: for each component of the formula, the usable lots, first-expiring first."""
    formula = formula_by_code(session, formula_code)
    return {
        role: [
            {
                "id": lot.id,
                "item_code": lot.item.code,
                "manufacturer": lot.manufacturer,
                "manufacturer_lot": lot.manufacturer_lot,
                "expiry": lot.expiry,
                "quantity_on_hand": lot.quantity_on_hand,
                "unit": lot.item.base_unit,
            }
            for lot in _fefo(session, codes, today)
        ]
        for role, codes in _roles(formula, capsule_size)
    }


@query
def batch_worksheet_data(session: Session, batch_id: int | str, *, today: date) -> dict[str, Any]:
    """Plain data for the compounding worksheet and the batch (stock) label."""
    batch = batch_by_ref(session, batch_id)
    formula = batch.formula
    data = batch_data(session, batch, today)
    strength = (
        f"{plain(batch.strength_mg)} mg"
        if batch.strength_mg is not None
        else f"{plain(batch.concentration_mg_per_ml)} mg/mL"
        if batch.concentration_mg_per_ml is not None
        else f"{plain((batch.potency_fraction or Decimal(0)) * HUNDRED)} % w/w"
    )
    data.update(
        {
            "preparation": formula.name,
            "strength": strength,
            "form": batch.dosage_form,
            "quantity_text": f"{plain(batch.units_made)} {batch.unit}"
            + ("s" if batch.unit == "capsule" and batch.units_made != 1 else ""),
            "formula": {
                "code": formula.code,
                "version": formula.version,
                "name": formula.name,
                "ingredients": formula.ingredients,
                "steps": formula.steps,
                "container": formula.container,
                "labeling": formula.labeling,
                "quality_checks": formula.quality_checks,
                "reference": formula.reference,
                "bud_category": formula.bud_category,
            },
        }
    )
    return data
