"""The top-level quote behind ``POST /api/v1/formulations/quote``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pharmacy.compounding.aliquot import AliquotPlan
from pharmacy.compounding.bud import BudResult, StabilityOverride, beyond_use_date, bud_warning
from pharmacy.compounding.capsules import CapsuleQuote, CapsuleRequest, quote_capsules
from pharmacy.compounding.dose import check_dose
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.liquids import LiquidQuote, LiquidRequest, quote_liquid
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.salts import ApiRequirement, ApiSource
from pharmacy.compounding.titration import (
    TitrationStep,
    capsules_for_plan,
    total_days,
    units_per_dose,
    validate_steps,
)
from pharmacy.compounding.units import parse_expiry, round_mg, round_ml, to_decimal

DOSAGE_FORMS = ("capsule", "liquid")
FRACTION_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class QuoteRequest:
    """The quote request, already parsed (Decimal, date, int). Field names are the JSON's."""

    dosage_form: str
    quantity: Decimal | int | None = None  # capsules, or mL to dispense
    strength_mg: Decimal | None = None
    dose_basis: str = "hcl"
    capsule_size: str | None = None
    filler_pack_stat_mg: Decimal | None = None
    api_pack_stat_mg: Decimal | None = None
    filler_code: str = "mcc"
    concentration_mg_per_ml: Decimal | None = None
    dose_mg: Decimal | None = None
    titration: Sequence[TitrationStep] = ()
    syringe_ml: int | None = None
    preserved: bool = True
    aqueous: bool = True
    overage_percent: Decimal | None = None
    balance_mwq_mg: Decimal | None = None
    api: ApiSource = field(default_factory=ApiSource)
    compounded_on: date | None = None
    component_expiries: Sequence[date] = ()
    stability_override: StabilityOverride | None = None
    days_supply: int | None = None


@dataclass(frozen=True)
class QuoteResult:
    dosage_form: str
    capsule: CapsuleQuote | None
    liquid: LiquidQuote | None
    bud: BudResult
    acknowledgements: list[str]
    warnings: list[str]
    steps: list[str]
    rules_version: str
    rules_used: dict[str, str]

    @property
    def api(self) -> ApiRequirement:
        if self.capsule is not None:
            return self.capsule.api
        assert self.liquid is not None
        return self.liquid.api

    @property
    def aliquot(self) -> AliquotPlan | None:
        return self.capsule.aliquot if self.capsule is not None else None

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready response (floats only here; 0.1 mg and 0.01 mL)."""
        out: dict[str, Any]
        if self.capsule is not None:
            c = self.capsule
            out = {"units_to_make": c.units_to_make, "api": _api_dict(self.api, c.api_weigh_mg)}
            out.update(_capsule_dict(c))
        else:
            assert self.liquid is not None
            lq = self.liquid
            out = {
                "volume_to_make_ml": _ml(lq.volume_to_make_ml),
                "api": _api_dict(self.api, lq.api_weigh_mg),
            }
            out.update(_liquid_dict(lq))
        out["aliquot"] = _aliquot_dict(self.aliquot)
        out["bud"] = {
            "date": self.bud.date.isoformat(),
            "days": self.bud.days,
            "storage": self.bud.storage,
            "limited_by": self.bud.limited_by,
        }
        out["warnings"] = list(self.warnings)
        out["steps"] = list(self.steps)
        out["rules_version"] = self.rules_version
        out["rules_used"] = dict(self.rules_used)
        return out


def _api_dict(api: ApiRequirement, api_weigh: Decimal | None) -> dict[str, Any]:
    return {
        "mass_needed_mg": _mg(api.mass_needed_mg),
        "as_is_fraction": (
            None
            if api.as_is_fraction is None
            else float(api.as_is_fraction.quantize(FRACTION_STEP))
        ),
        "weigh_mg": None if api_weigh is None else _mg(api_weigh),
        "tablets": api.tablets,
    }


def _capsule_dict(c: CapsuleQuote) -> dict[str, Any]:
    return {
        "filler": {
            "per_unit_mg": None if c.filler_per_unit_mg is None else _mg(c.filler_per_unit_mg),
            "weigh_mg": None if c.filler_weigh_mg is None else _mg(c.filler_weigh_mg),
        },
        "theoretical_unit_weight_mg": _mg(c.theoretical_unit_weight_mg),
        "weight_check": {
            "sample": c.weight_check.sample,
            "low_mg": _mg(c.weight_check.low_mg),
            "high_mg": _mg(c.weight_check.high_mg),
        },
        "capsule_size": c.capsule_size,
    }


def _liquid_dict(lq: LiquidQuote) -> dict[str, Any]:
    solution = lq.aliquot
    return {
        "dose_volumes_ml": [
            {"dose_mg": float(dv.dose_mg), "volume_ml": _ml(dv.volume_ml)} for dv in lq.dose_volumes
        ],
        "vehicle": [
            {
                "code": v.code,
                "name": v.name,
                "amount": _mg(v.amount) if v.unit == "mg" else _ml(v.amount),
                "unit": v.unit,
            }
            for v in lq.vehicle
        ],
        "solution_aliquot": (
            None
            if solution is None
            else {
                "api_weigh_mg": _mg(solution.api_weigh_mg),
                "stock_ml": _ml(solution.stock_ml),
                "aliquot_ml": _ml(solution.aliquot_ml),
            }
        ),
    }


def _aliquot_dict(plan: AliquotPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "api_weigh_mg": _mg(plan.api_weigh_mg),
        "diluent_mg": _mg(plan.diluent_mg),
        "triturate_mg": _mg(plan.triturate_mg),
        "aliquot_mg": _mg(plan.aliquot_mg),
    }


def _mg(d: Decimal) -> float:
    return float(round_mg(d))


def _ml(d: Decimal) -> float:
    return float(round_ml(d))


def _capsule_count(quantity: Decimal | int | None, req: QuoteRequest) -> int:
    if quantity is None:
        if req.titration and req.strength_mg is not None:
            return capsules_for_plan(req.titration, req.strength_mg)
        raise FormulationError("quantity", "the number of capsules to dispense is required")
    if isinstance(quantity, bool):
        raise FormulationError("quantity", "the number of capsules must be a whole number")
    if isinstance(quantity, Decimal):
        if quantity != quantity.to_integral_value():
            raise FormulationError("quantity", "the number of capsules must be a whole number")
        return int(quantity)
    return quantity


@dataclass(frozen=True)
class _Formulation:
    """A capsule or liquid quote with what the top-level quote adds to it."""

    capsule: CapsuleQuote | None
    liquid: LiquidQuote | None
    bud_category: str
    used: dict[str, str]
    warnings: list[str]
    steps: list[str]
    acks: list[str]
    storage: str | None  # the storage the formulation asks for, over the category's
    days_supply: int | None


def compute_quote(req: QuoteRequest, rules: Rules, today: date) -> QuoteResult:
    """Formulate a capsule batch or an oral liquid, with its BUD, warnings and worksheet."""
    compounded_on = req.compounded_on or today
    if req.dosage_form == "capsule":
        f = _formulate_capsules(req, rules)
    elif req.dosage_form == "liquid":
        f = _formulate_liquid(req, rules)
    else:
        raise FormulationError("dosage_form", "dosage form must be 'capsule' or 'liquid'")
    bud = _beyond_use_date(req, f, compounded_on, rules)
    f.used["bud_categories"] = rules.describe("bud_categories")
    if f.days_supply is not None:
        note = bud_warning(bud, compounded_on, f.days_supply)
        if note:
            f.warnings.append(note)
    f.steps.append(
        f"Beyond-use date {bud.date.isoformat()} ({bud.days} days; {bud.limited_by}); "
        f"store: {bud.storage}."
    )
    return QuoteResult(
        dosage_form=req.dosage_form,
        capsule=f.capsule,
        liquid=f.liquid,
        bud=bud,
        acknowledgements=f.acks,
        warnings=_merge(f.acks, f.warnings),
        steps=f.steps,
        rules_version=rules.version,
        rules_used=f.used,
    )


def _formulate_capsules(req: QuoteRequest, rules: Rules) -> _Formulation:
    """Check the plan or the daily dose (whole capsules), then quote the capsule batch."""
    if req.strength_mg is None:
        raise FormulationError("strength_mg", "the capsule strength (mg) is required")
    days_supply = req.days_supply
    acks: list[str] = []
    if req.titration:
        acks += validate_steps(req.titration, rules, basis=req.dose_basis)
        capsules_for_plan(req.titration, req.strength_mg)  # every dose whole capsules
        if days_supply is None:
            days_supply = total_days(req.titration)
    elif req.dose_mg is not None:
        # A daily dose of several capsules is checked as the dose, not the strength.
        check = check_dose(req.dose_mg, rules, field="dose_mg", basis=req.dose_basis)
        acks += [check.acknowledgement] if check.acknowledgement else []
        units_per_dose(req.dose_mg, req.strength_mg, field="dose_mg")
    cq = quote_capsules(
        CapsuleRequest(
            strength_mg=req.strength_mg,
            quantity=_capsule_count(req.quantity, req),
            dose_basis=req.dose_basis,
            capsule_size=req.capsule_size,
            filler_pack_stat_mg=req.filler_pack_stat_mg,
            api_pack_stat_mg=req.api_pack_stat_mg,
            overage_percent=req.overage_percent,
            balance_mwq_mg=req.balance_mwq_mg,
            api=req.api,
            filler_code=req.filler_code,
        ),
        rules,
    )
    return _Formulation(
        capsule=cq,
        liquid=None,
        bud_category="capsule",
        used=dict(cq.rules_used),
        warnings=list(cq.warnings),
        steps=list(cq.steps),
        acks=_merge(acks, cq.acknowledgements),
        storage=None,
        days_supply=days_supply,
    )


def _formulate_liquid(req: QuoteRequest, rules: Rules) -> _Formulation:
    """Quote the oral liquid: the volume to dispense, or the titration plan's."""
    if req.concentration_mg_per_ml is None:
        raise FormulationError("concentration_mg_per_ml", "the concentration (mg/mL) is required")
    quantity_ml = None
    if req.quantity is not None:
        if isinstance(req.quantity, bool):
            raise FormulationError("quantity", "the volume must be a number of mL")
        quantity_ml = Decimal(req.quantity)
    lq = quote_liquid(
        LiquidRequest(
            concentration_mg_per_ml=req.concentration_mg_per_ml,
            quantity_ml=quantity_ml,
            doses_mg=() if req.dose_mg is None else (req.dose_mg,),
            titration=req.titration,
            syringe_ml=req.syringe_ml,
            preserved=req.preserved,
            aqueous=req.aqueous,
            overage_percent=req.overage_percent,
            api=req.api,
            dose_basis=req.dose_basis,
            balance_mwq_mg=req.balance_mwq_mg,
        ),
        rules,
    )
    return _Formulation(
        capsule=None,
        liquid=lq,
        bud_category=lq.bud_category,
        used=dict(lq.rules_used),
        warnings=list(lq.warnings),
        steps=list(lq.steps),
        acks=_merge([], lq.acknowledgements),
        storage=lq.storage,
        days_supply=lq.days_supply if req.days_supply is None else req.days_supply,
    )


def _beyond_use_date(
    req: QuoteRequest, f: _Formulation, compounded_on: date, rules: Rules
) -> BudResult:
    """The BUD of the category (or the stability override), limited by the components'
    expiries; stored as the formulation asks unless an override names the storage."""
    components = [(f"component {i}", d) for i, d in enumerate(req.component_expiries, start=1)]
    bud = beyond_use_date(compounded_on, f.bud_category, components, rules, req.stability_override)
    if f.storage and req.stability_override is None and bud.storage != f.storage:
        bud = BudResult(bud.date, bud.days, f.storage, bud.limited_by, bud.rule)
    return bud


def _merge(first: list[str], second: list[str]) -> list[str]:
    out = list(first)
    for x in second:
        if x not in out:
            out.append(x)
    return out


# --------------------------------------------------------------------------- JSON input


def _opt_decimal(data: Mapping[str, object], name: str) -> Decimal | None:
    value = data.get(name)
    return None if value is None else to_decimal(value, name)


def _opt_int(data: Mapping[str, object], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    number = to_decimal(value, name)
    if number != number.to_integral_value():
        raise FormulationError(name, "must be a whole number")
    return int(number)


def _bool(data: Mapping[str, object], name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise FormulationError(name, "must be true or false")
    return value


def _str(data: Mapping[str, object], name: str, default: str) -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise FormulationError(name, "must be text")
    return value


def _date(value: object, name: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_expiry(value, name)
    raise FormulationError(name, "must be a date (YYYY-MM-DD)")


def quote_request_from_json(data: Mapping[str, object]) -> QuoteRequest:
    """Parse the JSON body of a quote request (field names as in the API contract)."""
    api_data = data.get("api") or {}
    if not isinstance(api_data, Mapping):
        raise FormulationError("api", "must be an object")
    api = ApiSource(
        source=_str(api_data, "source", "powder"),
        form=_str(api_data, "form", "hcl"),
        assay_percent=to_decimal(api_data.get("assay_percent", 100), "api.assay_percent"),
        assay_basis=_str(api_data, "assay_basis", "as_is"),
        water_percent=to_decimal(api_data.get("water_percent", 0), "api.water_percent"),
        tablet_powder_mg_per_tablet=(
            None
            if api_data.get("tablet_powder_mg_per_tablet") is None
            else to_decimal(
                api_data["tablet_powder_mg_per_tablet"], "api.tablet_powder_mg_per_tablet"
            )
        ),
    )
    steps_data = data.get("titration") or []
    if not isinstance(steps_data, list):
        raise FormulationError("titration", "must be a list of {dose_mg, days}")
    steps = []
    for i, s in enumerate(steps_data, start=1):
        if not isinstance(s, Mapping):
            raise FormulationError("titration", f"step {i} must be an object with dose_mg, days")
        days = _opt_int(s, "days")
        if days is None:
            raise FormulationError("titration", f"step {i}: days is required")
        steps.append(TitrationStep(to_decimal(s.get("dose_mg"), "titration"), days))
    expiries_data = data.get("component_expiries") or []
    if not isinstance(expiries_data, list):
        raise FormulationError("component_expiries", "must be a list of dates")
    override_data = data.get("stability_override")
    override = None
    if override_data is not None:
        if not isinstance(override_data, Mapping):
            raise FormulationError("stability_override", "must be an object")
        days = _opt_int(override_data, "days")
        if days is None:
            raise FormulationError("stability_override.days", "days is required")
        override = StabilityOverride(
            days,
            _str(override_data, "storage", ""),
            _str(override_data, "reference", ""),
        )
    compounded = data.get("compounded_on")
    return QuoteRequest(
        dosage_form=_str(data, "dosage_form", ""),
        quantity=_opt_decimal(data, "quantity"),
        strength_mg=_opt_decimal(data, "strength_mg"),
        dose_basis=_str(data, "dose_basis", "hcl"),
        capsule_size=None if data.get("capsule_size") is None else str(data["capsule_size"]),
        filler_pack_stat_mg=_opt_decimal(data, "filler_pack_stat_mg"),
        api_pack_stat_mg=_opt_decimal(data, "api_pack_stat_mg"),
        filler_code=_str(data, "filler_code", "mcc"),
        concentration_mg_per_ml=_opt_decimal(data, "concentration_mg_per_ml"),
        dose_mg=_opt_decimal(data, "dose_mg"),
        titration=tuple(steps),
        syringe_ml=_opt_int(data, "syringe_ml"),
        preserved=_bool(data, "preserved", True),
        aqueous=_bool(data, "aqueous", True),
        overage_percent=_opt_decimal(data, "overage_percent"),
        balance_mwq_mg=_opt_decimal(data, "balance_mwq_mg"),
        api=api,
        compounded_on=None if compounded is None else _date(compounded, "compounded_on"),
        component_expiries=tuple(_date(e, "component_expiries") for e in expiries_data),
        stability_override=override,
        days_supply=_opt_int(data, "days_supply"),
    )
