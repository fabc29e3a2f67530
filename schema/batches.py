"""Batches: planning one from a formula, recording the actual weighings, releasing,
clearing a quarantine, and a batch as the API returns it."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schema.common import DecimalNumber, StrictSchema, Text, WholeNumber
from schema.validators import not_negative, positive

BATCH_STATUSES = (
    "in_progress",
    "recorded",
    "released",
    "rejected",
    "quarantined",
    "recalled",
    "expired",
)


class BatchIn(StrictSchema):
    formula_code = Text(60, required=True, min_length=1)
    formula_version = WholeNumber(validate=validate.Range(min=1))
    strength_mg = DecimalNumber(validate=positive, allow_none=True)
    concentration_mg_per_ml = DecimalNumber(validate=positive, allow_none=True)
    quantity = DecimalNumber(required=True, validate=positive)
    lot_ids = fields.List(
        WholeNumber(validate=validate.Range(min=1)),
        validate=validate.Length(max=20),
        allow_none=True,
    )
    manufacturer_lots = fields.List(Text(80, min_length=1), validate=validate.Length(max=20))
    source_batch_ids = fields.List(
        WholeNumber(validate=validate.Range(min=1)), validate=validate.Length(max=5)
    )
    capsule_size = Text(5)
    dose_basis = fields.String(load_default="hcl", validate=validate.OneOf(("hcl", "base")))
    dose_mg = DecimalNumber(validate=positive)
    prescription_id = WholeNumber(validate=validate.Range(min=1), allow_none=True)


class ComponentOut(Schema):
    id = fields.Integer()
    position = fields.Integer()
    role = fields.String()
    description = fields.String()
    ingredient_lot_id = fields.Integer(allow_none=True)
    source_batch_id = fields.Integer(allow_none=True)
    source_lot_number = fields.String(allow_none=True)
    source_label = fields.String()
    item_code = fields.String(allow_none=True)
    manufacturer = fields.String(allow_none=True)
    manufacturer_lot = fields.String(allow_none=True)
    expiry = fields.Date(allow_none=True)
    unit = fields.String()
    theoretical_amount = DecimalNumber()
    actual_amount = DecimalNumber(allow_none=True)
    theoretical_mg = DecimalNumber(allow_none=True)
    actual_mg = DecimalNumber(allow_none=True)
    deviation = fields.String(allow_none=True)


class WeightCheckOut(Schema):
    sample = fields.Integer()
    theoretical_mg = DecimalNumber()
    low_mg = DecimalNumber()
    high_mg = DecimalNumber()


class BatchOut(Schema):
    id = fields.Integer()
    lot_number = fields.String()
    status = fields.String()
    formula_code = fields.String()
    formula_version = fields.Integer()
    formula_name = fields.String()
    dosage_form = fields.String()
    dose_basis = fields.String()
    strength_mg = DecimalNumber(allow_none=True)
    concentration_mg_per_ml = DecimalNumber(allow_none=True)
    potency_fraction = DecimalNumber(places=8, allow_none=True)
    prescription_id = fields.Integer(allow_none=True)
    quantity = DecimalNumber()
    units_made = DecimalNumber()
    quantity_on_hand = DecimalNumber()
    unit = fields.String()
    compounded_on = fields.Date()
    bud = fields.Date()
    bud_days = fields.Integer()
    bud_limited_by = fields.String()
    bud_rule = fields.String()
    storage = fields.String()
    components = fields.List(fields.Nested(ComponentOut))
    weight_check = fields.Nested(WeightCheckOut, allow_none=True)
    capsule_weights_mg = fields.List(DecimalNumber(), allow_none=True)
    deviations = fields.List(fields.String())
    weight_corrections = fields.List(fields.Dict())  # the first value, the corrected, why
    calculation = fields.Raw()
    status_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    compounded_by = fields.String(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.DateTime(allow_none=True)
    checked_by = fields.String(allow_none=True)
    checked_at = fields.DateTime(allow_none=True)
    signature_name = fields.String(allow_none=True)


class BatchPreviewOut(Schema):
    formula_code = fields.String()
    formula_version = fields.Integer()
    units_made = DecimalNumber()
    unit = fields.String()
    bud = fields.Date()
    bud_limited_by = fields.String()
    storage = fields.String()
    components = fields.List(fields.Nested(ComponentOut))
    weight_check = fields.Nested(WeightCheckOut, allow_none=True)
    calculation = fields.Raw()


class BatchQuery(StrictSchema):
    status = fields.String(validate=validate.OneOf(BATCH_STATUSES))
    formula_code = Text(60)


class ActualIn(StrictSchema):
    ingredient_lot_id = WholeNumber(validate=validate.Range(min=1))
    source_batch_id = WholeNumber(validate=validate.Range(min=1))
    actual_mg = DecimalNumber(validate=not_negative)
    actual_amount = DecimalNumber(validate=not_negative)

    @validates_schema
    def _one_each(self, data: dict[str, Any], **_: Any) -> None:
        if ("ingredient_lot_id" in data) == ("source_batch_id" in data):
            raise ValidationError("Give ingredient_lot_id or source_batch_id.")
        if "actual_mg" not in data and "actual_amount" not in data:
            raise ValidationError(
                "Give actual_mg (the amount in the component's unit).", "actual_mg"
            )


class RecordIn(StrictSchema):
    actuals = fields.List(fields.Nested(ActualIn), required=True, validate=validate.Length(max=20))
    capsule_weights_mg = fields.List(
        DecimalNumber(validate=positive), load_default=list, validate=validate.Length(max=1000)
    )
    yield_units = DecimalNumber(validate=positive)


class BatchReleaseIn(StrictSchema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=500))
    acknowledge_deviations = fields.Boolean(load_default=False)


class ClearQuarantineIn(StrictSchema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=500))
    reason = Text(2000, required=True, min_length=3)
    acknowledge_recalled_sources = fields.Boolean(load_default=False)
