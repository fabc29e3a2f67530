"""The formulation quote: `POST /api/v1/formulations/quote`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schema.common import DecimalNumber, ExpiryDate, StrictSchema, Text, WholeNumber
from schema.prescriptions import StepIn

CAPSULE_SIZES = ("000", "00", "0", "1", "2", "3", "4", "5")


def _positive(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError("Must be greater than 0.")


def _percent(value: Decimal) -> None:
    if not Decimal(0) <= value <= Decimal(100):
        raise ValidationError("Must be between 0 and 100.")


class ApiSourceIn(StrictSchema):
    source = fields.String(load_default="powder", validate=validate.OneOf(["powder", "tablets"]))
    form = fields.String(
        load_default="hcl", validate=validate.OneOf(["hcl", "hcl_dihydrate", "base"])
    )
    assay_percent = DecimalNumber(
        load_default=Decimal(100), validate=validate.Range(min=Decimal("50"), max=Decimal("110"))
    )
    assay_basis = fields.String(
        load_default="as_is", validate=validate.OneOf(["anhydrous", "as_is"])
    )
    water_percent = DecimalNumber(load_default=Decimal(0), validate=_percent)
    tablet_powder_mg_per_tablet = DecimalNumber(validate=_positive)


class StabilityOverrideIn(StrictSchema):
    days = WholeNumber(required=True, validate=validate.Range(min=1, max=365))
    storage = Text(200, required=True, min_length=1)
    reference = Text(500, required=True, min_length=3)


class QuoteIn(StrictSchema):
    dosage_form = fields.String(required=True, validate=validate.OneOf(["capsule", "liquid"]))
    quantity = DecimalNumber(validate=_positive)
    days_supply = WholeNumber(validate=validate.Range(min=1, max=365))
    strength_mg = DecimalNumber(validate=_positive)
    dose_basis = fields.String(load_default="hcl", validate=validate.OneOf(["hcl", "base"]))
    capsule_size = fields.String(
        validate=validate.OneOf(
            CAPSULE_SIZES, error="Capsule size must be one of 000, 00, 0, 1, 2, 3, 4, 5."
        )
    )
    filler = Text(40)
    filler_pack_stat_mg = DecimalNumber(validate=_positive)
    api_pack_stat_mg = DecimalNumber(validate=_positive)
    concentration_mg_per_ml = DecimalNumber(validate=_positive)
    dose_mg = DecimalNumber(validate=_positive)
    titration = fields.List(fields.Nested(StepIn), validate=validate.Length(min=1, max=20))
    syringe_ml = WholeNumber(validate=validate.OneOf([1, 3, 5]))
    preserved = fields.Boolean(load_default=True)
    aqueous = fields.Boolean(load_default=True)
    overage_percent = DecimalNumber(validate=validate.Range(min=Decimal(0), max=Decimal(100)))
    balance_mwq_mg = DecimalNumber(validate=validate.Range(min=Decimal(1), max=Decimal(10000)))
    api = fields.Nested(ApiSourceIn)
    compounded_on = fields.Date()
    component_expiries = fields.List(ExpiryDate(), validate=validate.Length(max=50))
    stability_override = fields.Nested(StabilityOverrideIn)

    @validates_schema
    def _form_fields(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        if data.get("dosage_form") == "capsule":
            if data.get("strength_mg") is None:
                errors["strength_mg"] = ["Required for capsules (mg per capsule)."]
            for name in ("concentration_mg_per_ml", "syringe_ml"):
                if data.get(name) is not None:
                    errors[name] = ["Only for liquids."]
            if data.get("quantity") is None and not data.get("titration"):
                errors["quantity"] = ["Give the number of capsules to dispense."]
        elif data.get("dosage_form") == "liquid":
            if data.get("concentration_mg_per_ml") is None:
                errors["concentration_mg_per_ml"] = ["Required for liquids (mg per mL)."]
            for name in ("strength_mg", "capsule_size", "filler_pack_stat_mg", "api_pack_stat_mg"):
                if data.get(name) is not None:
                    errors[name] = ["Only for capsules."]
            if data.get("dose_mg") is None and not data.get("titration"):
                errors["dose_mg"] = ["Give dose_mg or titration steps."]
        if data.get("dose_mg") is not None and data.get("titration"):
            errors["dose_mg"] = ["Give either dose_mg or titration steps, not both."]
        if errors:
            raise ValidationError(errors)


class QuoteOut(Schema):
    """The quote as the engine lays it out (masses in mg, volumes in mL, JSON numbers)."""

    class Meta:
        unknown = "include"

    units_to_make = fields.Integer()
    volume_to_make_ml = fields.Float()
    api = fields.Dict()
    filler = fields.Dict()
    theoretical_unit_weight_mg = fields.Float()
    weight_check = fields.Dict()
    capsule_size = fields.String()
    dose_volumes_ml = fields.List(fields.Raw())
    vehicle = fields.List(fields.Dict())
    aliquot = fields.Dict(allow_none=True)
    solution_aliquot = fields.Dict(allow_none=True)
    bud = fields.Dict()
    warnings = fields.List(fields.String())
    steps = fields.List(fields.String())
    rules_version = fields.String()
    rules_used = fields.Dict()
