"""Prescription intake, its actions, and what the API returns."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from schema.common import DecimalNumber, PageMeta, PageQuery, StrictSchema, Text, WholeNumber

DOSAGE_FORMS = ("capsule", "liquid")
DOSE_BASES = ("hcl", "base")
STATUSES = ("submitted", "on_hold", "verified", "rejected", "filled", "voided")
EARLIEST_BIRTH = date(1900, 1, 1)


def _not_future(value: date) -> None:
    if value > date.today():
        raise ValidationError("Date of birth cannot be in the future.")
    if value < EARLIEST_BIRTH:
        raise ValidationError("Date of birth must be after 1900-01-01.")


def _positive(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError("Must be greater than 0.")


PHONE = validate.Regexp(r"^[0-9+()\-. x]{0,40}$", error="Use digits, spaces and + ( ) - . x only.")


#: The languages a label prints in (BCP 47), English first (the default).
PATIENT_LANGUAGES = ("en", "es")


# ICD-10-CM: a letter, two characters (a digit, then a digit or letter), and after a dot up
# to four more characters ("M79.7", "G35", "K63.8219", "G90.A"); the CDC/NCHS tabular list.
ICD10CM = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def _icd10cm(value: str) -> None:
    if not ICD10CM.match(value):
        raise ValidationError(
            "Not an ICD-10-CM code: a letter, two characters, then an optional dot and up to "
            "four more (for example M79.7 or G35)."
        )


class CodedMedicationIn(StrictSchema):
    """A medication as an integration sends it: its text and its RxNorm code."""

    text = Text(200, required=True, min_length=1)
    rxnorm = fields.String(
        required=True, validate=validate.Regexp(r"^[0-9]{1,10}$", error="An RxNorm RxCUI: digits.")
    )


class IndicationIn(StrictSchema):
    """Why LDN is prescribed: the words, and an ICD-10-CM code where given (DOMAIN.md §11)."""

    text = Text(200, required=True, min_length=1)
    icd10 = fields.String(validate=_icd10cm)

    @pre_load
    def _upper_code(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("icd10"), str):
            code = data["icd10"].strip().upper()
            data = {k: v for k, v in data.items() if k != "icd10"} | (
                {"icd10": code} if code else {}
            )
        return data


class PatientIn(StrictSchema):
    first_name = Text(100, required=True, min_length=1)
    last_name = Text(100, required=True, min_length=1)
    date_of_birth = fields.Date(required=True, validate=_not_future)
    address = Text(500, load_default="", join_lines=", ")
    phone = Text(40, load_default="", validate=PHONE)
    allergies = fields.List(
        Text(100, min_length=1), load_default=list, validate=validate.Length(max=50)
    )
    current_medications = fields.List(
        Text(200, min_length=1), load_default=list, validate=validate.Length(max=100)
    )
    # Medications with their RxNorm code, as integrations send them (screened by code first).
    current_medication_codes = fields.List(
        fields.Nested(CodedMedicationIn), load_default=list, validate=validate.Length(max=100)
    )
    conditions = fields.List(
        Text(200, min_length=1), load_default=list, validate=validate.Length(max=50)
    )
    # The language the patient's labels and leaflet print in (BCP 47). A new patient's
    # record starts in English when none is sent; an omitted language keeps the record's.
    language = fields.String(validate=validate.OneOf(PATIENT_LANGUAGES))


class StepIn(StrictSchema):
    dose_mg = DecimalNumber(required=True, validate=_positive)
    days = WholeNumber(required=True, validate=validate.Range(min=1, max=365))


class PrescriptionIn(StrictSchema):
    patient = fields.Nested(PatientIn, required=True)
    prescriber_id = WholeNumber(validate=validate.Range(min=1))
    source = fields.String(
        validate=validate.OneOf(["api", "prescriber_portal", "phone", "fax", "written"])
    )
    dosage_form = fields.String(required=True, validate=validate.OneOf(DOSAGE_FORMS))
    dose_basis = fields.String(load_default="hcl", validate=validate.OneOf(DOSE_BASES))
    strength_mg = DecimalNumber(validate=_positive)
    concentration_mg_per_ml = DecimalNumber(validate=_positive)
    dose_mg = DecimalNumber(validate=_positive)
    titration = fields.List(fields.Nested(StepIn), validate=validate.Length(min=1, max=20))
    quantity = DecimalNumber(validate=_positive)
    days_supply = WholeNumber(validate=validate.Range(min=1, max=365))
    refills = WholeNumber(load_default=0, validate=validate.Range(min=0, max=11))
    filler = Text(40)
    syringe_ml = WholeNumber(validate=validate.OneOf([1, 3, 5]))
    notes = Text(2000, load_default="")
    opioid_attestation = fields.Boolean(load_default=False)
    indication = fields.Nested(IndicationIn)

    @validates_schema
    def _form_fields(self, data: dict[str, Any], **kwargs: Any) -> None:
        form = data.get("dosage_form")
        errors: dict[str, list[str]] = {}
        if form == "capsule":
            if data.get("strength_mg") is None:
                errors["strength_mg"] = ["Required for capsules (mg per capsule)."]
            if data.get("concentration_mg_per_ml") is not None:
                errors["concentration_mg_per_ml"] = ["Only for liquids; capsules use strength_mg."]
        elif form == "liquid":
            if data.get("concentration_mg_per_ml") is None:
                errors["concentration_mg_per_ml"] = ["Required for liquids (mg per mL)."]
            if data.get("strength_mg") is not None:
                errors["strength_mg"] = ["Only for capsules; liquids use concentration_mg_per_ml."]
        if data.get("titration") and data.get("dose_mg") is not None:
            errors["dose_mg"] = ["Give either dose_mg (a fixed dose) or titration steps, not both."]
        if form == "liquid" and not data.get("titration") and data.get("dose_mg") is None:
            errors["dose_mg"] = ["Give dose_mg (a fixed dose) or titration steps."]
        if (
            not data.get("titration")
            and data.get("quantity") is None
            and data.get("days_supply") is None
        ):
            errors["quantity"] = ["Give a quantity, a days' supply, or both."]
        if errors:
            raise ValidationError(errors)


class VerifyIn(StrictSchema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    acknowledge_warnings = fields.Boolean(load_default=False)


class ReasonIn(StrictSchema):
    reason = Text(1000, required=True, min_length=3)


class CorrectionIn(StrictSchema):
    reason = Text(1000, required=True, min_length=3)
    prescription = fields.Nested(PrescriptionIn, required=True)


class PrescriptionQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    sort = fields.String(
        load_default="-created_at",
        validate=validate.OneOf(
            [
                f"{p}{f}"
                for f in ("created_at", "rx_number", "status", "updated_at")
                for p in ("", "-")
            ]
        ),
    )


class PatientOut(Schema):
    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    date_of_birth = fields.Date()
    address = fields.String()
    phone = fields.String()
    allergies = fields.List(fields.String())
    current_medications = fields.List(fields.String())
    conditions = fields.List(fields.String(), allow_none=True)
    language = fields.String()


class PrescriberOut(Schema):
    id = fields.Integer()
    full_name = fields.String()
    npi = fields.String()
    phone = fields.String()
    address = fields.String()


class StepOut(Schema):
    dose_mg = DecimalNumber()
    days = fields.Integer()


class PrescriptionOut(Schema):
    id = fields.Integer()
    rx_number = fields.String()
    status = fields.String()
    source = fields.String()
    # Who the prescription is for, with the details it came with (a later prescription
    # updates the patient's record, never what this one shows).
    patient = fields.Nested(PatientOut, attribute="patient_as_prescribed")
    prescriber_id = fields.Integer()
    prescriber = fields.Nested(PrescriberOut)
    dosage_form = fields.String()
    dose_basis = fields.String()
    strength_mg = DecimalNumber(allow_none=True)
    concentration_mg_per_ml = DecimalNumber(allow_none=True)
    dose_mg = DecimalNumber(allow_none=True)
    titration = fields.List(fields.Nested(StepOut), attribute="steps")
    quantity = DecimalNumber()
    days_supply = fields.Integer(allow_none=True)
    refills = fields.Integer()
    refills_remaining = fields.Integer()
    filler = fields.String()
    syringe_ml = fields.Integer(allow_none=True)
    notes = fields.String()
    opioid_attestation = fields.Boolean()
    directions = fields.String()
    hold_reasons = fields.List(fields.String())
    warnings = fields.List(fields.String())
    acknowledgements_required = fields.List(fields.String())
    indication = fields.Dict(allow_none=True)
    # The clinical screen's findings, structured, beside hold_reasons and warnings.
    screen = fields.Dict(allow_none=True)
    created_at = fields.DateTime()
    verified_at = fields.DateTime(allow_none=True)
    signature_name = fields.String(allow_none=True)
    signature_meaning = fields.String(allow_none=True)
    rejected_reason = fields.String(allow_none=True)
    override_reason = fields.String(allow_none=True)
    void_reason = fields.String(allow_none=True)
    supersedes_id = fields.Integer(allow_none=True)


class PrescriptionPage(Schema):
    items = fields.List(fields.Nested(PrescriptionOut))
    meta = fields.Nested(PageMeta)
