"""Ingredient lots: receiving one with its certificate of analysis, listing, releasing,
rejecting or recalling one, and the lots suggested for a formula."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, fields, validate

from pharmacy.compounding.pricing import MAX_PURCHASE_COST
from schema.common import DecimalNumber, StrictSchema, Text
from schema.money import MoneyOut
from schema.validators import not_negative, positive

ASSAY_BASES = ("anhydrous", "as_is")
FORMS = ("hcl", "hcl_dihydrate", "base")
LOT_STATUSES = ("quarantine", "released", "rejected", "recalled", "expired")
EXPIRY = validate.Regexp(r"^\d{4}-\d{2}(-\d{2})?$", error="Use YYYY-MM-DD or YYYY-MM.")


class CoaIn(StrictSchema):
    assay_percent = DecimalNumber(required=True, validate=positive)
    assay_basis = fields.String(required=True, validate=validate.OneOf(ASSAY_BASES))
    water_percent = DecimalNumber(load_default=Decimal(0), validate=not_negative)
    form = fields.String(required=True, validate=validate.OneOf(FORMS))


class LotIn(StrictSchema):
    item_code = Text(60, required=True, min_length=1)
    supplier = Text(200, load_default="")
    manufacturer = Text(200, required=True, min_length=1)
    manufacturer_lot = Text(80, required=True, min_length=1)
    expiry = Text(10, required=True, validate=EXPIRY)
    quantity = DecimalNumber(required=True, validate=positive)
    unit = Text(10, required=True, min_length=1)
    coa = fields.Nested(CoaIn, allow_none=True)
    pack_stats_mg = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=3)),
        values=DecimalNumber(validate=positive),
        validate=validate.Length(max=8),
    )
    tablet_powder_mg = DecimalNumber(validate=positive, allow_none=True)
    # DOMAIN.md §12: the amount paid for the whole quantity received, in the pharmacy's
    # currency, and the supplier's invoice it was paid on.
    purchase_cost = DecimalNumber(
        places=2,
        validate=[not_negative, validate.Range(max=MAX_PURCHASE_COST, error="At most {max}.")],
        allow_none=True,
    )
    invoice_reference = Text(80, load_default="")


class CoaOut(Schema):
    assay_percent = DecimalNumber()
    assay_basis = fields.String()
    water_percent = DecimalNumber()
    form = fields.String()


class LotOut(Schema):
    id = fields.Integer()
    item_code = fields.String()
    item_name = fields.String()
    supplier = fields.String()
    manufacturer = fields.String()
    manufacturer_lot = fields.String()
    expiry = fields.Date()
    expiry_text = fields.String()
    status = fields.String()
    stored_status = fields.String()
    received_quantity = DecimalNumber()
    received_unit = fields.String()
    quantity_received = DecimalNumber()
    quantity_on_hand = DecimalNumber()
    unit = fields.String()
    coa = fields.Nested(CoaOut, allow_none=True)
    tablet_powder_mg = DecimalNumber(allow_none=True)
    pack_stats_mg = fields.Dict(keys=fields.String(), values=DecimalNumber())
    received_at = fields.DateTime()
    released_at = fields.DateTime(allow_none=True)
    signature_name = fields.String(allow_none=True)
    status_reason = fields.String(allow_none=True)
    recalled_at = fields.DateTime(allow_none=True)
    purchase_cost = MoneyOut(allow_none=True)
    invoice_reference = fields.String()
    # Per base unit (mg, mL or each), exact text: a milligram may cost a fraction of a cent.
    unit_cost = fields.String(allow_none=True)


class LotQuery(StrictSchema):
    item_code = Text(60)
    status = fields.String(validate=validate.OneOf(LOT_STATUSES))
    manufacturer_lot = Text(80)


class LotPasswordIn(StrictSchema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=500))


class StockReasonIn(StrictSchema):
    reason = Text(2000, required=True, min_length=3)


class SuggestQuery(StrictSchema):
    formula_code = Text(60, required=True, min_length=1)
    capsule_size = Text(5)


class SuggestOut(Schema):
    lots = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw()))
