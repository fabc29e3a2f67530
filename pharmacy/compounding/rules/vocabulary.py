"""The reviewed vocabularies the clinical screen reads, loaded from the data files shipped
beside this module (``data/*.json``): the opioid gate's ingredients, names and look-alikes
(DOMAIN.md §8), the cautions (§11) and the common LDN indications.

They are data, not code: a pharmacist reviews the JSON, every group of names carries its
source, and the tables become seeded rules (:mod:`.screening`) an administrator may change.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from pharmacy.compounding.rules.records import CautionRule, OpioidIngredient, OpioidTerm


@cache
def load(name: str) -> dict[str, Any]:
    """One data file, parsed once."""
    text = resources.files("pharmacy.compounding.rules").joinpath("data", name).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def opioid_ingredients() -> tuple[OpioidIngredient, ...]:
    return tuple(
        OpioidIngredient(
            name=row["name"],
            rxcui=row["rxcui"],
            drug_class=row["class"],
            washout=row["washout"],
            severity=row.get("severity", "stop"),
            note=row.get("note", ""),
            source=row["source"],
        )
        for row in load("opioids.json")["ingredients"]
    )


def opioid_terms() -> tuple[OpioidTerm, ...]:
    """Every name, one record each, with its ingredient's severity and note and its group's
    washout (an extended-release brand's may be longer than its ingredient's)."""
    by_name = {i.name: i for i in opioid_ingredients()}
    terms = []
    for group in load("opioids.json")["terms"]:
        ingredient = by_name[group["ingredient"]]
        for name in group["names"]:
            terms.append(
                OpioidTerm(
                    term=name,
                    ingredient=ingredient.name,
                    drug_class=group.get("washout", ingredient.washout),
                    severity=ingredient.severity,
                    note=ingredient.note,
                    kind=group["kind"],
                    form=group.get("form", ""),
                    source=group["source"],
                )
            )
    return tuple(terms)


def opioid_lookalikes() -> tuple[str, ...]:
    return tuple(load("opioids.json")["lookalikes"]["names"])


def lookalike_source() -> str:
    return str(load("opioids.json")["lookalikes"]["source"])


def duplicate_therapy() -> dict[str, Any]:
    """Naltrexone already taken: its names, RxCUI and source."""
    return dict(load("opioids.json")["duplicate_therapy"])


def caution_rules() -> tuple[CautionRule, ...]:
    return tuple(
        CautionRule(
            code=row["code"],
            title=row["title"],
            names=tuple(row["names"]),
            codes=tuple(row.get("codes", ())),
            pharmacist_text=row["pharmacist_text"],
            patient_advice=row["patient_advice"],
            acknowledge=bool(row["acknowledge"]),
            source=row["source"],
        )
        for row in load("cautions.json")["cautions"]
    )


def caution_lookalikes() -> tuple[str, ...]:
    return tuple(load("cautions.json")["lookalikes"]["names"])


def ldn_indications() -> dict[str, str]:
    """Common LDN indications: text → ICD-10-CM code."""
    return {row["text"]: row["icd10"] for row in load("indications.json")["indications"]}
