"""The reference data every pharmacy starts with: the ingredient catalog and the first
version of each master formula, and the idempotent seeders that add whichever rows are
missing (run by `pharmacy.seed.seed_reference_data` after every upgrade)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.models import Formula, Item

# code, name, kind, base unit, engine code, capsule size, contains lactose
CATALOG: tuple[tuple[str, str, str, str, str | None, str | None, bool], ...] = (
    ("naltrexone-hcl", "Naltrexone HCl powder (API)", "api_powder", "mg", "powder", None, False),
    (
        "naltrexone-50mg-tablet",
        "Naltrexone HCl 50 mg tablet",
        "api_tablet",
        "each",
        "tablets",
        None,
        True,
    ),
    ("mcc", "Microcrystalline cellulose (Avicel PH-102)", "filler", "mg", "mcc", None, False),
    ("lactose", "Lactose monohydrate", "filler", "mg", "lactose", None, True),
    ("sodium-bicarbonate", "Sodium bicarbonate", "filler", "mg", "sodium_bicarbonate", None, False),
    *(
        (
            f"capsule-{size}",
            f"Hard gelatin capsule shell, size {size}",
            "capsule_shell",
            "each",
            None,
            size,
            False,
        )
        for size in ("000", "00", "0", "1", "2", "3", "4", "5")
    ),
    ("purified-water", "Purified water", "vehicle", "mL", "purified_water", None, False),
    ("glycerol", "Glycerol (glycerin)", "vehicle", "mL", "glycerol", None, False),
    ("syrup", "Simple syrup", "vehicle", "mL", "syrup", None, False),
    ("ascorbic-acid", "Ascorbic acid", "excipient", "mg", "ascorbic_acid", None, False),
    ("sodium-benzoate", "Sodium benzoate", "preservative", "mg", "sodium_benzoate", None, False),
)

API_CODES = ["naltrexone-hcl", "naltrexone-50mg-tablet"]
FAWCETT_REFERENCE = (
    "Fawcett JM et al. Ann Pharmacother 1997;31:1291 (1 mg/mL with 0.5% ascorbic acid, "
    "0.1% sodium benzoate, 20% glycerol)"
)
QC_CAPSULE = [
    "Weight check: weigh min(10, units) capsules one by one; each within the tolerance of "
    "the theoretical fill weight",
    "Visual: uniform powder, capsules closed and clean",
]
QC_LIQUID = ["Visual: clear solution or uniform suspension, no particles", "Final volume checked"]

FORMULAS: tuple[dict[str, Any], ...] = (
    {
        "code": "ldn-capsule-mcc",
        "name": "Naltrexone HCl capsules in microcrystalline cellulose",
        "dosage_form": "capsule",
        "lot_letter": "C",
        "capsule_size": "3",
        "bud_category": "capsule",
        "ingredients": [
            {
                "role": "api",
                "item_codes": API_CODES,
                "salt_form": "naltrexone HCl (anhydrous basis, potency from the lot's CoA)",
            },
            {"role": "filler", "item_codes": ["mcc"]},
            {"role": "capsule_shell", "item_codes": ["capsule-3"]},
        ],
        "steps": [
            "Weigh the naltrexone (aliquot method below the balance minimum).",
            "Weigh the filler; mix geometrically until uniform.",
            "Fill and close the capsules; weight-check.",
        ],
        "container": "Amber plastic vial with child-resistant closure",
        "labeling": ["Do not use opioid medicines", "Compounded preparation"],
        "quality_checks": QC_CAPSULE,
        "reference": "DOMAIN.md §3 pack-stat method; USP <795>",
    },
    {
        "code": "ldn-liquid-1mg-preserved",
        "name": "Naltrexone HCl 1 mg/mL oral solution, preserved (Fawcett)",
        "dosage_form": "liquid",
        "lot_letter": "L",
        "preserved": True,
        "aqueous": True,
        "bud_category": "aqueous_preserved",
        "ingredients": [
            {"role": "api", "item_codes": API_CODES},
            {"role": "ascorbic_acid", "item_codes": ["ascorbic-acid"]},
            {"role": "sodium_benzoate", "item_codes": ["sodium-benzoate"]},
            {"role": "glycerol", "item_codes": ["glycerol"]},
            {"role": "purified_water", "item_codes": ["purified-water"]},
        ],
        "parameters": {"concentration_mg_per_ml": "1"},
        "steps": [
            "Dissolve ascorbic acid, sodium benzoate and the naltrexone in about half the water.",
            "Add the glycerol; make up to volume with purified water; mix well.",
        ],
        "container": "Amber glass bottle with oral syringes",
        "labeling": ["Shake well", "Protect from light", "Refrigerate"],
        "quality_checks": QC_LIQUID,
        "reference": FAWCETT_REFERENCE,
    },
    {
        "code": "ldn-liquid-1mg-unpreserved",
        "name": "Naltrexone HCl 1 mg/mL oral solution in purified water (unpreserved)",
        "dosage_form": "liquid",
        "lot_letter": "L",
        "preserved": False,
        "aqueous": True,
        "bud_category": "aqueous_unpreserved",
        "ingredients": [
            {"role": "api", "item_codes": API_CODES},
            {"role": "purified_water", "item_codes": ["purified-water"]},
        ],
        "parameters": {"concentration_mg_per_ml": "1"},
        "steps": ["Dissolve (or disperse) the naltrexone in purified water; make up to volume."],
        "container": "Amber glass bottle with oral syringes",
        "labeling": ["Shake well", "Refrigerate", "Discard at the BUD"],
        "quality_checks": QC_LIQUID,
        "reference": "USP <795> aqueous, not preserved",
    },
    {
        "code": "ldn-triturate-10pct",
        "name": "Naltrexone HCl 10 % w/w triturate in microcrystalline cellulose",
        "dosage_form": "triturate",
        "lot_letter": "T",
        "bud_category": "capsule",
        "ingredients": [
            {"role": "api", "item_codes": ["naltrexone-hcl"]},
            {"role": "filler", "item_codes": ["mcc"]},
        ],
        "parameters": {"api_fraction": "0.1"},
        "steps": ["Weigh the naltrexone and the MCC; triturate geometrically until uniform."],
        "container": "Amber glass jar, tightly closed",
        "labeling": ["Intermediate: for compounding only"],
        "quality_checks": ["Visual: uniform powder"],
        "reference": "DOMAIN.md §4 aliquot method (stock triturate)",
    },
)


def seed_catalog(session: Session) -> int:
    existing = set(session.execute(select(Item.code)).scalars())
    added = 0
    for code, name, kind, unit, engine, size, lactose in CATALOG:
        if code in existing:
            continue
        session.add(
            Item(
                code=code,
                name=name,
                kind=kind,
                base_unit=unit,
                engine_code=engine,
                capsule_size=size,
                contains_lactose=lactose,
            )
        )
        added += 1
    return added


def seed_formulas(session: Session) -> int:
    existing = set(session.execute(select(Formula.code)).scalars())
    added = 0
    for spec in FORMULAS:
        if spec["code"] in existing:
            continue
        session.add(Formula(version=1, weighing_tolerance_percent=Decimal(5), **spec))
        added += 1
    return added
