"""Capsule batches by the pack-stat method (DOMAIN §3-4)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from pharmacy.compounding.aliquot import AliquotPlan, plan_aliquot
from pharmacy.compounding.dose import check_dose
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.fillers import find_filler
from pharmacy.compounding.rules import Filler, Rules
from pharmacy.compounding.salts import ApiRequirement, ApiSource, api_requirement
from pharmacy.compounding.units import (
    format_mg,
    format_mg_exact,
    format_mg_fixed,
    plain,
    round_mg,
)

HUNDRED = Decimal(100)
MG_PER_G = Decimal(1000)


@dataclass(frozen=True)
class CapsuleRequest:
    strength_mg: Decimal
    quantity: int
    dose_basis: str = "hcl"
    capsule_size: str | None = None
    filler_pack_stat_mg: Decimal | None = None
    api_pack_stat_mg: Decimal | None = None
    overage_percent: Decimal | None = None
    balance_mwq_mg: Decimal | None = None
    api: ApiSource = field(default_factory=ApiSource)
    filler_code: str = "mcc"


@dataclass(frozen=True)
class WeightCheck:
    sample: int
    theoretical_mg: Decimal
    low_mg: Decimal
    high_mg: Decimal


@dataclass(frozen=True)
class Weighing:
    """One weighing on the worksheet; every one must be at least the balance's MWQ."""

    what: str
    mass_mg: Decimal


@dataclass(frozen=True)
class CapsuleQuote:
    quantity: int
    units_to_make: int
    overage_percent: Decimal
    capsule_size: str
    strength_mg: Decimal
    dose_basis: str
    api: ApiRequirement
    api_per_unit_mg: Decimal | None  # exact; None when the tablet powder mass is unknown
    api_weigh_mg: Decimal | None  # batch weighing (0.1 mg); None when an aliquot replaces it
    filler_code: str
    filler_name: str
    filler_pack_stat_mg: Decimal
    api_pack_stat_mg: Decimal | None
    filler_per_unit_mg: Decimal | None
    filler_batch_mg: Decimal | None  # all the filler the batch needs (0.1 mg)
    filler_weigh_mg: Decimal | None  # weighed separately: batch filler less the aliquot's M − W
    theoretical_unit_weight_mg: Decimal
    weight_check: WeightCheck
    aliquot: AliquotPlan | None
    balance_mwq_mg: Decimal
    weighings: list[Weighing]
    acknowledgements: list[str]
    warnings: list[str]
    steps: list[str]
    rules_used: dict[str, str]


def capsule_volume_ml(size: str, rules: Rules) -> Decimal:
    try:
        return rules.capsule_volumes_ml[size]
    except KeyError:
        allowed = ", ".join(_sizes_by_volume(rules, largest_first=True))
        raise FormulationError(
            "capsule_size", f"unknown capsule size '{size}': choose one of {allowed}"
        ) from None


def _sizes_by_volume(rules: Rules, largest_first: bool = False) -> list[str]:
    return sorted(
        rules.capsule_volumes_ml, key=lambda s: rules.capsule_volumes_ml[s], reverse=largest_first
    )


def default_pack_stat_mg(size: str, filler: Filler, rules: Rules) -> Decimal:
    """Seeded default pack stat: capsule volume (mL) × bulk density (g/mL) in mg."""
    if filler.bulk_density_g_per_ml is None:
        raise FormulationError(
            "filler_pack_stat_mg",
            f"no default pack stat for {filler.name}: measure the pack stat (mg per size "
            f"{size} capsule) for this lot and enter it",
        )
    return capsule_volume_ml(size, rules) * filler.bulk_density_g_per_ml * MG_PER_G


def filler_per_unit(p_filler: Decimal, m_api: Decimal, p_api: Decimal | None) -> Decimal:
    """``P_filler × (1 − m_api/P_api)``, or ``P_filler − m_api`` without an API pack stat."""
    if p_api is None:
        return p_filler - m_api
    return p_filler * (1 - m_api / p_api)


def units_to_make(quantity: int, overage_percent: Decimal) -> int:
    return math.ceil(quantity * (1 + overage_percent / HUNDRED))


def _positive(value: Decimal | None, field_name: str, what: str) -> None:
    if value is not None and value <= 0:
        raise FormulationError(field_name, f"{what} must be more than 0")


def quote_capsules(req: CapsuleRequest, rules: Rules) -> CapsuleQuote:
    """Everything a technician needs to make a capsule batch, with the rules used."""
    used: dict[str, str] = {}

    def rule(name: str) -> None:
        used[name] = rules.describe(name)

    warnings: list[str] = []
    acks: list[str] = []
    if isinstance(req.quantity, bool) or not isinstance(req.quantity, int) or req.quantity < 1:
        raise FormulationError(
            "quantity", "the number of capsules must be a whole number of at least 1"
        )
    rule("dose_hard_stop_max_mg")
    check = check_dose(req.strength_mg, rules, field="strength_mg", basis=req.dose_basis)
    if check.acknowledgement:
        acks.append(check.acknowledgement)
        rule("dose_ack_low_mg")
        rule("dose_ack_high_mg")

    if req.overage_percent is None:
        overage = rules.capsule_overage_percent
        rule("capsule_overage_percent")
    else:
        overage = req.overage_percent
    if overage < 0:
        raise FormulationError("overage_percent", "overage cannot be negative")
    units = units_to_make(req.quantity, overage)

    if req.capsule_size is None:
        size = rules.default_capsule_size
        rule("default_capsule_size")
    else:
        size = req.capsule_size
    volume = capsule_volume_ml(size, rules)

    filler = find_filler(req.filler_code, rules)
    if filler is None:
        known = ", ".join(f.code for f in rules.fillers if f.status != "never")
        raise FormulationError(
            "filler_code", f"unknown filler '{req.filler_code}': choose one of {known}"
        )
    rule("fillers")
    if filler.status == "never":
        raise FormulationError("filler_code", f"{filler.name} cannot be used: {filler.note}")
    if filler.status == "avoid":
        warnings.append(f"Filler {filler.name}: {filler.note}.")
    if filler.contains_lactose:
        warnings.append(f"Filler {filler.name} contains lactose.")

    _positive(req.filler_pack_stat_mg, "filler_pack_stat_mg", "the filler pack stat")
    _positive(req.api_pack_stat_mg, "api_pack_stat_mg", "the API pack stat")
    _positive(req.balance_mwq_mg, "balance_mwq_mg", "the balance minimum weighable quantity")
    if req.filler_pack_stat_mg is None:
        p_filler = default_pack_stat_mg(size, filler, rules)
        rule("capsule_volumes_ml")
    else:
        p_filler = req.filler_pack_stat_mg
    p_api = None if req.api.is_tablets else req.api_pack_stat_mg
    if req.api.is_tablets and req.api_pack_stat_mg is not None:
        warnings.append(
            "The API pack stat is not used with tablets: the tablet powder takes "
            "capsule volume like filler."
        )
    if req.balance_mwq_mg is None:
        mwq = rules.balance_mwq_mg
        rule("balance_mwq_mg")
    else:
        mwq = req.balance_mwq_mg

    need = api_requirement(req.strength_mg * units, req.dose_basis, req.api, rules)
    rule("mw_naltrexone_hcl")
    if req.dose_basis == "base" or need.counted_substance != req.dose_basis:
        rule(
            "mw_naltrexone_base"
            if "base" in (req.dose_basis, need.counted_substance)
            else "mw_naltrexone_hcl_dihydrate"
        )
    if req.api.is_tablets:
        rule("tablet_label_claim_mg")
        warnings.append(
            "Made from commercial 50 mg tablets: the capsules contain lactose and "
            "the tablets' other excipients."
        )
    m_api = None if need.weigh_mg is None else need.weigh_mg / units

    # Filler per capsule; a negative amount means the capsule cannot hold the dose.
    per_unit: Decimal | None = None
    if m_api is not None:
        per_unit = filler_per_unit(p_filler, m_api, p_api)
        if per_unit < 0:
            raise _too_small(size, volume, p_filler, p_api, m_api, rules)

    w = None if need.weigh_mg is None else round_mg(need.weigh_mg)
    f_batch = None if per_unit is None else round_mg(per_unit * units)
    # The aliquot starts from the exact amount: k times a rounded one would multiply the
    # rounding into the dose.
    plan = (
        None
        if need.weigh_mg is None
        else plan_aliquot(need.weigh_mg, mwq, filler_available_mg=f_batch)
    )
    if plan is not None:
        rule("balance_mwq_mg")
    f_weigh = f_batch
    if plan is not None and f_batch is not None:
        f_weigh = round_mg(f_batch - plan.filler_brought_in_mg)

    # Tablets of unknown powder mass: powder + filler fill the capsule like filler alone.
    theoretical = p_filler if m_api is None or per_unit is None else m_api + per_unit
    rule("weight_check_tolerance_percent")
    rule("weight_check_sample_max")
    tol = rules.weight_check_tolerance_percent / HUNDRED
    wc = WeightCheck(
        sample=min(rules.weight_check_sample_max, units),
        theoretical_mg=theoretical,
        low_mg=round_mg(theoretical * (1 - tol)),
        high_mg=round_mg(theoretical * (1 + tol)),
    )

    # Weighings and the worksheet.
    api_name = need.weigh_label
    steps: list[str] = [
        f"Make {units} size {size} capsules: {req.quantity} to dispense + {plain(overage)} % "
        f"overage (each {plain(req.strength_mg)} mg {_basis_name(req.dose_basis)}).",
    ]
    weighings: list[Weighing] = []
    basis_text = f"{format_mg(need.prescribed_mg)} mg {_basis_name(req.dose_basis)}"
    if req.api.is_tablets:
        steps.append(
            f"Crush {need.tablets} naltrexone HCl "
            f"{plain(rules.tablet_label_claim_mg)} mg tablet"
            f"{'s' if need.tablets != 1 else ''} to a fine powder."
        )
        if need.tablet_powder_total_mg is not None:
            steps.append(
                f"Weigh all the tablet powder (expected about "
                f"{format_mg_fixed(need.tablet_powder_total_mg)} mg) and record it."
            )
            weighings.append(Weighing("tablet powder (all)", need.tablet_powder_total_mg))
        else:
            steps.append("Weigh all the tablet powder and record it as P mg.")
        if w is None:
            share = need.prescribed_hcl_mg / (rules.tablet_label_claim_mg * (need.tablets or 1))
            if share != 1:
                steps.append(f"Weigh P × {share:.4f} mg of tablet powder (= {basis_text}).")
    if plan is not None:
        weighings += [
            Weighing(f"{api_name} (aliquot)", plan.api_weigh_mg),
            Weighing(f"{filler.name} (diluent)", plan.diluent_mg),
            Weighing("triturate aliquot", plan.aliquot_mg),
        ]
        steps += [
            f"Weigh {format_mg_fixed(plan.api_weigh_mg)} mg {api_name} ({plan.k} × "
            f"{format_mg_exact(plan.weigh_mg)} mg, aliquot method: {basis_text} needed).",
            f"Weigh {format_mg_fixed(plan.diluent_mg)} mg {filler.name} as diluent.",
            f"Triturate geometrically to {format_mg_fixed(plan.triturate_mg)} mg of uniform "
            "triturate.",
            f"Weigh {format_mg_fixed(plan.aliquot_mg)} mg of triturate (contains "
            f"{format_mg_exact(plan.delivered_mg)} mg {api_name}); discard the remaining "
            f"{format_mg_fixed(plan.triturate_mg - plan.aliquot_mg)} mg.",
        ]
    elif w is not None:
        weighings.append(Weighing(api_name, w))
        steps.append(f"Weigh {format_mg_fixed(w)} mg {api_name} (= {basis_text}).")
    if f_weigh is not None:
        if f_weigh > 0:
            weighings.append(Weighing(filler.name, f_weigh))
            steps.append(f"Weigh {format_mg_fixed(f_weigh)} mg {filler.name}.")
    else:
        total_fill = round_mg(p_filler * units)
        steps.append(
            f"Weigh {filler.name}: {format_mg_fixed(total_fill)} mg less the tablet "
            f"powder used, so that the fill totals {format_mg_fixed(total_fill)} mg."
        )
    steps.append("Mix geometrically until uniform.")
    steps.append(
        f"Fill {units} size {size} capsules, {format_mg_fixed(theoretical)} mg each "
        "(shell excluded)."
    )
    steps.append(
        f"Weight-check {wc.sample} capsules one by one: each "
        f"{format_mg_fixed(wc.low_mg)}–{format_mg_fixed(wc.high_mg)} mg."
    )

    for wg in weighings:
        if wg.mass_mg < mwq:
            warnings.append(
                f"Weighing of {format_mg_fixed(wg.mass_mg)} mg {wg.what} is below the balance "
                f"minimum of {format_mg_fixed(mwq)} mg: make more capsules or use a more "
                "sensitive balance."
            )
    return CapsuleQuote(
        quantity=req.quantity,
        units_to_make=units,
        overage_percent=overage,
        capsule_size=size,
        strength_mg=req.strength_mg,
        dose_basis=req.dose_basis,
        api=need,
        api_per_unit_mg=m_api,
        api_weigh_mg=None if plan is not None else w,
        filler_code=filler.code,
        filler_name=filler.name,
        filler_pack_stat_mg=p_filler,
        api_pack_stat_mg=p_api,
        filler_per_unit_mg=per_unit,
        filler_batch_mg=f_batch,
        filler_weigh_mg=f_weigh,
        theoretical_unit_weight_mg=theoretical,
        weight_check=wc,
        aliquot=plan,
        balance_mwq_mg=mwq,
        weighings=weighings,
        acknowledgements=acks,
        warnings=warnings,
        steps=steps,
        rules_used=used,
    )


def _basis_name(dose_basis: str) -> str:
    return "naltrexone base" if dose_basis == "base" else "naltrexone HCl"


def _too_small(
    size: str,
    volume: Decimal,
    p_filler: Decimal,
    p_api: Decimal | None,
    m_api: Decimal,
    rules: Rules,
) -> FormulationError:
    fits = None
    for other in _sizes_by_volume(rules):
        other_volume = rules.capsule_volumes_ml[other]
        if other_volume <= volume:
            continue
        scale = other_volume / volume
        other_api = None if p_api is None else p_api * scale
        if filler_per_unit(p_filler * scale, m_api, other_api) >= 0:
            fits = other
            break
    advice = (
        f"use size {fits} or larger"
        if fits is not None
        else "no capsule size holds it; use a lower strength and more capsules per dose"
    )
    holds = (
        f"holds {format_mg(p_api)} mg of naltrexone powder"
        if p_api is not None
        else f"holds {format_mg(p_filler)} mg of powder"
    )
    return FormulationError(
        "capsule_size",
        f"the capsule cannot hold the dose: each size {size} capsule needs "
        f"{format_mg(m_api)} mg of naltrexone powder but {holds}; {advice}",
    )
