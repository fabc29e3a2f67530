"""The input schemas on their own (no app, no database): table-driven."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from marshmallow import ValidationError

from schema.common import DecimalNumber, ExpiryDate, StrictSchema, WholeNumber
from schema.formulations import QuoteIn
from schema.prescriptions import PrescriptionIn


class Numbers(StrictSchema):
    amount = DecimalNumber()
    count = WholeNumber()
    expiry = ExpiryDate()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(1.5, Decimal("1.5")), ("1.5", Decimal("1.5")), (" 4.5 ", Decimal("4.5")), (3, Decimal(3)), ("0.0001", Decimal("0.0001"))],
)
def test_decimal_number_accepts_numbers_and_numeric_strings(raw: Any, expected: Decimal) -> None:
    assert Numbers().load({"amount": raw})["amount"] == expected


@pytest.mark.parametrize(
    "raw", [True, None, "", "abc", "NaN", "nan", "Infinity", "-inf", "1e3", "0.00001", [], {}, "1" * 50]
)
def test_decimal_number_refuses_anything_else(raw: Any) -> None:
    with pytest.raises(ValidationError) as error:
        Numbers().load({"amount": raw})
    assert "amount" in error.value.messages


@pytest.mark.parametrize(("raw", "ok"), [(3, True), ("3", True), (3.0, True), (3.5, False), (True, False), ("x", False), (2**40, False)])
def test_whole_number(raw: Any, ok: bool) -> None:
    if ok:
        assert Numbers().load({"count": raw})["count"] == 3
    else:
        with pytest.raises(ValidationError):
            Numbers().load({"count": raw})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2027-02", date(2027, 2, 28)), ("2028-02", date(2028, 2, 29)), ("2027-12-15", date(2027, 12, 15))],
)
def test_expiry_month_means_the_last_day(raw: str, expected: date) -> None:
    assert Numbers().load({"expiry": raw})["expiry"] == expected


@pytest.mark.parametrize("raw", ["2027-13", "27-02", "soon", "2027-02-30", 202702])
def test_bad_expiry(raw: Any) -> None:
    with pytest.raises(ValidationError):
        Numbers().load({"expiry": raw})


BASE = {
    "patient": {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1970-05-01"},
    "dosage_form": "capsule",
    "strength_mg": "4.5",
    "dose_mg": 4.5,
    "quantity": 30,
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dosage_form": "patch"}, "dosage_form"),
        ({"strength_mg": None}, "strength_mg"),
        ({"concentration_mg_per_ml": 1}, "concentration_mg_per_ml"),
        ({"titration": [{"dose_mg": 1.5, "days": 14}]}, "dose_mg"),
        ({"refills": 12}, "refills"),
        ({"days_supply": 0}, "days_supply"),
        ({"syringe_ml": 2}, "syringe_ml"),
        ({"notes": "x" * 2001}, "notes"),
        ({"id": 5}, "id"),
        ({"status": "verified"}, "status"),
    ],
)
def test_prescription_schema_names_the_field(change: dict[str, Any], field: str) -> None:
    body = {**BASE, **change}
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(ValidationError) as error:
        PrescriptionIn().load(body)
    assert field in error.value.messages


def test_patient_control_characters_and_future_birth_refused() -> None:
    with pytest.raises(ValidationError) as error:
        PrescriptionIn().load({**BASE, "patient": {**BASE["patient"], "first_name": "A\x00da", "date_of_birth": "2999-01-01"}})
    assert set(error.value.messages["patient"]) == {"first_name", "date_of_birth"}


def test_quote_schema_form_specific_fields() -> None:
    with pytest.raises(ValidationError) as error:
        QuoteIn().load({"dosage_form": "liquid", "quantity": 100, "strength_mg": 1})
    assert {"concentration_mg_per_ml", "strength_mg", "dose_mg"} <= set(error.value.messages)
    loaded = QuoteIn().load({"dosage_form": "capsule", "quantity": "30", "strength_mg": "4.5", "component_expiries": ["2027-01"]})
    assert loaded["component_expiries"] == [date(2027, 1, 31)]
