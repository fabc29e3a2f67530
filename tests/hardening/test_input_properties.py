"""Guarantee 1, as properties (no app, no database): whatever JSON arrives, every input
schema either loads it or raises a ValidationError, and the engine either quotes a request
or raises a FormulationError — never any other exception (which would be a 500)."""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

import schema
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.quote import compute_quote, quote_request_from_json
from pharmacy.compounding.rules import DEFAULT_RULES
from schema.common import DecimalNumber, StrictSchema, WholeNumber

PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))

odd_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["NaN", "Infinity", "-inf", "1e400", "1e-400", "0x1f", "٤.٥", "4,5",
                     " 4.5 ", "", "-0", "1_0", "\x00", "\ud800", "9" * 60]),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True), odd_text,
    st.dates().map(date.isoformat),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=5),
    ),
    max_leaves=20,
)


def _input_schemas() -> list[type[StrictSchema]]:
    found: dict[str, type[StrictSchema]] = {}
    for module_info in pkgutil.iter_modules(schema.__path__):
        module = importlib.import_module(f"schema.{module_info.name}")
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, StrictSchema) and obj is not StrictSchema:
                found[f"{obj.__module__}.{name}"] = obj
    return [found[k] for k in sorted(found)]


SCHEMAS = _input_schemas()


def _field_keyed(schema_cls: type[StrictSchema]) -> Any:
    """Dicts that mostly use the schema's own field names (so validation goes deep)."""
    names = list(schema_cls().fields)
    keys = st.one_of(st.sampled_from(names), st.text(max_size=8)) if names else st.text()
    return st.dictionaries(keys, json_values, max_size=len(names) + 2)


def test_every_input_schema_is_found() -> None:
    assert len(SCHEMAS) >= 5
    assert any(cls.__name__ == "PrescriptionIn" for cls in SCHEMAS)


@pytest.mark.parametrize("schema_cls", SCHEMAS, ids=lambda c: c.__name__)
def test_schema_loads_or_refuses_cleanly(schema_cls: type[StrictSchema]) -> None:
    @PROPERTY
    @given(data=st.one_of(_field_keyed(schema_cls), json_values))
    def check(data: Any) -> None:
        with contextlib.suppress(ValidationError):
            schema_cls().load(data)

    check()


@PROPERTY
@given(value=st.one_of(scalars, st.lists(scalars, max_size=2)))
def test_decimal_number_is_exact_and_finite_or_refused(value: Any) -> None:
    field = DecimalNumber()
    try:
        number = field.deserialize(value)
    except ValidationError:
        return
    assert isinstance(number, Decimal) and number.is_finite()
    assert abs(number) <= Decimal("1e12")
    if isinstance(value, str):
        assert value.strip().lstrip("+-").replace(".", "", 1).isdigit()
        assert value.isascii()


@PROPERTY
@given(value=scalars)
def test_whole_number_fits_the_database_or_is_refused(value: Any) -> None:
    try:
        number = WholeNumber().deserialize(value)
    except ValidationError:
        return
    assert isinstance(number, int) and not isinstance(number, bool)
    assert -(2**31) <= number < 2**31


quote_like = st.fixed_dictionaries(
    {},
    optional={
        "dosage_form": st.sampled_from(["capsule", "liquid", "tablet", ""]),
        "dose_basis": st.sampled_from(["hcl", "base", "x"]),
        "strength_mg": scalars,
        "concentration_mg_per_ml": scalars,
        "dose_mg": scalars,
        "quantity": scalars,
        "days_supply": scalars,
        "capsule_size": st.sampled_from(["0", "1", "3", "5", "000", "9", ""]),
        "syringe_ml": scalars,
        "titration": json_values,
        "api": json_values,
        "filler": st.sampled_from(["mcc", "lactose", "calcium carbonate", "x"]),
        "component_expiries": json_values,
        "stability_override": json_values,
        "compounded_on": scalars,
    },
)


@PROPERTY
@given(data=st.one_of(quote_like, st.dictionaries(st.text(max_size=10), json_values)))
def test_engine_quotes_or_raises_formulation_error(data: dict[str, Any]) -> None:
    try:
        request = quote_request_from_json(data)
        compute_quote(request, DEFAULT_RULES, date(2026, 1, 15))
    except FormulationError:
        pass
