"""Rules to and from JSON: each rule's ``kind`` names the codec that writes and reads it.

The database stores every rule's value as JSON (no ``Decimal``, no tuple of records); these
codecs turn a rule's value into that form and back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from pharmacy.compounding.rules.records import (
    BudCategory,
    CautionRule,
    Filler,
    OpioidIngredient,
    OpioidTerm,
    PriceListEntry,
    VehicleComponent,
)

JsonValue = Any  # str | int | bool | None | list[JsonValue] | dict[str, JsonValue]


def dec(value: object) -> Decimal:
    """A finite number from its text (or an int); refuses floats, booleans and anything else."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise TypeError(f"expected a number as text, got {value!r}")
    d = Decimal(value)
    if not d.is_finite():
        raise ValueError("not a finite number")
    return d


# --------------------------------------------------------------------------- records


def bud_category_to_json(cat: BudCategory) -> dict[str, JsonValue]:
    return {"code": cat.code, "label": cat.label, "days": cat.days, "storage": cat.storage}


def bud_category_from_json(data: Mapping[str, Any]) -> BudCategory:
    return BudCategory(
        str(data["code"]), str(data["label"]), int(data["days"]), str(data["storage"])
    )


def vehicle_component_to_json(component: VehicleComponent) -> dict[str, JsonValue]:
    return {
        "code": component.code,
        "name": component.name,
        "percent": str(component.percent),
        "basis": component.basis,
    }


def vehicle_component_from_json(data: Mapping[str, Any]) -> VehicleComponent:
    return VehicleComponent(
        str(data["code"]), str(data["name"]), dec(data["percent"]), str(data["basis"])
    )


def filler_to_json(filler: Filler) -> dict[str, JsonValue]:
    return {
        "code": filler.code,
        "name": filler.name,
        "bulk_density_g_per_ml": (
            None if filler.bulk_density_g_per_ml is None else str(filler.bulk_density_g_per_ml)
        ),
        "status": filler.status,
        "note": filler.note,
        "contains_lactose": filler.contains_lactose,
    }


def filler_from_json(data: Mapping[str, Any]) -> Filler:
    density = data.get("bulk_density_g_per_ml")
    return Filler(
        str(data["code"]),
        str(data["name"]),
        None if density is None else dec(density),
        str(data.get("status", "ok")),
        str(data.get("note", "")),
        bool(data.get("contains_lactose", False)),
    )


def opioid_term_to_json(term: OpioidTerm) -> dict[str, JsonValue]:
    return {
        "term": term.term,
        "ingredient": term.ingredient,
        "class": term.drug_class,
        "severity": term.severity,
        "note": term.note,
        "kind": term.kind,
        "form": term.form,
        "source": term.source,
    }


def opioid_term_from_json(data: Mapping[str, Any]) -> OpioidTerm:
    return OpioidTerm(
        str(data["term"]),
        str(data["ingredient"]),
        str(data.get("class", data.get("drug_class", "short_acting"))),
        str(data.get("severity", "stop")),
        str(data.get("note", "")),
        str(data.get("kind", "generic")),
        str(data.get("form", "")),
        str(data.get("source", "")),
    )


def opioid_ingredient_to_json(item: OpioidIngredient) -> dict[str, JsonValue]:
    return {
        "name": item.name,
        "rxcui": item.rxcui,
        "class": item.drug_class,
        "washout": item.washout,
        "severity": item.severity,
        "note": item.note,
        "source": item.source,
    }


def opioid_ingredient_from_json(data: Mapping[str, Any]) -> OpioidIngredient:
    rxcui = data.get("rxcui")
    return OpioidIngredient(
        str(data["name"]),
        None if rxcui in (None, "") else str(rxcui),
        str(data["class"]),
        str(data["washout"]),
        str(data.get("severity", "stop")),
        str(data.get("note", "")),
        str(data.get("source", "")),
    )


def caution_to_json(rule: CautionRule) -> dict[str, JsonValue]:
    return {
        "code": rule.code,
        "title": rule.title,
        "names": list(rule.names),
        "codes": list(rule.codes),
        "pharmacist_text": rule.pharmacist_text,
        "patient_advice": rule.patient_advice,
        "acknowledge": rule.acknowledge,
        "source": rule.source,
    }


def caution_from_json(data: Mapping[str, Any]) -> CautionRule:
    return CautionRule(
        str(data["code"]),
        str(data["title"]),
        tuple(str(n) for n in data["names"]),
        tuple(str(c) for c in data.get("codes", ())),
        str(data["pharmacist_text"]),
        str(data.get("patient_advice", "")),
        bool(data.get("acknowledge", False)),
        str(data.get("source", "")),
    )


def price_entry_to_json(entry: PriceListEntry) -> dict[str, JsonValue]:
    return {
        "dosage_form": entry.dosage_form,
        "strength": str(entry.strength),
        "quantity": str(entry.quantity),
        "price": str(entry.price),
    }


def price_entry_from_json(data: Mapping[str, Any]) -> PriceListEntry:
    return PriceListEntry(
        str(data["dosage_form"]), dec(data["strength"]), dec(data["quantity"]), dec(data["price"])
    )


# --------------------------------------------------------------------------- per-kind codecs


def _each(to_json: Callable[[Any], JsonValue]) -> Callable[[Iterable[Any]], JsonValue]:
    return lambda items: [to_json(item) for item in items]


_ENCODERS: dict[str, Callable[[Any], JsonValue]] = {
    "str": str,
    "int": int,
    "decimal": str,
    "decimal_map": lambda m: {str(k): str(v) for k, v in m.items()},
    "int_decimal_map": lambda m: {str(k): str(v) for k, v in m.items()},
    "str_map": lambda m: {str(k): str(v) for k, v in m.items()},
    "decimal_list": lambda xs: [str(x) for x in xs],
    "str_list": lambda xs: [str(x) for x in xs],
    "str_list_map": lambda m: {str(k): [str(x) for x in xs] for k, xs in m.items()},
    "text_by_language": lambda m: {
        str(lang): {str(k): str(v) for k, v in texts.items()} for lang, texts in m.items()
    },
    "fillers": _each(filler_to_json),
    "bud_categories": _each(bud_category_to_json),
    "vehicle": _each(vehicle_component_to_json),
    "opioids": _each(opioid_term_to_json),
    "opioid_ingredients": _each(opioid_ingredient_to_json),
    "cautions": _each(caution_to_json),
    "price_list": _each(price_entry_to_json),
    "templates": lambda m: {
        code: [{"dose_mg": str(dose), "days": days} for dose, days in steps]
        for code, steps in m.items()
    },
}

_DECODERS: dict[str, Callable[[Any], Any]] = {
    "str": str,
    "int": int,
    "decimal": dec,
    "decimal_map": lambda m: {str(k): dec(v) for k, v in dict(m).items()},
    "int_decimal_map": lambda m: {int(k): dec(v) for k, v in dict(m).items()},
    "str_map": lambda m: {str(k): str(v) for k, v in dict(m).items()},
    "decimal_list": lambda xs: tuple(dec(x) for x in xs),
    "str_list": lambda xs: tuple(str(x) for x in xs),
    "str_list_map": lambda m: {str(k): tuple(str(x) for x in xs) for k, xs in dict(m).items()},
    "text_by_language": lambda m: {
        str(lang): {str(k): str(v) for k, v in dict(texts).items()}
        for lang, texts in dict(m).items()
    },
    "fillers": lambda xs: tuple(filler_from_json(x) for x in xs),
    "bud_categories": lambda xs: tuple(bud_category_from_json(x) for x in xs),
    "vehicle": lambda xs: tuple(vehicle_component_from_json(x) for x in xs),
    "opioids": lambda xs: tuple(opioid_term_from_json(x) for x in xs),
    "opioid_ingredients": lambda xs: tuple(opioid_ingredient_from_json(x) for x in xs),
    "cautions": lambda xs: tuple(caution_from_json(x) for x in xs),
    "price_list": lambda xs: tuple(price_entry_from_json(x) for x in xs),
    "templates": lambda m: {
        str(code): tuple((dec(s["dose_mg"]), int(s["days"])) for s in steps)
        for code, steps in dict(m).items()
    },
}


def encode(kind: str, value: Any) -> JsonValue:
    """A rule's value as JSON, by the rule's kind."""
    return _ENCODERS[kind](value)


def decode(kind: str, value: Any) -> Any:
    """A rule's value from its JSON, by the rule's kind (raises on a value it cannot read)."""
    return _DECODERS[kind](value)
