"""The medicine of an LDN order: `medicationCodeableConcept` read as naltrexone in capsule
or oral-liquid form, with its strength and dose basis, from the coding or the text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy.fhir.codes import RXNORM_NALTREXONE, RXNORM_SYSTEM
from pharmacy.fhir.mapping import Mapped, concept_texts, number, unsupported

_NALTREXONE = re.compile(r"\bnaltrexone\b", re.IGNORECASE)
_STRENGTH = re.compile(
    r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>mg\s*/\s*ml|mg\s+per\s+ml|mg)\b", re.IGNORECASE
)
_CAPSULE = re.compile(r"\bcap(?:sule)?s?\b", re.IGNORECASE)
_LIQUID = re.compile(r"\b(?:liquid|solution|suspension)\b", re.IGNORECASE)
_OTHER_FORM = re.compile(
    r"\b(?:tablets?|tabs?|cream|gel|ointment|injection|injectable|implant|patch|spray|"
    r"drops|troche|lozenge|sublingual|topical|suppository)\b",
    re.IGNORECASE,
)
_MODIFIED_RELEASE = re.compile(
    r"\b(?:er|sr|xr|xl|cr|extended|sustained|slow|delayed|modified)\b", re.IGNORECASE
)
_BASE = re.compile(r"\bbase\b", re.IGNORECASE)
_OTHER_INGREDIENT = re.compile(r"\b(?:and|with|plus)\b|\+|/(?!\s*ml)", re.IGNORECASE)


@dataclass(frozen=True)
class Medicine:
    dosage_form: str  # capsule | liquid
    strength: Decimal  # mg per capsule, or mg per mL
    dose_basis: str  # hcl | base

    @property
    def strength_field(self) -> str:
        return "strength_mg" if self.dosage_form == "capsule" else "concentration_mg_per_ml"


def read_medicine(request: Any, path: str, mapped: Mapped) -> Medicine:
    """The form, strength and basis the order names; put into the intake body."""
    if request.medicationReference is not None:
        raise unsupported(
            f"{path}.medicationReference",
            "Name the medicine in medicationCodeableConcept; a referenced Medication "
            "resource is not read.",
        )
    where = f"{path}.medicationCodeableConcept"
    concept = request.medicationCodeableConcept
    if concept is None:
        raise unsupported(where, "Name the medicine in medicationCodeableConcept.")
    _check_codes(concept, where)
    readings = [(text, _read_text(text, where)) for text in concept_texts(concept)]
    complete = {reading for _, reading in readings if reading is not None}
    if not complete:
        raise unsupported(
            where,
            "Give the form and strength in text, e.g. 'Naltrexone HCl 1.5 mg capsule' or "
            "'Naltrexone HCl 1 mg/mL oral liquid'.",
        )
    if len(complete) > 1:
        raise unsupported(where, "The text and the codings name different strengths or forms.")
    medicine = complete.pop()
    mapped.put("dosage_form", medicine.dosage_form, where)
    mapped.put(medicine.strength_field, number(medicine.strength), where)
    mapped.put("dose_basis", medicine.dose_basis, where)
    return medicine


def _check_codes(concept: Any, where: str) -> None:
    for index, coding in enumerate(concept.coding or ()):
        if coding.system == RXNORM_SYSTEM and coding.code not in (None, RXNORM_NALTREXONE):
            raise unsupported(
                f"{where}.coding[{index}].code",
                f"RxNorm {coding.code} is not the naltrexone ingredient ({RXNORM_NALTREXONE}): "
                "compounded LDN has no RxNorm product code, so send the ingredient with the "
                "form and strength in text.",
            )


def _read_text(text: str, where: str) -> Medicine | None:
    """'Naltrexone HCl 1.5 mg capsule' → capsule, 1.5, hcl. None when the text names
    naltrexone without a form and strength (a bare display); refused when it names
    something the pharmacy does not make."""
    if not _NALTREXONE.search(text):
        if _STRENGTH.search(text):
            raise unsupported(where, "This pharmacy's orders are for naltrexone only.")
        return None
    if _MODIFIED_RELEASE.search(text):
        raise unsupported(where, "LDN is compounded for immediate release only.")
    if _OTHER_FORM.search(text):
        raise unsupported(where, "The pharmacy compounds LDN as capsules or an oral liquid.")
    if _OTHER_INGREDIENT.search(_STRENGTH.sub("", text)):
        raise unsupported(where, "Send naltrexone alone; combination preparations are not made.")
    strengths = {(Decimal(m["value"]), _unit(m["unit"])) for m in _STRENGTH.finditer(text)}
    capsule, liquid = bool(_CAPSULE.search(text)), bool(_LIQUID.search(text))
    if not strengths and not capsule and not liquid:
        return None
    if len(strengths) != 1 or capsule == liquid:
        raise unsupported(
            where,
            "Name one form (capsule or oral liquid) and one strength (mg per capsule, or mg/mL).",
        )
    value, unit = strengths.pop()
    form = "capsule" if capsule else "liquid"
    if (form == "capsule") != (unit == "mg"):
        raise unsupported(
            where, "A capsule's strength is in mg; an oral liquid's concentration in mg/mL."
        )
    return Medicine(form, value, "base" if _BASE.search(text) else "hcl")


def _unit(text: str) -> str:
    return "mg" if text.strip().lower() == "mg" else "mg/mL"


def medicine_text(dosage_form: str, strength: Decimal, dose_basis: str) -> str:
    """The words the pharmacy writes back: 'Naltrexone HCl 1.5 mg capsule'."""
    salt = "base" if dose_basis == "base" else "HCl"
    shown = format(strength.normalize(), "f")
    if dosage_form == "capsule":
        return f"Naltrexone {salt} {shown} mg capsule"
    return f"Naltrexone {salt} {shown} mg/mL oral liquid"
