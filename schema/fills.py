"""Fills: dispensing from a batch for a prescription, and a fill as the API returns it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schema.common import DecimalNumber, StrictSchema, WholeNumber
from schema.money import MoneyOut, PaymentOut
from schema.validators import positive


class FillIn(StrictSchema):
    batch_id = WholeNumber(required=True, validate=validate.Range(min=1))
    quantity = DecimalNumber(required=True, validate=positive)
    acknowledge_bud_warning = fields.Boolean(load_default=False)
    # A pharmacist's review of an opioid the patient's record gained after verification.
    acknowledge_opioid_update = fields.Boolean(load_default=False)
    # USP <17> large print: the patient label's critical cluster at 14 pt or more.
    large_print = fields.Boolean(load_default=False)
    # Titration plan steps (0-based) this fill covers, when a course is filled one
    # strength at a time.
    steps = fields.List(
        WholeNumber(validate=validate.Range(min=0, max=19)), validate=validate.Length(min=1, max=20)
    )


class PersonRef(Schema):
    id = fields.Integer()
    name = fields.String()


class FillOut(Schema):
    id = fields.Integer()
    prescription_id = fields.Integer()
    rx_number = fields.String()
    fill_number = fields.Integer()
    course_number = fields.Integer()
    step_positions = fields.List(fields.Integer(), allow_none=True)
    large_print = fields.Boolean()
    is_refill = fields.Boolean()
    batch_id = fields.Integer()
    lot_number = fields.String()
    quantity = DecimalNumber()
    quantity_text = fields.String()
    days_supply = fields.Integer(allow_none=True)
    filled_on = fields.Date()
    bud = fields.Date()
    storage = fields.String()
    bud_warning = fields.String(allow_none=True)
    refills_remaining = fields.Integer()
    drug = fields.String()
    dosage_form = fields.String()
    directions = fields.String()
    patient = fields.Nested(PersonRef)
    prescriber = fields.Nested(PersonRef)
    # Dispensing (issue 21): the step the fill is at, and the hand-over.
    status = fields.String()
    label_barcode = fields.String()
    labeled_at = fields.DateTime(allow_none=True)
    product_verified_at = fields.DateTime(allow_none=True)
    ready_at = fields.DateTime(allow_none=True)
    handover = fields.String(allow_none=True)
    dispensed_at = fields.DateTime(allow_none=True)
    collected_by = fields.String(allow_none=True)
    counselling_offered = fields.Boolean(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    return_reason = fields.String(allow_none=True)
    returned_to_batch = fields.Boolean(allow_none=True)
    # DOMAIN.md §12: what the patient pays, fixed when filled (None: a batch recorded
    # before costs were kept). Cost and breakdown are left out of a technician's answer.
    price = MoneyOut(allow_none=True)
    currency = fields.String(allow_none=True)
    cost = MoneyOut(allow_none=True)
    price_breakdown = fields.Dict(allow_none=True)
    # What was paid at hand-over (None: not recorded), and any balance left of the price.
    payment = fields.Nested(PaymentOut, allow_none=True)
