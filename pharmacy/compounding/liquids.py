"""Oral liquid: dose volumes, volume to make, vehicle, storage, worksheet (DOMAIN §5).

The syringe that measures the doses is chosen in :mod:`.syringes`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from pharmacy.compounding.aliquot import SolutionAliquotPlan, plan_solution_aliquot
from pharmacy.compounding.dose import check_dose
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.notes import Notes
from pharmacy.compounding.rules import Rules, VehicleComponent
from pharmacy.compounding.salts import ApiRequirement, ApiSource, api_requirement, to_hcl_mg
from pharmacy.compounding.syringes import choose_syringe
from pharmacy.compounding.titration import TitrationStep, total_days, validate_steps
from pharmacy.compounding.units import (
    ML_STEP,
    ceil_to,
    format_mg,
    format_mg_exact,
    format_mg_fixed,
    format_ml,
    plain,
    round_mg,
    round_ml,
)

HUNDRED = Decimal(100)
MG_PER_G = Decimal(1000)


@dataclass(frozen=True)
class LiquidRequest:
    concentration_mg_per_ml: Decimal
    quantity_ml: Decimal | None = None
    doses_mg: Sequence[Decimal] = ()
    titration: Sequence[TitrationStep] = ()
    syringe_ml: int | None = None  # None: the smallest syringe that fits every dose
    preserved: bool = True
    aqueous: bool = True
    overage_percent: Decimal | None = None
    api: ApiSource = field(default_factory=ApiSource)
    dose_basis: str = "hcl"
    balance_mwq_mg: Decimal | None = None
    # A batch made for stock serves many patients: their syringes are chosen when each
    # prescription is filled, so the worksheet names none.
    for_stock: bool = False


@dataclass(frozen=True)
class DoseVolume:
    dose_mg: Decimal
    volume_ml: Decimal


@dataclass(frozen=True)
class VehicleItem:
    code: str
    name: str
    amount: Decimal
    unit: str


@dataclass(frozen=True)
class LiquidQuote:
    concentration_mg_per_ml: Decimal
    dose_basis: str
    syringe_ml: int
    graduation_ml: Decimal
    dose_volumes: list[DoseVolume]
    dispensed_ml: Decimal
    overage_percent: Decimal
    volume_to_make_ml: Decimal  # exact: dispensed × (1 + overage), whole tablets from tablets
    api: ApiRequirement
    api_weigh_mg: Decimal | None  # batch weighing at 0.1 mg; None with tablets, or an aliquot
    vehicle: list[VehicleItem]
    bud_category: str
    storage: str
    auxiliary: list[str]
    days_supply: int | None
    balance_mwq_mg: Decimal
    acknowledgements: list[str]
    warnings: list[str]
    steps: list[str]
    rules_used: dict[str, str]
    # A naltrexone weighing below the MWQ goes through a stock solution.
    aliquot: SolutionAliquotPlan | None = None


def liquid_auxiliary(storage: str, rules: Rules) -> list[str]:
    """Auxiliary label texts of an oral liquid: shake well and protect from light always;
    refrigerate where the beyond-use date assumes the refrigerator (DOMAIN.md §5)."""
    texts = rules.liquid_texts
    wanted = ["shake_well", "protect_from_light"]
    if storage == "refrigerator":
        wanted.append("refrigerate")
    return [texts[key] for key in wanted if texts.get(key)]


@dataclass(frozen=True)
class _Batch:
    """The numbers of one liquid batch, worked out step by step (see :func:`_formulate`)."""

    syringe: int
    grad: Decimal
    dose_volumes: list[DoseVolume]
    dispensed: Decimal
    days_supply: int | None
    overage: Decimal
    volume: Decimal  # to make
    need: ApiRequirement
    mwq: Decimal
    w: Decimal | None  # the batch's API weighing (0.1 mg)
    aliquot: SolutionAliquotPlan | None
    vehicle: list[VehicleItem]
    category: str  # BUD category
    storage: str
    auxiliary: list[str]


def quote_liquid(req: LiquidRequest, rules: Rules) -> LiquidQuote:
    notes = Notes(rules)
    batch = _formulate(req, notes)
    weighings, steps = _worksheet(req, batch, rules)
    notes.warnings.extend(_below_balance_minimum(weighings, batch.mwq, batch.volume))
    return LiquidQuote(
        concentration_mg_per_ml=req.concentration_mg_per_ml,
        dose_basis=req.dose_basis,
        syringe_ml=batch.syringe,
        graduation_ml=batch.grad,
        dose_volumes=batch.dose_volumes,
        dispensed_ml=batch.dispensed,
        overage_percent=batch.overage,
        volume_to_make_ml=batch.volume,
        api=batch.need,
        api_weigh_mg=None if batch.aliquot is not None else batch.w,
        vehicle=batch.vehicle,
        bud_category=batch.category,
        storage=batch.storage,
        auxiliary=batch.auxiliary,
        days_supply=batch.days_supply,
        balance_mwq_mg=batch.mwq,
        acknowledgements=notes.acks,
        warnings=[x for x in notes.warnings if x],
        steps=steps,
        rules_used=notes.used,
        aliquot=batch.aliquot,
    )


def _formulate(req: LiquidRequest, notes: Notes) -> _Batch:
    """The batch's numbers, each step noting the rules it used and its warnings."""
    conc = req.concentration_mg_per_ml
    if conc <= 0:
        raise FormulationError(
            "concentration_mg_per_ml", "the concentration must be more than 0 mg/mL"
        )
    doses = _check_doses(req, notes)
    syringe = choose_syringe(req.syringe_ml, doses, conc, notes)
    dose_volumes = [DoseVolume(d, d / conc) for d in doses]
    dispensed, days_supply = _volume_to_dispense(req, dose_volumes, notes)
    overage = notes.given_or_rule(req.overage_percent, "liquid_overage_percent")
    if overage < 0:
        raise FormulationError("overage_percent", "overage cannot be negative")
    volume = dispensed * (1 + overage / HUNDRED)
    need, volume = _resolve_source(req, volume, notes)
    mwq = notes.given_or_rule(req.balance_mwq_mg, "balance_mwq_mg")
    if req.balance_mwq_mg is not None and mwq <= 0:
        raise FormulationError("balance_mwq_mg", "the balance minimum must be more than 0 mg")
    w = None if need.weigh_mg is None else round_mg(need.weigh_mg)
    aliquot = _solution_aliquot(req, need, mwq, volume, notes)
    vehicle, category = _vehicle(req, volume, notes)
    storage = _storage(category, notes)
    auxiliary = liquid_auxiliary(storage, notes.rules)
    notes.rule("liquid_texts")
    return _Batch(
        syringe=syringe,
        grad=notes.rules.syringe_graduations_ml[syringe],
        dose_volumes=dose_volumes,
        dispensed=dispensed,
        days_supply=days_supply,
        overage=overage,
        volume=volume,
        need=need,
        mwq=mwq,
        w=w,
        aliquot=aliquot,
        vehicle=vehicle,
        category=category,
        storage=storage,
        auxiliary=auxiliary,
    )


def _check_doses(req: LiquidRequest, notes: Notes) -> list[Decimal]:
    """Every dose (and titration step) against the hard stops: the distinct doses, in order."""
    acks = notes.acks
    notes.rule("dose_hard_stop_max_mg")
    doses: list[Decimal] = []
    for d in req.doses_mg:
        check = check_dose(d, notes.rules, field="dose_mg", basis=req.dose_basis)
        if check.acknowledgement and check.acknowledgement not in acks:
            acks.append(check.acknowledgement)
        if d not in doses:
            doses.append(d)
    if req.titration:
        for a in validate_steps(req.titration, notes.rules, basis=req.dose_basis):
            if a not in acks:
                acks.append(a)
        for s in req.titration:
            if s.dose_mg not in doses:
                doses.append(s.dose_mg)
    if not doses:
        raise FormulationError(
            "dose_mg",
            "a dose (or a titration plan) is needed to check "
            "that each dose can be measured with the syringe",
        )
    if acks:
        notes.rule("dose_ack_low_mg")
        notes.rule("dose_ack_high_mg")
    return doses


def _volume_to_dispense(
    req: LiquidRequest, dose_volumes: list[DoseVolume], notes: Notes
) -> tuple[Decimal, int | None]:
    """The volume to dispense (given, or the titration plan's) and the days it lasts."""
    conc = req.concentration_mg_per_ml
    days_supply: int | None = None
    if req.quantity_ml is not None:
        if req.quantity_ml <= 0:
            raise FormulationError("quantity", "the volume to dispense must be more than 0 mL")
        dispensed = req.quantity_ml
        if req.titration:
            plan_ml = sum((s.dose_mg / conc * s.days for s in req.titration), Decimal(0))
            days_supply = total_days(req.titration)
            if dispensed < plan_ml:
                notes.warnings.append(
                    f"{format_ml(dispensed)} mL is less than the "
                    f"{format_ml(plan_ml)} mL the titration plan needs."
                )
        elif len(dose_volumes) == 1:
            days_supply = int(dispensed / dose_volumes[0].volume_ml)
    elif req.titration:
        dispensed = sum((s.dose_mg / conc * s.days for s in req.titration), Decimal(0))
        days_supply = total_days(req.titration)
    else:
        raise FormulationError("quantity", "the volume to dispense (mL) is required")
    return dispensed, days_supply


def _resolve_source(
    req: LiquidRequest, volume: Decimal, notes: Notes
) -> tuple[ApiRequirement, Decimal]:
    """The API for the batch, potency-corrected; from tablets, whole tablets (and the volume
    they make at the concentration)."""
    rules = notes.rules
    conc = req.concentration_mg_per_ml
    notes.rule("mw_naltrexone_hcl")
    if req.api.is_tablets:
        notes.rule("tablet_label_claim_mg")
        claim = rules.tablet_label_claim_mg
        conc_hcl = to_hcl_mg(conc, req.dose_basis, rules)
        count = math.ceil(volume * conc_hcl / claim)
        whole = count * claim / conc_hcl
        volume = whole if round_ml(whole) == whole else ceil_to(whole, ML_STEP)
        need = api_requirement(count * claim, "hcl", req.api, rules)
        notes.warnings.append(
            "Made from commercial 50 mg tablets: the liquid is a suspension and "
            "contains lactose and the tablets' other excipients."
        )
    else:
        need = api_requirement(conc * volume, req.dose_basis, req.api, rules)
    if req.dose_basis == "base" or need.counted_substance != req.dose_basis:
        notes.rule(
            "mw_naltrexone_base"
            if "base" in (req.dose_basis, need.counted_substance)
            else "mw_naltrexone_hcl_dihydrate"
        )
    return need, volume


def _solution_aliquot(
    req: LiquidRequest, need: ApiRequirement, mwq: Decimal, volume: Decimal, notes: Notes
) -> SolutionAliquotPlan | None:
    """Naltrexone HCl dissolves in water: below the MWQ, weigh k times as much, dissolve
    it and measure the share the batch needs (the exact amount, as for capsules)."""
    if need.weigh_mg is None or not req.aqueous:
        return None
    aliquot = plan_solution_aliquot(
        need.weigh_mg,
        mwq,
        batch_ml=volume,
        aliquot_volumes_ml=notes.rules.liquid_aliquot_volumes_ml,
    )
    if aliquot is not None:
        notes.rule("liquid_aliquot_volumes_ml")
    return aliquot


def _vehicle(req: LiquidRequest, volume: Decimal, notes: Notes) -> tuple[list[VehicleItem], str]:
    """The vehicle's ingredients for the volume, and the BUD category the vehicle gives."""
    rules = notes.rules
    liquid_texts = rules.liquid_texts
    notes.rule("bud_categories")
    if req.aqueous and req.preserved:
        notes.rule("fawcett_vehicle")
        notes.rule("fawcett_reference")
        return [_vehicle_item(c, volume) for c in rules.fawcett_vehicle], "aqueous_preserved"
    if req.aqueous:
        notes.rule("liquid_texts")
        notes.warnings.append(liquid_texts.get("unpreserved_note", ""))
        water = VehicleItem("purified_water", "purified water, q.s. to", round_ml(volume), "mL")
        return [water], "aqueous_unpreserved"
    name = f"{liquid_texts.get('nonaqueous_vehicle', 'vehicle')}, q.s. to"
    return [VehicleItem("nonaqueous_vehicle", name, round_ml(volume), "mL")], "nonaqueous_liquid"


def _vehicle_item(c: VehicleComponent, volume: Decimal) -> VehicleItem:
    """One component of the preserved vehicle: weighed (w/v), measured (v/v) or q.s."""
    if c.basis == "w/v":
        return VehicleItem(c.code, c.name, round_mg(c.percent / HUNDRED * volume * MG_PER_G), "mg")
    if c.basis == "v/v":
        return VehicleItem(c.code, c.name, round_ml(c.percent / HUNDRED * volume), "mL")
    return VehicleItem(c.code, f"{c.name}, q.s. to", round_ml(volume), "mL")


def _storage(category: str, notes: Notes) -> str:
    """The BUD category's storage; the refrigerator where the preserved BUD outlasts the
    vehicle's stability at room temperature."""
    cat = notes.rules.bud_category(category)
    if category == "aqueous_preserved" and cat.days > notes.rules.fawcett_stable_days_room:
        notes.rule("fawcett_stable_days_room")
        return "refrigerator"
    return cat.storage


def _worksheet(
    req: LiquidRequest, b: _Batch, rules: Rules
) -> tuple[list[tuple[str, Decimal]], list[str]]:
    """The weighings and the worksheet's steps, in the order the technician works."""
    conc_text = f"{plain(req.concentration_mg_per_ml)} mg/mL" + (
        " (as naltrexone base)" if req.dose_basis == "base" else ""
    )
    with_overage = b.dispensed * (1 + b.overage / HUNDRED)
    whole_tablets = (
        ""
        if round_ml(with_overage) == round_ml(b.volume)
        else f" = {format_ml(with_overage)} mL, rounded up to use whole tablets"
    )
    steps = [
        f"Make {format_ml(b.volume)} mL of naltrexone HCl oral liquid {conc_text}: "
        f"{format_ml(b.dispensed)} mL to dispense + {plain(b.overage)} % overage"
        f"{whole_tablets}."
    ]
    weighings: list[tuple[str, Decimal]] = []
    _api_steps(req, b, rules, weighings, steps)
    _vehicle_steps(req, b, weighings, steps)
    steps.append(_packaging_step(req, b))
    steps.append("Label: " + " ".join(b.auxiliary))
    return weighings, steps


def _api_steps(
    req: LiquidRequest,
    b: _Batch,
    rules: Rules,
    weighings: list[tuple[str, Decimal]],
    steps: list[str],
) -> None:
    """Crush the tablets, or weigh the API: through a stock solution below the MWQ."""
    need, aliquot, api_name = b.need, b.aliquot, b.need.weigh_label
    basis_name = "naltrexone base" if req.dose_basis == "base" else "naltrexone HCl"
    if req.api.is_tablets:
        steps.append(
            f"Crush {need.tablets} naltrexone HCl {plain(rules.tablet_label_claim_mg)} "
            f"mg tablet{'s' if need.tablets != 1 else ''} to a fine powder and "
            "levigate with a little vehicle."
        )
    elif aliquot is not None:
        weighings.append((f"{api_name} (aliquot)", aliquot.api_weigh_mg))
        needed = f"{format_mg(need.prescribed_mg)} mg {basis_name}"
        steps += [
            f"Weigh {format_mg_fixed(aliquot.api_weigh_mg)} mg {api_name} ({aliquot.k} × "
            f"{format_mg_exact(aliquot.weigh_mg)} mg, aliquot method: {needed} needed).",
            f"Dissolve it in purified water and make up to {plain(aliquot.stock_ml)} mL "
            "(stock solution); mix until dissolved.",
            f"Measure {plain(aliquot.aliquot_ml)} mL of the stock solution (contains "
            f"{format_mg_exact(aliquot.delivered_mg)} mg {api_name}) into the batch; discard "
            f"the remaining {plain(aliquot.discarded_ml)} mL. It counts towards the water.",
        ]
    elif b.w is not None:
        weighings.append((api_name, b.w))
        steps.append(
            f"Weigh {format_mg_fixed(b.w)} mg {api_name} (= "
            f"{format_mg(need.prescribed_mg)} mg {basis_name})."
        )


def _vehicle_steps(
    req: LiquidRequest, b: _Batch, weighings: list[tuple[str, Decimal]], steps: list[str]
) -> None:
    """Weigh and measure the vehicle, dissolve or disperse, make up to volume."""
    vehicle = b.vehicle
    for item in vehicle:
        if item.unit == "mg":
            weighings.append((item.name, item.amount))
            steps.append(f"Weigh {format_mg_fixed(item.amount)} mg {item.name}.")
        elif item.code != vehicle[-1].code:
            steps.append(f"Measure {format_ml(item.amount)} mL {item.name}.")
    if req.aqueous:
        steps.append(
            "Dissolve the solids in about half of the water, add the other "
            "ingredients and mix until dissolved or uniform."
        )
    else:
        steps.append("Disperse the naltrexone in part of the vehicle and mix until uniform.")
    steps.append(
        f"Make up to {format_ml(b.volume)} mL with {vehicle[-1].name.split(',')[0]} and mix well."
    )


def _packaging_step(req: LiquidRequest, b: _Batch) -> str:
    """Amber bottles; for a patient, the syringe and each dose's volume on it."""
    if req.for_stock:
        return (
            "Package in amber bottles; each patient's oral syringe is chosen when their "
            "prescription is filled."
        )
    return (
        f"Package in an amber bottle with {b.syringe} mL oral syringes "
        f"({format_ml(b.grad)} mL graduations): "
        + ", ".join(
            f"{plain(dv.dose_mg)} mg = {format_ml(dv.volume_ml)} mL" for dv in b.dose_volumes
        )
        + "."
    )


def _below_balance_minimum(
    weighings: list[tuple[str, Decimal]], mwq: Decimal, volume: Decimal
) -> list[str]:
    """A warning for each weighing below the balance's MWQ, with the volume that avoids it."""
    warnings = []
    for what, mass in weighings:
        if mass < mwq:
            per_ml = mass / volume
            min_ml = math.ceil(mwq / per_ml)
            warnings.append(
                f"Weighing of {format_mg_fixed(mass)} mg {what} is below the balance minimum "
                f"of {format_mg_fixed(mwq)} mg: make at least {min_ml} mL, use a stock "
                "solution, or use a more sensitive balance."
            )
    return warnings
