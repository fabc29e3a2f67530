"""Catalog items: what the API takes and returns for an item."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pharmacy.models.stock import BASE_UNITS, ITEM_KINDS
from schema.common import StrictSchema, Text


class ItemOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    unit = fields.String(attribute="base_unit")
    capsule_size = fields.String(allow_none=True)
    contains_lactose = fields.Boolean()
    active = fields.Boolean()


class ItemQuery(StrictSchema):
    kind = Text(20)
    include_withdrawn = fields.Boolean(load_default=False)


class ItemIn(StrictSchema):
    code = Text(60, required=True, min_length=2)
    name = Text(200, required=True, min_length=2)
    kind = fields.String(required=True, validate=validate.OneOf(ITEM_KINDS))
    base_unit = fields.String(required=True, validate=validate.OneOf(BASE_UNITS))
    engine_code = Text(40)
    capsule_size = fields.String(
        validate=validate.OneOf(["000", "00", "0", "1", "2", "3", "4", "5"])
    )
    contains_lactose = fields.Boolean(load_default=False)


class ItemActiveIn(StrictSchema):
    active = fields.Boolean(required=True)
    reason = Text(500, required=True, min_length=3)
