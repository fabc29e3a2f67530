"""Dispensing: product verification by scan, readiness, hand-over, return to stock, the
queues, print stations and direct printing."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pharmacy.compounding.pricing import MAX_PURCHASE_COST, PAYMENT_METHODS
from schema.common import DecimalNumber, StrictSchema, Text, WholeNumber
from schema.validators import not_negative, positive


class ProductVerificationIn(StrictSchema):
    scanned_label = Text(120, required=True, min_length=1)
    scanned_lot = Text(120, required=True, min_length=1)
    quantity = DecimalNumber(required=True, validate=positive)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ReadyIn(StrictSchema):
    handover = fields.String(required=True, validate=validate.OneOf(("pickup", "shipping")))


class PaymentIn(StrictSchema):
    """What the patient paid at hand-over: the method always; the amount when it is not the
    fill's price (the default: paid in full). Never more than the price."""

    amount = DecimalNumber(
        places=2,
        validate=[not_negative, validate.Range(max=MAX_PURCHASE_COST, error="At most {max}.")],
    )
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))


class PickupIn(StrictSchema):
    collected_by = fields.String(required=True, validate=validate.OneOf(("patient", "agent")))
    agent_name = Text(200)
    counselling_offered = fields.Boolean(required=True)
    payment = fields.Nested(PaymentIn)


class ShipmentIn(StrictSchema):
    carrier = Text(80, required=True, min_length=2)
    tracking_number = Text(80, required=True, min_length=4)


class ReturnIn(StrictSchema):
    reason = Text(500, required=True, min_length=3)


class WillCallArgs(StrictSchema):
    name = Text(200)
    date_of_birth = fields.Date()


class HandoverRowOut(Schema):
    fill_id = fields.Integer()
    rx_number = fields.String()
    label_barcode = fields.String()
    patient_name = fields.String()
    date_of_birth = fields.Date()
    drug = fields.String()
    quantity = DecimalNumber()
    lot_number = fields.String()
    ready_at = fields.DateTime()
    days_waiting = fields.Integer()
    return_due = fields.Boolean()


class DispensingStepOut(Schema):
    step = fields.String()
    at = fields.DateTime()
    by = fields.String(allow_none=True)


class FillHistoryOut(Schema):
    fill_id = fields.Integer()
    fill_number = fields.Integer()
    label_barcode = fields.String()
    lot_number = fields.String()
    quantity = DecimalNumber()
    status = fields.String()
    handover = fields.String(allow_none=True)
    collected_by = fields.String(allow_none=True)
    collected_by_name = fields.String(allow_none=True)
    counselling_offered = fields.Boolean(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    return_reason = fields.String(allow_none=True)
    returned_to_batch = fields.Boolean(allow_none=True)
    steps = fields.List(fields.Nested(DispensingStepOut))


class PrintIn(StrictSchema):
    printer = Text(60, required=True, min_length=1)
    reason = Text(500, min_length=3)


class BatchPrintIn(PrintIn):
    containers = WholeNumber(load_default=1, validate=validate.Range(min=1, max=500))
    quantity_per_container = DecimalNumber(validate=positive)


class PrintJobOut(Schema):
    job_id = fields.String()
    status = fields.String()
    printer = fields.String()
    print_job_id = fields.Integer()


class StationIn(StrictSchema):
    name = Text(60, required=True, min_length=1)
    uri = Text(300, required=True, min_length=1)
    stock = fields.String(required=True, validate=validate.Length(max=20))
    protocol = fields.String(validate=validate.OneOf(("ipp", "zpl")))
    dpi = WholeNumber(load_default=203, validate=validate.Range(min=100, max=600))


class StationOut(Schema):
    id = fields.Integer()
    name = fields.String()
    uri = fields.String()
    protocol = fields.String()
    stock = fields.String()
    dpi = fields.Integer()
    active = fields.Boolean()


class WeightCorrectionIn(StrictSchema):
    """A mistyped weight corrected at the bench: a component (its position) or a capsule
    of the weight check (1-based)."""

    component = WholeNumber(validate=validate.Range(min=0))
    capsule = WholeNumber(validate=validate.Range(min=1))
    corrected_mg = DecimalNumber(required=True)
    reason = Text(500, required=True, min_length=3)
