"""Capsule batches by the pack-stat method (DOMAIN §3-4)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from pharmacy.compounding.aliquot import AliquotPlan, plan_aliquot
from pharmacy.compounding.dose import check_dose
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.fillers import find_filler
from pharmacy.compounding.notes import Notes
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


@dataclass(frozen=True)
class _Batch:
    """The numbers of one capsule batch, worked out step by step (see :func:`_formulate`)."""

    units: int
    overage: Decimal
    size: str
    filler: Filler
    p_filler: Decimal  # filler pack stat, mg per capsule
    p_api: Decimal | None  # API pack stat (powder only)
    mwq: Decimal
    need: ApiRequirement
    m_api: Decimal | None  # API powder per capsule, exact
    per_unit: Decimal | None  # filler per capsule, exact
    w: Decimal | None  # the batch's API weighing (0.1 mg)
    f_batch: Decimal | None  # all the filler the batch needs (0.1 mg)
    f_weigh: Decimal | None  # filler weighed on its own
    plan: AliquotPlan | None
    theoretical: Decimal  # fill weight per capsule, shell excluded
    wc: WeightCheck


def quote_capsules(req: CapsuleRequest, rules: Rules) -> CapsuleQuote:
    """Everything a technician needs to make a capsule batch, with the rules used."""
    notes = Notes(rules)
    batch = _formulate(req, notes)
    weighings, steps = _worksheet(req, batch, rules)
    notes.warnings.extend(_below_balance_minimum(weighings, batch.mwq))
    return CapsuleQuote(
        quantity=req.quantity,
        units_to_make=batch.units,
        overage_percent=batch.overage,
        capsule_size=batch.size,
        strength_mg=req.strength_mg,
        dose_basis=req.dose_basis,
        api=batch.need,
        api_per_unit_mg=batch.m_api,
        api_weigh_mg=None if batch.plan is not None else batch.w,
        filler_code=batch.filler.code,
        filler_name=batch.filler.name,
        filler_pack_stat_mg=batch.p_filler,
        api_pack_stat_mg=batch.p_api,
        filler_per_unit_mg=batch.per_unit,
        filler_batch_mg=batch.f_batch,
        filler_weigh_mg=batch.f_weigh,
        theoretical_unit_weight_mg=batch.theoretical,
        weight_check=batch.wc,
        aliquot=batch.plan,
        balance_mwq_mg=batch.mwq,
        weighings=weighings,
        acknowledgements=notes.acks,
        warnings=notes.warnings,
        steps=steps,
        rules_used=notes.used,
    )


def _formulate(req: CapsuleRequest, notes: Notes) -> _Batch:
    """The batch's numbers, each step noting the rules it used and its warnings."""
    rules = notes.rules
    _check_quantity(req.quantity)
    _check_strength(req, notes)
    overage = notes.given_or_rule(req.overage_percent, "capsule_overage_percent")
    if overage < 0:
        raise FormulationError("overage_percent", "overage cannot be negative")
    units = units_to_make(req.quantity, overage)
    size = notes.given_or_rule(req.capsule_size, "default_capsule_size")
    volume = capsule_volume_ml(size, rules)
    filler = _choose_filler(req.filler_code, notes)
    _positive(req.filler_pack_stat_mg, "filler_pack_stat_mg", "the filler pack stat")
    _positive(req.api_pack_stat_mg, "api_pack_stat_mg", "the API pack stat")
    _positive(req.balance_mwq_mg, "balance_mwq_mg", "the balance minimum weighable quantity")
    p_filler, p_api = _pack_stats(req, size, filler, notes)
    mwq = notes.given_or_rule(req.balance_mwq_mg, "balance_mwq_mg")
    need = _resolve_source(req, units, notes)
    m_api = None if need.weigh_mg is None else need.weigh_mg / units
    # Filler per capsule; a negative amount means the capsule cannot hold the dose.
    per_unit: Decimal | None = None
    if m_api is not None:
        per_unit = filler_per_unit(p_filler, m_api, p_api)
        if per_unit < 0:
            raise _too_small(size, volume, p_filler, p_api, m_api, rules)
    w = None if need.weigh_mg is None else round_mg(need.weigh_mg)
    f_batch = None if per_unit is None else round_mg(per_unit * units)
    plan, f_weigh = _aliquot(need, mwq, f_batch, notes)
    # Tablets of unknown powder mass: powder + filler fill the capsule like filler alone.
    theoretical = p_filler if m_api is None or per_unit is None else m_api + per_unit
    wc = _weight_check(theoretical, units, notes)
    return _Batch(
        units=units,
        overage=overage,
        size=size,
        filler=filler,
        p_filler=p_filler,
        p_api=p_api,
        mwq=mwq,
        need=need,
        m_api=m_api,
        per_unit=per_unit,
        w=w,
        f_batch=f_batch,
        f_weigh=f_weigh,
        plan=plan,
        theoretical=theoretical,
        wc=wc,
    )


def _check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise FormulationError(
            "quantity", "the number of capsules must be a whole number of at least 1"
        )


def _check_strength(req: CapsuleRequest, notes: Notes) -> None:
    """The strength against the dose's hard stops; outside the usual range, an ack."""
    notes.rule("dose_hard_stop_max_mg")
    check = check_dose(req.strength_mg, notes.rules, field="strength_mg", basis=req.dose_basis)
    if check.acknowledgement:
        notes.acks.append(check.acknowledgement)
        notes.rule("dose_ack_low_mg")
        notes.rule("dose_ack_high_mg")


def _choose_filler(code: str, notes: Notes) -> Filler:
    """The filler by its code: refused if it must never be used, warned if to be avoided."""
    filler = find_filler(code, notes.rules)
    if filler is None:
        known = ", ".join(f.code for f in notes.rules.fillers if f.status != "never")
        raise FormulationError("filler_code", f"unknown filler '{code}': choose one of {known}")
    notes.rule("fillers")
    if filler.status == "never":
        raise FormulationError("filler_code", f"{filler.name} cannot be used: {filler.note}")
    if filler.status == "avoid":
        notes.warnings.append(f"Filler {filler.name}: {filler.note}.")
    if filler.contains_lactose:
        notes.warnings.append(f"Filler {filler.name} contains lactose.")
    return filler


def _pack_stats(
    req: CapsuleRequest, size: str, filler: Filler, notes: Notes
) -> tuple[Decimal, Decimal | None]:
    """The filler's pack stat (measured, or the seeded default) and the API's (powder only)."""
    if req.filler_pack_stat_mg is None:
        p_filler = default_pack_stat_mg(size, filler, notes.rules)
        notes.rule("capsule_volumes_ml")
    else:
        p_filler = req.filler_pack_stat_mg
    p_api = None if req.api.is_tablets else req.api_pack_stat_mg
    if req.api.is_tablets and req.api_pack_stat_mg is not None:
        notes.warnings.append(
            "The API pack stat is not used with tablets: the tablet powder takes "
            "capsule volume like filler."
        )
    return p_filler, p_api


def _resolve_source(req: CapsuleRequest, units: int, notes: Notes) -> ApiRequirement:
    """The API for the whole batch, potency-corrected (powder) or as tablets to crush."""
    need = api_requirement(req.strength_mg * units, req.dose_basis, req.api, notes.rules)
    notes.rule("mw_naltrexone_hcl")
    if req.dose_basis == "base" or need.counted_substance != req.dose_basis:
        notes.rule(
            "mw_naltrexone_base"
            if "base" in (req.dose_basis, need.counted_substance)
            else "mw_naltrexone_hcl_dihydrate"
        )
    if req.api.is_tablets:
        notes.rule("tablet_label_claim_mg")
        notes.warnings.append(
            "Made from commercial 50 mg tablets: the capsules contain lactose and "
            "the tablets' other excipients."
        )
    return need


def _aliquot(
    need: ApiRequirement, mwq: Decimal, f_batch: Decimal | None, notes: Notes
) -> tuple[AliquotPlan | None, Decimal | None]:
    """The aliquot (when the API weighing is below the MWQ) and the filler weighed alone."""
    # The aliquot starts from the exact amount: k times a rounded one would multiply the
    # rounding into the dose.
    plan = (
        None
        if need.weigh_mg is None
        else plan_aliquot(need.weigh_mg, mwq, filler_available_mg=f_batch)
    )
    if plan is not None:
        notes.rule("balance_mwq_mg")
    f_weigh = f_batch
    if plan is not None and f_batch is not None:
        f_weigh = round_mg(f_batch - plan.filler_brought_in_mg)
    return plan, f_weigh


def _weight_check(theoretical: Decimal, units: int, notes: Notes) -> WeightCheck:
    """How many capsules to weigh one by one, and the range each must fall in."""
    notes.rule("weight_check_tolerance_percent")
    notes.rule("weight_check_sample_max")
    tol = notes.rules.weight_check_tolerance_percent / HUNDRED
    return WeightCheck(
        sample=min(notes.rules.weight_check_sample_max, units),
        theoretical_mg=theoretical,
        low_mg=round_mg(theoretical * (1 - tol)),
        high_mg=round_mg(theoretical * (1 + tol)),
    )


def _worksheet(req: CapsuleRequest, b: _Batch, rules: Rules) -> tuple[list[Weighing], list[str]]:
    """The weighings and the worksheet's steps, in the order the technician works."""
    basis_text = f"{format_mg(b.need.prescribed_mg)} mg {_basis_name(req.dose_basis)}"
    steps: list[str] = [
        f"Make {b.units} size {b.size} capsules: {req.quantity} to dispense + "
        f"{plain(b.overage)} % overage (each {plain(req.strength_mg)} mg "
        f"{_basis_name(req.dose_basis)}).",
    ]
    weighings: list[Weighing] = []
    if req.api.is_tablets:
        _tablet_steps(b, basis_text, rules, weighings, steps)
    _api_steps(b, basis_text, weighings, steps)
    _filler_steps(b, weighings, steps)
    steps.append("Mix geometrically until uniform.")
    steps.append(
        f"Fill {b.units} size {b.size} capsules, {format_mg_fixed(b.theoretical)} mg each "
        "(shell excluded)."
    )
    steps.append(
        f"Weight-check {b.wc.sample} capsules one by one: each "
        f"{format_mg_fixed(b.wc.low_mg)}–{format_mg_fixed(b.wc.high_mg)} mg."
    )
    return weighings, steps


def _tablet_steps(
    b: _Batch, basis_text: str, rules: Rules, weighings: list[Weighing], steps: list[str]
) -> None:
    """Crush the tablets and weigh their powder (a share of it when not all is needed)."""
    need = b.need
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
    if b.w is None:
        share = need.prescribed_hcl_mg / (rules.tablet_label_claim_mg * (need.tablets or 1))
        if share != 1:
            steps.append(f"Weigh P × {share:.4f} mg of tablet powder (= {basis_text}).")


def _api_steps(b: _Batch, basis_text: str, weighings: list[Weighing], steps: list[str]) -> None:
    """Weigh the API: through the aliquot below the MWQ, else directly."""
    api_name = b.need.weigh_label
    plan = b.plan
    if plan is not None:
        weighings += [
            Weighing(f"{api_name} (aliquot)", plan.api_weigh_mg),
            Weighing(f"{b.filler.name} (diluent)", plan.diluent_mg),
            Weighing("triturate aliquot", plan.aliquot_mg),
        ]
        steps += [
            f"Weigh {format_mg_fixed(plan.api_weigh_mg)} mg {api_name} ({plan.k} × "
            f"{format_mg_exact(plan.weigh_mg)} mg, aliquot method: {basis_text} needed).",
            f"Weigh {format_mg_fixed(plan.diluent_mg)} mg {b.filler.name} as diluent.",
            f"Triturate geometrically to {format_mg_fixed(plan.triturate_mg)} mg of uniform "
            "triturate.",
            f"Weigh {format_mg_fixed(plan.aliquot_mg)} mg of triturate (contains "
            f"{format_mg_exact(plan.delivered_mg)} mg {api_name}); discard the remaining "
            f"{format_mg_fixed(plan.triturate_mg - plan.aliquot_mg)} mg.",
        ]
    elif b.w is not None:
        weighings.append(Weighing(api_name, b.w))
        steps.append(f"Weigh {format_mg_fixed(b.w)} mg {api_name} (= {basis_text}).")


def _filler_steps(b: _Batch, weighings: list[Weighing], steps: list[str]) -> None:
    """Weigh the filler; with tablets of unknown powder mass, up to the total fill."""
    name = b.filler.name
    if b.f_weigh is not None:
        if b.f_weigh > 0:
            weighings.append(Weighing(name, b.f_weigh))
            steps.append(f"Weigh {format_mg_fixed(b.f_weigh)} mg {name}.")
    else:
        total_fill = round_mg(b.p_filler * b.units)
        steps.append(
            f"Weigh {name}: {format_mg_fixed(total_fill)} mg less the tablet "
            f"powder used, so that the fill totals {format_mg_fixed(total_fill)} mg."
        )


def _below_balance_minimum(weighings: list[Weighing], mwq: Decimal) -> list[str]:
    return [
        f"Weighing of {format_mg_fixed(wg.mass_mg)} mg {wg.what} is below the balance "
        f"minimum of {format_mg_fixed(mwq)} mg: make more capsules or use a more "
        "sensitive balance."
        for wg in weighings
        if wg.mass_mg < mwq
    ]


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
