"""Planning a batch from chosen sources: the amounts the formulation engine gives for the
ACTUAL lots (their assay, salt form, pack stats), one planner per dosage form (capsules,
liquids, triturates), and the BUD those lots allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pharmacy.compounding.bud import StabilityOverride, beyond_use_date
from pharmacy.compounding.capsules import CapsuleQuote, CapsuleRequest, WeightCheck, quote_capsules
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.liquids import LiquidQuote, LiquidRequest, quote_liquid
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.salts import ApiSource, api_requirement
from pharmacy.compounding.units import format_ml, plain, round_mg, round_ml
from pharmacy.errors import Conflict, Invalid
from pharmacy.models import Batch, Formula, IngredientLot, Prescription

HUNDRED = Decimal(100)


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


def _api_weighing(quote: CapsuleQuote | LiquidQuote, tablets: bool) -> tuple[Decimal, str]:
    """The API line of the worksheet: whole tablets counted, the aliquot's weighing when the
    dose is below what the balance weighs well, or else the powder itself."""
    if tablets:
        return Decimal(quote.api.tablets or 0), "each"
    if quote.aliquot is not None:
        return quote.aliquot.api_weigh_mg, "mg"
    return quote.api_weigh_mg or Decimal(0), "mg"


def _capsule_order(data: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """The strength and the count a capsule batch is asked for."""
    strength = data.get("strength_mg")
    if strength is None:
        raise Invalid("strength_mg", "a capsule batch needs strength_mg")
    if data.get("concentration_mg_per_ml") is not None:
        raise Invalid("concentration_mg_per_ml", "applies to liquids only")
    quantity = data["quantity"]
    if quantity != quantity.to_integral_value():
        raise Invalid("quantity", "capsules are counted in whole numbers")
    return strength, quantity


def _no_tablet_powder(source: Source) -> Invalid:
    # The filler to weigh is the fill less the tablet powder: without the powder's mass
    # the batch cannot say how much filler it uses, nor check the weighing against it.
    lot = source.lot
    return Invalid(
        "lot_ids",
        f"tablet lot {lot.manufacturer_lot if lot else ''} has no tablet powder mass per "
        "tablet recorded (weigh 10 crushed tablets when receiving the lot): a capsule "
        "batch needs it to plan the filler",
    )


def _capsule_components(
    quote: CapsuleQuote, chosen: dict[str, Source], size: str, tablets: bool
) -> list[PlannedComponent]:
    units = quote.units_to_make
    api_amount, api_unit = _api_weighing(quote, tablets)
    if quote.filler_weigh_mg is not None:
        filler_amount = quote.filler_weigh_mg
    else:
        filler_amount = round_mg(quote.filler_pack_stat_mg * units)
    if quote.aliquot is not None:
        filler_amount += quote.aliquot.diluent_mg
    return [
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


def _weight_check(wc: WeightCheck) -> dict[str, Any]:
    return {
        "sample": wc.sample,
        "theoretical_mg": wc.theoretical_mg,
        "low_mg": wc.low_mg,
        "high_mg": wc.high_mg,
    }


def _capsule_calculation(quote: CapsuleQuote, size: str) -> dict[str, Any]:
    """How the engine got there, kept with the batch for the worksheet and the audit."""
    return {
        "capsule_size": size,
        "units_to_make": quote.units_to_make,
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
    }


def _plan_capsules(
    formula: Formula,
    data: dict[str, Any],
    chosen: dict[str, Source],
    rules: Rules,
    rx: Prescription | None = None,
) -> Plan:
    strength, quantity = _capsule_order(data)
    size = data.get("capsule_size") or formula.capsule_size or rules.default_capsule_size
    api_source, tablets = _api_source(chosen["api"])
    if tablets and api_source.tablet_powder_mg_per_tablet is None:
        raise _no_tablet_powder(chosen["api"])
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
    return Plan(
        formula=formula,
        dosage_form="capsule",
        unit="capsule",
        units_made=Decimal(quote.units_to_make),
        quantity_requested=quantity,
        strength_mg=strength,
        concentration_mg_per_ml=None,
        dose_basis=request.dose_basis,
        potency_fraction=None,
        bud_category=formula.bud_category,
        storage=None,
        components=_capsule_components(quote, chosen, size, tablets),
        weight_check=_weight_check(quote.weight_check),
        calculation=_capsule_calculation(quote, size),
    )


def _liquid_concentration(formula: Formula, data: dict[str, Any]) -> Decimal:
    """The concentration asked for, or the master formula's own when none is given."""
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
    return concentration


def _liquid_doses(
    data: dict[str, Any], concentration: Decimal, rx: Prescription | None
) -> tuple[list[Decimal], int | None, bool]:
    """The doses the engine checks can be measured, the syringe, and whether the batch is
    for stock rather than one patient."""
    if rx is not None and rx.dosage_form == "liquid":
        if rx.concentration_mg_per_ml != concentration:
            raise Invalid(
                "prescription_id",
                f"the prescription is for {plain(rx.concentration_mg_per_ml or Decimal(0))} "
                f"mg/mL; this batch would be {plain(concentration)} mg/mL",
            )
        # Made for one patient: their doses and their syringe go on the worksheet.
        doses = [s.dose_mg for s in rx.steps] or [rx.dose_mg or concentration]
        return doses, rx.syringe_ml, False
    # For stock a 1 mL dose stands in to check that the concentration can be measured.
    return [data.get("dose_mg") or concentration], None, data.get("dose_mg") is None


def _liquid_components(
    formula: Formula,
    quote: LiquidQuote,
    chosen: dict[str, Source],
    volume: Decimal,
    tablets: bool,
) -> list[PlannedComponent]:
    api_amount, api_unit = _api_weighing(quote, tablets)
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
        amount, description = vehicle.amount, vehicle.name
        if vehicle.name.endswith("q.s. to"):
            # Made up to the batch's volume (what the batch records as made); the amount is
            # what is drawn from the lot for it.
            description = f"{vehicle.name} {format_ml(volume)} mL"
            amount = max(volume - measured_ml, Decimal(0))
            if quote.aliquot is not None and vehicle.code == "purified_water":
                # The stock solution's water: the measured share is in the batch's q.s.,
                # the rest is discarded with the stock.
                amount += quote.aliquot.discarded_ml
        components.append(PlannedComponent(vehicle.code, description, source, vehicle.unit, amount))
    return components


def _liquid_calculation(quote: LiquidQuote) -> dict[str, Any]:
    """How the engine got there, kept with the batch for the worksheet and the audit."""
    return {
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
    }


def _plan_liquid(
    formula: Formula,
    data: dict[str, Any],
    chosen: dict[str, Source],
    rules: Rules,
    rx: Prescription | None = None,
) -> Plan:
    if data.get("strength_mg") is not None:
        raise Invalid("strength_mg", "applies to capsules only; give concentration_mg_per_ml")
    concentration = _liquid_concentration(formula, data)
    api_source, tablets = _api_source(chosen["api"])
    doses, syringe, for_stock = _liquid_doses(data, concentration, rx)
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
        components=_liquid_components(formula, quote, chosen, volume, tablets),
        weight_check=None,
        calculation=_liquid_calculation(quote),
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
