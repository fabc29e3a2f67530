"""Oral liquid: dose volumes on syringe graduations, volume to make, vehicle (DOMAIN §5)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from pharmacy.compounding.aliquot import SolutionAliquotPlan, plan_solution_aliquot
from pharmacy.compounding.dose import check_dose
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.salts import ApiRequirement, ApiSource, api_requirement, to_hcl_mg
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


def on_graduation(volume_ml: Decimal, graduation_ml: Decimal) -> bool:
    """True when ``volume_ml`` is an exact whole number of graduations."""
    steps = volume_ml / graduation_ml
    return steps == steps.to_integral_value() and steps * graduation_ml == volume_ml


def fits_syringe(volume_ml: Decimal, syringe_ml: int, rules: Rules) -> bool:
    grad = rules.syringe_graduations_ml[syringe_ml]
    return 0 < volume_ml <= syringe_ml and on_graduation(volume_ml, grad)


def propose_concentration(
    doses_mg: Sequence[Decimal], rules: Rules, syringe_ml: int | None = None
) -> tuple[Decimal, int] | None:
    """A concentration from the rules' list (and a syringe) that fits every dose."""
    syringes = sorted(rules.syringe_graduations_ml)
    if syringe_ml is not None:
        syringes = [syringe_ml] + [s for s in syringes if s != syringe_ml]
    for s in syringes:
        for conc in rules.liquid_concentrations_mg_per_ml:
            if all(fits_syringe(d / conc, s, rules) for d in doses_mg):
                return conc, s
    return None


def _syringe_error(
    doses: Sequence[Decimal], conc: Decimal, syringe: int | None, rules: Rules
) -> FormulationError:
    problems = []
    too_big = False
    for d in doses:
        vol = d / conc
        shown = format_ml(vol) if round_ml(vol) == vol else f"{vol:.3f}…"
        if syringe is not None and vol > syringe:
            too_big = True
            problems.append(f"{plain(d)} mg is {shown} mL, more than a {syringe} mL syringe holds")
        elif syringe is not None and not fits_syringe(vol, syringe, rules):
            grad = rules.syringe_graduations_ml[syringe]
            problems.append(
                f"{plain(d)} mg is {shown} mL, not on the {format_ml(grad)} mL "
                f"graduations of a {syringe} mL syringe"
            )
    if syringe is None:
        problems.append(f"at {plain(conc)} mg/mL no oral syringe measures every dose")
    proposal = propose_concentration(doses, rules, syringe)
    if proposal is None:
        advice = "no listed concentration measures every dose; adjust the doses"
    else:
        p_conc, p_syr = proposal
        vols = ", ".join(f"{plain(d)} mg = {format_ml(d / p_conc)} mL" for d in doses)
        advice = f"use {plain(p_conc)} mg/mL with a {p_syr} mL syringe ({vols})"
    field_name = "syringe_ml" if too_big else "concentration_mg_per_ml"
    return FormulationError(field_name, f"{'; '.join(problems)}: {advice}")


def liquid_auxiliary(storage: str, rules: Rules) -> list[str]:
    """Auxiliary label texts of an oral liquid: shake well and protect from light always;
    refrigerate where the beyond-use date assumes the refrigerator (DOMAIN.md §5)."""
    texts = rules.liquid_texts
    wanted = ["shake_well", "protect_from_light"]
    if storage == "refrigerator":
        wanted.append("refrigerate")
    return [texts[key] for key in wanted if texts.get(key)]


def quote_liquid(req: LiquidRequest, rules: Rules) -> LiquidQuote:
    used: dict[str, str] = {}

    def rule(name: str) -> None:
        used[name] = rules.describe(name)

    warnings: list[str] = []
    acks: list[str] = []
    conc = req.concentration_mg_per_ml
    if conc <= 0:
        raise FormulationError(
            "concentration_mg_per_ml", "the concentration must be more than 0 mg/mL"
        )
    rule("dose_hard_stop_max_mg")
    doses: list[Decimal] = []
    for d in req.doses_mg:
        check = check_dose(d, rules, field="dose_mg", basis=req.dose_basis)
        if check.acknowledgement and check.acknowledgement not in acks:
            acks.append(check.acknowledgement)
        if d not in doses:
            doses.append(d)
    if req.titration:
        for a in validate_steps(req.titration, rules, basis=req.dose_basis):
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
        rule("dose_ack_low_mg")
        rule("dose_ack_high_mg")

    # Syringe and dose volumes.
    rule("syringe_graduations_ml")
    syringe = req.syringe_ml
    if syringe is not None and syringe not in rules.syringe_graduations_ml:
        allowed = ", ".join(str(s) for s in sorted(rules.syringe_graduations_ml))
        raise FormulationError(
            "syringe_ml", f"no {syringe} mL oral syringe is stocked: choose {allowed} mL"
        )
    if syringe is None:
        syringe = next(
            (
                s
                for s in sorted(rules.syringe_graduations_ml)
                if all(fits_syringe(d / conc, s, rules) for d in doses)
            ),
            None,
        )
        if syringe is None:
            rule("liquid_concentrations_mg_per_ml")
            raise _syringe_error(doses, conc, None, rules)
    elif not all(fits_syringe(d / conc, syringe, rules) for d in doses):
        rule("liquid_concentrations_mg_per_ml")
        raise _syringe_error(doses, conc, syringe, rules)
    grad = rules.syringe_graduations_ml[syringe]
    dose_volumes = [DoseVolume(d, d / conc) for d in doses]

    # Volume to dispense and to make.
    days_supply: int | None = None
    if req.quantity_ml is not None:
        if req.quantity_ml <= 0:
            raise FormulationError("quantity", "the volume to dispense must be more than 0 mL")
        dispensed = req.quantity_ml
        if req.titration:
            plan_ml = sum((s.dose_mg / conc * s.days for s in req.titration), Decimal(0))
            days_supply = total_days(req.titration)
            if dispensed < plan_ml:
                warnings.append(
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
    if req.overage_percent is None:
        overage = rules.liquid_overage_percent
        rule("liquid_overage_percent")
    else:
        overage = req.overage_percent
    if overage < 0:
        raise FormulationError("overage_percent", "overage cannot be negative")
    volume = dispensed * (1 + overage / HUNDRED)

    rule("mw_naltrexone_hcl")
    if req.api.is_tablets:
        rule("tablet_label_claim_mg")
        claim = rules.tablet_label_claim_mg
        conc_hcl = to_hcl_mg(conc, req.dose_basis, rules)
        count = math.ceil(volume * conc_hcl / claim)
        whole = count * claim / conc_hcl
        volume = whole if round_ml(whole) == whole else ceil_to(whole, ML_STEP)
        need = api_requirement(count * claim, "hcl", req.api, rules)
        warnings.append(
            "Made from commercial 50 mg tablets: the liquid is a suspension and "
            "contains lactose and the tablets' other excipients."
        )
    else:
        need = api_requirement(conc * volume, req.dose_basis, req.api, rules)
    if req.dose_basis == "base" or need.counted_substance != req.dose_basis:
        rule(
            "mw_naltrexone_base"
            if "base" in (req.dose_basis, need.counted_substance)
            else "mw_naltrexone_hcl_dihydrate"
        )

    mwq = rules.balance_mwq_mg if req.balance_mwq_mg is None else req.balance_mwq_mg
    if req.balance_mwq_mg is None:
        rule("balance_mwq_mg")
    elif mwq <= 0:
        raise FormulationError("balance_mwq_mg", "the balance minimum must be more than 0 mg")
    w = None if need.weigh_mg is None else round_mg(need.weigh_mg)
    aliquot = None
    if need.weigh_mg is not None and req.aqueous:
        # Naltrexone HCl dissolves in water: below the MWQ, weigh k times as much, dissolve
        # it and measure the share the batch needs (the exact amount, as for capsules).
        aliquot = plan_solution_aliquot(
            need.weigh_mg,
            mwq,
            batch_ml=volume,
            aliquot_volumes_ml=rules.liquid_aliquot_volumes_ml,
        )
        if aliquot is not None:
            rule("liquid_aliquot_volumes_ml")

    # Vehicle, BUD category, storage.
    vehicle: list[VehicleItem] = []
    liquid_texts = rules.liquid_texts
    rule("bud_categories")
    if req.aqueous and req.preserved:
        rule("fawcett_vehicle")
        rule("fawcett_reference")
        for c in rules.fawcett_vehicle:
            if c.basis == "w/v":
                vehicle.append(
                    VehicleItem(
                        c.code, c.name, round_mg(c.percent / HUNDRED * volume * MG_PER_G), "mg"
                    )
                )
            elif c.basis == "v/v":
                vehicle.append(
                    VehicleItem(c.code, c.name, round_ml(c.percent / HUNDRED * volume), "mL")
                )
            else:
                vehicle.append(VehicleItem(c.code, f"{c.name}, q.s. to", round_ml(volume), "mL"))
        category = "aqueous_preserved"
    elif req.aqueous:
        vehicle.append(
            VehicleItem("purified_water", "purified water, q.s. to", round_ml(volume), "mL")
        )
        category = "aqueous_unpreserved"
        rule("liquid_texts")
        warnings.append(liquid_texts.get("unpreserved_note", ""))
    else:
        vehicle.append(
            VehicleItem(
                "nonaqueous_vehicle",
                f"{liquid_texts.get('nonaqueous_vehicle', 'vehicle')}, q.s. to",
                round_ml(volume),
                "mL",
            )
        )
        category = "nonaqueous_liquid"
    cat = rules.bud_category(category)
    storage = cat.storage
    if category == "aqueous_preserved" and cat.days > rules.fawcett_stable_days_room:
        rule("fawcett_stable_days_room")
        storage = "refrigerator"
    auxiliary = liquid_auxiliary(storage, rules)
    rule("liquid_texts")

    # Weighings and worksheet.
    api_name = need.weigh_label
    conc_text = f"{plain(conc)} mg/mL" + (
        " (as naltrexone base)" if req.dose_basis == "base" else ""
    )
    steps = [
        f"Make {format_ml(volume)} mL of naltrexone HCl oral liquid {conc_text}: "
        f"{format_ml(dispensed)} mL to dispense + {plain(overage)} % overage."
    ]
    weighings: list[tuple[str, Decimal]] = []
    if req.api.is_tablets:
        steps.append(
            f"Crush {need.tablets} naltrexone HCl {plain(rules.tablet_label_claim_mg)} "
            f"mg tablet{'s' if need.tablets != 1 else ''} to a fine powder and "
            "levigate with a little vehicle."
        )
    elif aliquot is not None:
        weighings.append((f"{api_name} (aliquot)", aliquot.api_weigh_mg))
        needed = (
            f"{format_mg(need.prescribed_mg)} mg "
            f"{'naltrexone base' if req.dose_basis == 'base' else 'naltrexone HCl'}"
        )
        steps += [
            f"Weigh {format_mg_fixed(aliquot.api_weigh_mg)} mg {api_name} ({aliquot.k} × "
            f"{format_mg_exact(aliquot.weigh_mg)} mg, aliquot method: {needed} needed).",
            f"Dissolve it in purified water and make up to {plain(aliquot.stock_ml)} mL "
            "(stock solution); mix until dissolved.",
            f"Measure {plain(aliquot.aliquot_ml)} mL of the stock solution (contains "
            f"{format_mg_exact(aliquot.delivered_mg)} mg {api_name}) into the batch; discard "
            f"the remaining {plain(aliquot.discarded_ml)} mL. It counts towards the water.",
        ]
    elif w is not None:
        weighings.append((api_name, w))
        steps.append(
            f"Weigh {format_mg_fixed(w)} mg {api_name} (= "
            f"{format_mg(need.prescribed_mg)} mg "
            f"{'naltrexone base' if req.dose_basis == 'base' else 'naltrexone HCl'})."
        )
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
        f"Make up to {format_ml(volume)} mL with {vehicle[-1].name.split(',')[0]} and mix well."
    )
    if req.for_stock:
        steps.append(
            "Package in amber bottles; each patient's oral syringe is chosen when their "
            "prescription is filled."
        )
    else:
        steps.append(
            f"Package in an amber bottle with {syringe} mL oral syringes "
            f"({format_ml(grad)} mL graduations): "
            + ", ".join(
                f"{plain(dv.dose_mg)} mg = {format_ml(dv.volume_ml)} mL" for dv in dose_volumes
            )
            + "."
        )
    steps.append("Label: " + " ".join(auxiliary))

    for what, mass in weighings:
        if mass < mwq:
            per_ml = mass / volume
            min_ml = math.ceil(mwq / per_ml)
            warnings.append(
                f"Weighing of {format_mg_fixed(mass)} mg {what} is below the balance minimum "
                f"of {format_mg_fixed(mwq)} mg: make at least {min_ml} mL, use a stock "
                "solution, or use a more sensitive balance."
            )
    return LiquidQuote(
        concentration_mg_per_ml=conc,
        dose_basis=req.dose_basis,
        syringe_ml=syringe,
        graduation_ml=grad,
        dose_volumes=dose_volumes,
        dispensed_ml=dispensed,
        overage_percent=overage,
        volume_to_make_ml=volume,
        api=need,
        api_weigh_mg=None if aliquot is not None else w,
        vehicle=vehicle,
        bud_category=category,
        storage=storage,
        auxiliary=auxiliary,
        days_supply=days_supply,
        balance_mwq_mg=mwq,
        acknowledgements=acks,
        warnings=[x for x in warnings if x],
        steps=steps,
        rules_used=used,
        aliquot=aliquot,
    )
