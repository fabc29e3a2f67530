"""Master formulas: a formula as the API returns it, and a new version of one."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate

from schema.common import DecimalNumber, StrictSchema, Text, WholeNumber


class FormulaOut(Schema):
    id = fields.Integer()
    formula_code = fields.Function(lambda formula: formula.code)
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    dosage_form = fields.String()
    capsule_size = fields.String(allow_none=True)
    preserved = fields.Boolean()
    aqueous = fields.Boolean()
    bud_category = fields.String()
    stability_days = fields.Integer(allow_none=True)
    stability_storage = fields.String(allow_none=True)
    stability_reference = fields.String(allow_none=True)
    weighing_tolerance_percent = DecimalNumber()
    ingredients = fields.Raw()
    parameters = fields.Raw()
    steps = fields.List(fields.String())
    container = fields.String()
    labeling = fields.List(fields.String())
    quality_checks = fields.List(fields.String())
    reference = fields.String()


def _percentage(value: Decimal) -> None:
    if not Decimal(0) < value < Decimal(100):
        raise ValidationError("Must be a percentage above 0 and below 100.")


class FormulaRevisionIn(StrictSchema):
    """A new version of a master formula: only the fields given change. The engine's
    inputs (ingredients, form, capsule size, BUD category) are not revisable."""

    password = fields.String(required=True, validate=validate.Length(min=1, max=500))
    reason = Text(2000, required=True, min_length=3)
    name = Text(200, min_length=3)
    steps = fields.List(Text(2000, min_length=3), validate=validate.Length(min=1, max=50))
    container = Text(2000, min_length=3)
    labeling = fields.List(Text(500, min_length=3), validate=validate.Length(max=20))
    quality_checks = fields.List(Text(500, min_length=3), validate=validate.Length(max=30))
    reference = Text(2000, min_length=3)
    weighing_tolerance_percent = DecimalNumber(validate=_percentage)
    stability_days = WholeNumber(allow_none=True, validate=validate.Range(min=1, max=3650))
    stability_storage = Text(80, allow_none=True)
    stability_reference = Text(2000, allow_none=True)
    based_on_version = WholeNumber(validate=validate.Range(min=1))
