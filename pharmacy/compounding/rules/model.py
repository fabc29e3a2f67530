"""The :class:`Rules` the engine reads: every rule a typed field, seeded from :mod:`.defaults`.

Each field carries its unit, source and codec kind as field metadata, so a rule table turns
into database rows (:meth:`Rules.as_records`) and back (:meth:`Rules.from_records`), and
every result can say which rule produced it (:meth:`Rules.describe`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules.codec import decode, encode
from pharmacy.compounding.rules.defaults import SEEDS
from pharmacy.compounding.rules.money import MONEY_SEEDS, money_problems
from pharmacy.compounding.rules.records import (
    BudCategory,
    CautionRule,
    Filler,
    OpioidIngredient,
    OpioidTerm,
    PriceListEntry,
    Rule,
    VehicleComponent,
)
from pharmacy.compounding.rules.screening import SCREEN_SEEDS, screen_problems

# The most overage a rule may ask for: making more than twice what is dispensed would be a
# typing slip, not a plan (project convention).
MAX_OVERAGE_PERCENT = Decimal(100)


def _seeded(name: str) -> Any:
    """The dataclass field of rule ``name``: its seeded default, unit, source and kind."""
    seed = SEEDS.get(name) or SCREEN_SEEDS.get(name) or MONEY_SEEDS[name]
    metadata = {"unit": seed.unit, "source": seed.source, "kind": seed.kind}
    value = seed.value
    if isinstance(value, dict):
        # A table is copied for every Rules, as a mutable default must be.
        return field(default_factory=lambda: dict(value), metadata=metadata)
    return field(default=value, metadata=metadata)


@dataclass(frozen=True)
class Rules:
    """Every default the engine uses. Each field carries its unit and DOMAIN.md source."""

    version: str = _seeded("version")
    # Where the pharmacy changed a rule, the source it gave (its SOP, a study…) replaces
    # the seeded citation: every result names the rule that produced it as it stands now.
    sources: Mapping[str, str] = field(
        default_factory=dict, compare=False, metadata={"not_a_rule": True}
    )

    mw_naltrexone_hcl: Decimal = _seeded("mw_naltrexone_hcl")
    mw_naltrexone_base: Decimal = _seeded("mw_naltrexone_base")
    mw_naltrexone_hcl_dihydrate: Decimal = _seeded("mw_naltrexone_hcl_dihydrate")
    tablet_label_claim_mg: Decimal = _seeded("tablet_label_claim_mg")

    dose_hard_stop_min_mg: Decimal = _seeded("dose_hard_stop_min_mg")
    dose_hard_stop_max_mg: Decimal = _seeded("dose_hard_stop_max_mg")
    dose_ack_low_mg: Decimal = _seeded("dose_ack_low_mg")
    dose_ack_high_mg: Decimal = _seeded("dose_ack_high_mg")
    addiction_tablet_mg: Decimal = _seeded("addiction_tablet_mg")

    capsule_volumes_ml: Mapping[str, Decimal] = _seeded("capsule_volumes_ml")
    default_capsule_size: str = _seeded("default_capsule_size")
    fillers: tuple[Filler, ...] = _seeded("fillers")
    default_filler_code: str = _seeded("default_filler_code")

    capsule_overage_percent: Decimal = _seeded("capsule_overage_percent")
    liquid_overage_percent: Decimal = _seeded("liquid_overage_percent")
    balance_mwq_mg: Decimal = _seeded("balance_mwq_mg")
    weight_check_tolerance_percent: Decimal = _seeded("weight_check_tolerance_percent")
    max_days_supply: int = _seeded("max_days_supply")
    liquid_aliquot_volumes_ml: tuple[Decimal, ...] = _seeded("liquid_aliquot_volumes_ml")
    weight_check_sample_max: int = _seeded("weight_check_sample_max")
    will_call_return_days: int = _seeded("will_call_return_days")
    refills_due_within_days: int = _seeded("refills_due_within_days")
    pickup_waiting_days: int = _seeded("pickup_waiting_days")
    batch_bud_soon_days: int = _seeded("batch_bud_soon_days")
    lot_expiry_soon_days: int = _seeded("lot_expiry_soon_days")

    syringe_graduations_ml: Mapping[int, Decimal] = _seeded("syringe_graduations_ml")
    liquid_concentrations_mg_per_ml: tuple[Decimal, ...] = _seeded(
        "liquid_concentrations_mg_per_ml"
    )

    bud_categories: tuple[BudCategory, ...] = _seeded("bud_categories")

    fawcett_vehicle: tuple[VehicleComponent, ...] = _seeded("fawcett_vehicle")
    fawcett_reference: str = _seeded("fawcett_reference")
    fawcett_stable_days_refrigerated: int = _seeded("fawcett_stable_days_refrigerated")
    fawcett_stable_days_room: int = _seeded("fawcett_stable_days_room")
    liquid_texts: Mapping[str, str] = _seeded("liquid_texts")
    liquid_texts_translated: Mapping[str, Mapping[str, str]] = _seeded("liquid_texts_translated")
    storage_texts_translated: Mapping[str, Mapping[str, str]] = _seeded("storage_texts_translated")

    label_warnings: tuple[str, ...] = _seeded("label_warnings")

    opioid_terms: tuple[OpioidTerm, ...] = _seeded("opioid_terms")
    opioid_misspelling_min_letters: int = _seeded("opioid_misspelling_min_letters")
    extended_release_words: tuple[str, ...] = _seeded("extended_release_words")
    washout_texts: Mapping[str, str] = _seeded("washout_texts")
    # DOMAIN.md §8 and §11 (screening.py): the rest of the clinical screen.
    opioid_ingredients: tuple[OpioidIngredient, ...] = _seeded("opioid_ingredients")
    opioid_lookalikes: tuple[str, ...] = _seeded("opioid_lookalikes")
    opioid_two_edit_min_letters: int = _seeded("opioid_two_edit_min_letters")
    duplicate_therapy_terms: tuple[str, ...] = _seeded("duplicate_therapy_terms")
    duplicate_therapy_rxcuis: tuple[str, ...] = _seeded("duplicate_therapy_rxcuis")
    capsules_per_dose_max: int = _seeded("capsules_per_dose_max")
    capsules_per_dose_suggested_max: int = _seeded("capsules_per_dose_suggested_max")
    screen_texts: Mapping[str, str] = _seeded("screen_texts")
    caution_rules: tuple[CautionRule, ...] = _seeded("caution_rules")
    caution_advice_translated: Mapping[str, Mapping[str, str]] = _seeded(
        "caution_advice_translated"
    )
    caution_lookalikes: tuple[str, ...] = _seeded("caution_lookalikes")
    ldn_indications: Mapping[str, str] = _seeded("ldn_indications")

    titration_templates: Mapping[str, tuple[tuple[Decimal, int], ...]] = _seeded(
        "titration_templates"
    )
    directions_route_timing: str = _seeded("directions_route_timing")
    label_warnings_translated: Mapping[str, tuple[str, ...]] = _seeded("label_warnings_translated")
    direction_texts: Mapping[str, Mapping[str, str]] = _seeded("direction_texts")
    label_languages: tuple[str, ...] = _seeded("label_languages")

    # DOMAIN.md §12 (money.py): costs beyond the ingredients, and how a price is made.
    labour_minutes: Mapping[str, Decimal] = _seeded("labour_minutes")
    labour_hourly_rate: Decimal = _seeded("labour_hourly_rate")
    overhead_percent: Decimal = _seeded("overhead_percent")
    batch_packaging_costs: Mapping[str, Decimal] = _seeded("batch_packaging_costs")
    fill_packaging_costs: Mapping[str, Decimal] = _seeded("fill_packaging_costs")
    price_markup_percent: Decimal = _seeded("price_markup_percent")
    price_dispensing_fee: Decimal = _seeded("price_dispensing_fee")
    price_minimum: Decimal = _seeded("price_minimum")
    price_rounding_increment: Decimal = _seeded("price_rounding_increment")
    price_list: tuple[PriceListEntry, ...] = _seeded("price_list")
    price_days_per_month: int = _seeded("price_days_per_month")
    standard_batch_units: Mapping[str, Decimal] = _seeded("standard_batch_units")

    def __post_init__(self) -> None:
        # A rule table an admin saved must still make sense as a whole: a negative overage
        # or a dose window turned inside out would break every calculation after it.
        for name, problem in self._problems():
            raise FormulationError(f"rules.{name}", problem)

    def _problems(self) -> list[tuple[str, str]]:
        checks = self._amount_checks() + self._dose_window_checks() + self._table_checks()
        checks += money_problems(self)
        checks += screen_problems(self)
        return [(name, text) for name, ok, text in checks if not ok]

    def _amount_checks(self) -> list[tuple[str, bool, str]]:
        """Molecular weights, overages, the balance and the counts: each in its range."""
        checks = [
            (name, getattr(self, name) > 0, "must be more than 0")
            for name in (
                "mw_naltrexone_hcl",
                "mw_naltrexone_base",
                "mw_naltrexone_hcl_dihydrate",
                "tablet_label_claim_mg",
                "balance_mwq_mg",
                "weight_check_tolerance_percent",
            )
        ]
        checks += [
            (
                name,
                0 <= getattr(self, name) <= MAX_OVERAGE_PERCENT,
                f"must be from 0 to {MAX_OVERAGE_PERCENT} %",
            )
            for name in ("capsule_overage_percent", "liquid_overage_percent")
        ]
        checks.append(
            (
                "weight_check_tolerance_percent",
                self.weight_check_tolerance_percent < 100,
                "must be less than 100 %",
            )
        )
        checks += [
            (name, getattr(self, name) >= 1, "must be 1 or more")
            for name in (
                "weight_check_sample_max",
                "max_days_supply",
                "will_call_return_days",
                "fawcett_stable_days_refrigerated",
                "fawcett_stable_days_room",
                "opioid_misspelling_min_letters",
            )
        ]
        return checks

    def _dose_window_checks(self) -> list[tuple[str, bool, str]]:
        """The hard stops and the acknowledgement window nest inside one another."""
        return [
            ("dose_hard_stop_min_mg", self.dose_hard_stop_min_mg >= 0, "cannot be negative"),
            (
                "dose_hard_stop_max_mg",
                self.dose_hard_stop_max_mg > self.dose_hard_stop_min_mg,
                "must be above dose_hard_stop_min_mg",
            ),
            (
                "dose_ack_low_mg",
                self.dose_hard_stop_min_mg <= self.dose_ack_low_mg <= self.dose_ack_high_mg,
                "must lie between dose_hard_stop_min_mg and dose_ack_high_mg",
            ),
            (
                "dose_ack_high_mg",
                self.dose_ack_high_mg <= self.dose_hard_stop_max_mg,
                "cannot be above dose_hard_stop_max_mg",
            ),
        ]

    def _language_checks(self) -> list[tuple[str, bool, str]]:
        """Every label language has its direction templates and its translated warnings."""
        missing = [
            lang
            for lang in self.label_languages
            if lang not in self.direction_texts
            or (lang != "en" and not self.label_warnings_translated.get(lang))
        ]
        return [
            (
                "liquid_texts_translated",
                all(
                    key in self.liquid_texts
                    for t in self.liquid_texts_translated.values()
                    for key in t
                ),
                "every text must name a key of liquid_texts",
            ),
            ("label_languages", "en" in self.label_languages, "must include en"),
            (
                "label_languages",
                not missing,
                f"no direction texts or translated warnings for {', '.join(missing)}",
            ),
        ]

    def _table_checks(self) -> list[tuple[str, bool, str]]:
        """Capsule volumes, syringes, aliquot volumes and concentrations are all positive."""
        return self._language_checks() + [
            (
                "capsule_volumes_ml",
                all(v > 0 for v in self.capsule_volumes_ml.values()),
                "every capsule volume must be more than 0 mL",
            ),
            (
                "syringe_graduations_ml",
                all(
                    size > 0 and 0 < grad <= size
                    for size, grad in self.syringe_graduations_ml.items()
                ),
                "every syringe and graduation must be more than 0 mL, the graduation no larger "
                "than the syringe",
            ),
            (
                "liquid_aliquot_volumes_ml",
                all(v > 0 for v in self.liquid_aliquot_volumes_ml),
                "every volume must be more than 0 mL",
            ),
            (
                "liquid_concentrations_mg_per_ml",
                all(c > 0 for c in self.liquid_concentrations_mg_per_ml),
                "every concentration must be more than 0 mg/mL",
            ),
        ]

    # ----------------------------------------------------------------- look-ups

    def bud_category(self, code: str) -> BudCategory:
        for cat in self.bud_categories:
            if cat.code == code:
                return cat
        known = ", ".join(c.code for c in self.bud_categories)
        raise FormulationError("bud_category", f"unknown BUD category '{code}'; known: {known}")

    def filler(self, code: str) -> Filler | None:
        """The filler with this code (case, hyphens and spaces ignored)."""
        wanted = code.strip().lower().replace("-", "_").replace(" ", "_")
        for f in self.fillers:
            if f.code == wanted:
                return f
        return None

    def mw_of(self, substance: str) -> Decimal:
        """Molecular weight of ``hcl``, ``hcl_dihydrate`` or ``base``."""
        return {
            "hcl": self.mw_naltrexone_hcl,
            "hcl_dihydrate": self.mw_naltrexone_hcl_dihydrate,
            "base": self.mw_naltrexone_base,
        }[substance]

    def describe(self, name: str) -> str:
        """``"name = value unit (source)"`` for ``rules_used``."""
        f = _FIELDS[name]
        value = encode(f.metadata["kind"], getattr(self, name))
        shown = value if isinstance(value, str | int) else "table"
        unit = f.metadata["unit"]
        source = self.sources.get(name) or f.metadata["source"]
        return f"{name} = {shown}{' ' + unit if unit else ''} ({source}; rules {self.version})"

    # ----------------------------------------------------------------- records

    def as_records(self) -> list[Rule]:
        return [
            Rule(
                f.name,
                encode(f.metadata["kind"], getattr(self, f.name)),
                f.metadata["unit"],
                self.sources.get(f.name) or f.metadata["source"],
            )
            for f in _FIELDS.values()
        ]

    @classmethod
    def from_records(cls, records: Iterable[Rule]) -> Rules:
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for rec in records:
            f = _FIELDS.get(rec.name)
            if f is None:
                continue
            if rec.source and rec.source != f.metadata["source"]:
                sources[rec.name] = rec.source
            try:
                values[rec.name] = decode(f.metadata["kind"], rec.value)
            except InvalidOperation:
                raise FormulationError(
                    f"rules.{rec.name}",
                    f"rule '{rec.name}' needs numbers: {rec.value!r} is not one",
                ) from None
            except (KeyError, TypeError, ValueError) as exc:
                raise FormulationError(
                    f"rules.{rec.name}", f"stored rule '{rec.name}' cannot be read: {exc}"
                ) from exc
        return cls(**values, sources=sources)


_FIELDS = {f.name: f for f in dataclasses.fields(Rules) if not f.metadata.get("not_a_rule")}

DEFAULT_RULES: Rules = Rules()
