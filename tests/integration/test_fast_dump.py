"""`FastDumpSchema.dump` (schema/fast_dump.py) gives exactly what marshmallow's
`Schema.dump` gives: for every response schema that uses it, whatever the object holds
(values of each type, None, keys left out, an object with attributes instead of a dict),
and for the field kinds and options it converts itself or hands back to marshmallow."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields, post_dump

from schema.fast_dump import FastDumpSchema, schema_dumper
from schema.prescriptions import PrescriptionOut, PrescriptionPage

_text = st.text(max_size=12)
_int = st.integers(min_value=-(2**31), max_value=2**31 - 1)
_decimal = st.decimals(
    min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=4, allow_nan=False
)
_when = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _record(**shape: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict with any of `shape`'s keys (each may be left out)."""
    return st.fixed_dictionaries({}, optional=shape)


_patient = _record(
    id=_maybe(_int),
    first_name=_maybe(_text),
    last_name=_text,
    date_of_birth=_maybe(st.dates()),
    address=_text,
    phone=_text,
    allergies=_maybe(st.lists(_text, max_size=3)),
    current_medications=st.lists(_text, max_size=3),
)
_prescriber = _record(id=_int, full_name=_text, npi=_text, phone=_text, address=_text)
_step = _record(dose_mg=_maybe(_decimal), days=_int)
_prescription = _record(
    id=_int,
    rx_number=_text,
    status=_text,
    source=_maybe(_text),
    patient_as_prescribed=_maybe(_patient),
    prescriber_id=_int,
    prescriber=_maybe(_prescriber),
    dosage_form=_text,
    dose_basis=_text,
    strength_mg=_maybe(_decimal),
    concentration_mg_per_ml=_maybe(_decimal),
    dose_mg=_maybe(_decimal | _int),
    steps=_maybe(st.lists(_step, max_size=3)),
    quantity=_decimal,
    days_supply=_maybe(_int),
    refills=_int,
    refills_remaining=_int,
    filler=_text,
    syringe_ml=_maybe(_int),
    notes=_text,
    opioid_attestation=_maybe(st.booleans()),
    directions=_text,
    hold_reasons=st.lists(_text, max_size=3),
    warnings=st.lists(_text, max_size=2),
    acknowledgements_required=st.lists(_text, max_size=2),
    created_at=_when,
    verified_at=_maybe(_when),
    signature_name=_maybe(_text),
    signature_meaning=_maybe(_text),
    rejected_reason=_maybe(_text),
    override_reason=_maybe(_text),
    void_reason=_maybe(_text),
    supersedes_id=_maybe(_int),
)


def _by_marshmallow(schema: Schema, obj: Any, many: bool | None = None) -> Any:
    return Schema.dump(schema, obj, many=many)


@settings(max_examples=300, deadline=None)
@given(_prescription)
def test_a_prescription_dumps_as_marshmallow_dumps_it(prescription: dict[str, Any]) -> None:
    schema = PrescriptionOut()
    dumped = schema.dump(prescription)
    assert dumped == _by_marshmallow(schema, prescription)
    assert list(dumped) == list(_by_marshmallow(schema, prescription))  # the same key order


@settings(max_examples=100, deadline=None)
@given(_prescription)
def test_an_object_with_attributes_dumps_as_marshmallow_dumps_it(
    prescription: dict[str, Any],
) -> None:
    obj = SimpleNamespace(**prescription)
    schema = PrescriptionOut()
    assert schema.dump(obj) == _by_marshmallow(schema, obj)


@settings(max_examples=50, deadline=None)
@given(st.lists(_prescription, max_size=3), _int)
def test_a_page_dumps_as_marshmallow_dumps_it(items: list[dict[str, Any]], total: int) -> None:
    page = {"items": items, "meta": {"page": 1, "per_page": 20, "total": total}}
    schema = PrescriptionPage()
    assert schema.dump(page) == _by_marshmallow(schema, page)
    assert PrescriptionOut(many=True).dump(items) == _by_marshmallow(
        PrescriptionOut(many=True), items
    )


class _Child(Schema):
    name = fields.String()


class _Options(FastDumpSchema):
    renamed = fields.String(data_key="shown_as")
    elsewhere = fields.Integer(attribute="stored_as")
    counted = fields.Integer(as_string=True)
    defaulted = fields.String(dump_default=lambda: "fallback")
    when = fields.DateTime(format="%Y/%m/%d")
    stamp = fields.DateTime(format="timestamp")
    day = fields.Date()
    flag = fields.Boolean()
    children = fields.List(fields.Nested(_Child))
    family = fields.Nested(_Child, many=True)
    raw = fields.Raw()
    computed = fields.Method("_computed")

    def _computed(self, obj: Any) -> str:
        return "computed"


def test_field_options_dump_as_marshmallow_dumps_them() -> None:
    schema = _Options()
    for obj in (
        {
            "renamed": b"bytes",
            "stored_as": "42",
            "counted": 7,
            "when": datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
            "stamp": datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
            "day": date(2026, 12, 2),
            "flag": 0,
            "children": [{"name": 5}, SimpleNamespace(name="x")],
            "family": [{"name": "a"}],
            "raw": {"any": ["thing"]},
        },
        {"renamed": None, "when": None, "children": None, "family": None},
        {},
    ):
        assert schema.dump(obj) == _by_marshmallow(schema, obj), obj


class _Hooked(FastDumpSchema):
    name = fields.String()

    @post_dump
    def _shout(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return {key: value.upper() for key, value in data.items()}


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow() -> None:
    assert schema_dumper(_Hooked()) is None
    assert _Hooked().dump({"name": "ada"}) == {"name": "ADA"}
    assert _Hooked(many=True).dump([{"name": "ada"}]) == [{"name": "ADA"}]
