"""`FastLoadSchema.load` (schema/fast_load.py) loads what marshmallow's `Schema.load` loads
and refuses what it refuses, with the same messages: for intake's request schema over
valid and invalid prescriptions, and for every strict schema of the project over any JSON
object."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, missing

import schema
from schema import fast_load
from schema.common import StrictSchema
from schema.prescriptions import CorrectionIn, PrescriptionIn


@contextmanager
def _marshmallow_only() -> Iterator[None]:
    """Every schema, nested ones included, loading the way marshmallow does."""
    short = fast_load.FastLoadSchema._short_load
    fast_load.FastLoadSchema._short_load = lambda *_a, **_k: missing  # type: ignore[method-assign]
    try:
        yield
    finally:
        fast_load.FastLoadSchema._short_load = short  # type: ignore[method-assign]


def _outcome(schema_: Schema, data: Any) -> tuple[str, Any]:
    try:
        return "loaded", schema_.load(data)
    except ValidationError as error:
        return "refused", error.messages


def _same_either_way(schema_: Schema, data: Any) -> None:
    fast = _outcome(schema_, data)
    with _marshmallow_only():
        slow = _outcome(schema_, data)
    assert fast == slow


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
_number = st.sampled_from(["4.5", "0.5", "1", "12.25", "1e3", "-1", "abc", "1.00001"]) | st.integers(
    -2, 400
) | st.floats(allow_nan=True) | st.booleans()
_patient = st.fixed_dictionaries(
    {
        "first_name": st.sampled_from(["Ada", "  Bo ", "", "x" * 120]) | _json,
        "last_name": st.sampled_from(["Lovelace", "O'Neil"]) | _json,
        "date_of_birth": st.sampled_from(["1970-05-01", "2990-01-01", "1970-13-01"]) | _json,
    },
    optional={
        "address": st.text(max_size=12) | _json,
        "phone": st.sampled_from(["(217) 555-0100", ""]) | _json,
        "allergies": st.lists(st.text(max_size=8), max_size=3) | _json,
        "current_medications": st.lists(st.sampled_from(["sertraline", "tramadol"]), max_size=2),
        "nickname": _json,
    },
)
_prescription = st.fixed_dictionaries(
    {"patient": _patient | _json, "dosage_form": st.sampled_from(["capsule", "liquid", "tablet"])},
    optional={
        "prescriber_id": st.integers(-1, 3) | _json,
        "source": st.sampled_from(["api", "phone", "carrier pigeon"]),
        "dose_basis": st.sampled_from(["hcl", "base", "other"]),
        "strength_mg": _number,
        "concentration_mg_per_ml": _number,
        "dose_mg": _number,
        "titration": st.lists(
            st.fixed_dictionaries({"dose_mg": _number, "days": st.integers(-1, 40)}), max_size=3
        )
        | _json,
        "quantity": _number,
        "days_supply": st.integers(-1, 400) | _json,
        "refills": st.integers(-1, 12),
        "filler": st.sampled_from(["MCC", "lactose", "\x07"]),
        "syringe_ml": st.sampled_from([1, 2, 3, 5]),
        "notes": st.text(max_size=10),
        "opioid_attestation": st.booleans() | _json,
        "surprise": _json,
    },
)


_name = st.sampled_from(["Ada", "  Bo ", "Zoë", "O'Neil-Smith"])
_valid_patient = st.fixed_dictionaries(
    {"first_name": _name, "last_name": _name, "date_of_birth": st.sampled_from(["1970-05-01", "2001-02-28"])},
    optional={
        "address": st.sampled_from(["", "1 Bench Street"]),
        "phone": st.sampled_from(["", "(217) 555-0100"]),
        "allergies": st.lists(st.sampled_from(["latex", "lactose", "penicillin"]), max_size=2),
        "current_medications": st.lists(st.sampled_from(["sertraline 50 mg", "tramadol"]), max_size=2),
    },
)
_dose = st.sampled_from(["0.5", "1.5", "4.5", 3, 4.5, "2.25"])
_step = st.fixed_dictionaries({"dose_mg": _dose, "days": st.integers(1, 14)})
_fixed_or_titrated = st.one_of(
    st.fixed_dictionaries({"dose_mg": _dose}, optional={"days_supply": st.integers(1, 90), "quantity": st.sampled_from(["30", 60])}),
    st.fixed_dictionaries({"titration": st.lists(_step, min_size=1, max_size=3)}),
)
_form = st.one_of(
    st.fixed_dictionaries({"dosage_form": st.just("capsule"), "strength_mg": _dose}),
    st.fixed_dictionaries({"dosage_form": st.just("liquid"), "concentration_mg_per_ml": st.sampled_from(["1", "0.5"])}),
)
_valid_prescription = st.builds(
    lambda form, plan, patient, extra: {**form, **plan, "patient": patient, **extra},
    _form,
    _fixed_or_titrated,
    _valid_patient,
    st.fixed_dictionaries(
        {},
        optional={
            "refills": st.integers(0, 11),
            "notes": st.sampled_from(["", "Bedtime.\r\nTwo lines"]),
            "opioid_attestation": st.booleans(),
            "dose_basis": st.sampled_from(["hcl", "base"]),
            "source": st.just("api"),
            "filler": st.sampled_from(["MCC", " mcc "]),
            "syringe_ml": st.sampled_from([1, 3, 5]),
        },
    ),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_valid_prescription | _prescription)
def test_a_prescription_loads_or_is_refused_as_marshmallow_would(data: dict[str, Any]) -> None:
    _same_either_way(PrescriptionIn(), data)


@settings(max_examples=100, deadline=None)
@given(_valid_prescription)
def test_valid_prescriptions_take_the_short_way(data: dict[str, Any]) -> None:
    schema_ = PrescriptionIn()
    short = schema_._short_load(data, many=None, partial=None, unknown=None)
    if short is not missing:  # liquids without a dose, say, are refused by marshmallow
        with _marshmallow_only():
            assert short == schema_.load(data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_prescription, st.text(max_size=12) | _json)
def test_a_correction_loads_or_is_refused_as_marshmallow_would(
    prescription: dict[str, Any], reason: Any
) -> None:
    _same_either_way(CorrectionIn(), {"reason": reason, "prescription": prescription})


def _strict_schemas() -> list[type[Schema]]:
    found: dict[str, type[Schema]] = {}
    for module_info in pkgutil.iter_modules(schema.__path__):
        module = importlib.import_module(f"schema.{module_info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, StrictSchema)
                and value is not StrictSchema
            ):
                found[f"{value.__module__}.{name}"] = value
    return [found[name] for name in sorted(found)]


@pytest.mark.parametrize("schema_class", _strict_schemas(), ids=lambda c: c.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_strict_schema_loads_any_object_as_marshmallow_would(
    schema_class: type[Schema], data: st.DataObject
) -> None:
    schema_ = schema_class()
    keys = list(schema_.load_fields)
    obj = data.draw(
        st.dictionaries(st.sampled_from(keys) if keys else st.text(max_size=4), _json, max_size=6)
        | _json
    )
    _same_either_way(schema_, obj)
