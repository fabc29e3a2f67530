"""Trace and recall: from an ingredient lot or a batch to every batch, fill, patient and
prescriber it reached, and the recall that follows it."""

from __future__ import annotations

from marshmallow import Schema, fields

from schema.common import DecimalNumber


class TraceLotRef(Schema):
    id = fields.Integer()
    item_code = fields.String()
    item_name = fields.String()
    manufacturer = fields.String()
    manufacturer_lot = fields.String()
    expiry = fields.Date()
    status = fields.String()


class TraceBatch(Schema):
    id = fields.Integer()
    lot_number = fields.String()
    status = fields.String()
    bud = fields.Date()
    dosage_form = fields.String()
    strength_mg = DecimalNumber(allow_none=True)
    concentration_mg_per_ml = DecimalNumber(allow_none=True)
    quantity_on_hand = DecimalNumber()
    units_made = DecimalNumber()
    unit = fields.String()
    compounded_on = fields.Date()
    formula_code = fields.String()


class TraceFill(Schema):
    id = fields.Integer()
    rx_number = fields.String()
    prescription_id = fields.Integer()
    batch_id = fields.Integer()
    lot_number = fields.String()
    quantity = DecimalNumber()
    filled_on = fields.Date()
    fill_number = fields.Integer()
    patient_id = fields.Integer(allow_none=True)
    prescriber_id = fields.Integer()


class TracePatient(Schema):
    id = fields.Integer()
    name = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    date_of_birth = fields.Date()
    phone = fields.String()
    address = fields.String()


class TracePrescriber(Schema):
    id = fields.Integer()
    name = fields.String()
    npi = fields.String()
    phone = fields.String()
    address = fields.String()


class TraceComponent(Schema):
    batch_id = fields.Integer()
    role = fields.String()
    description = fields.String()
    ingredient_lot_id = fields.Integer(allow_none=True)
    source_batch_id = fields.Integer(allow_none=True)
    unit = fields.String()
    theoretical_amount = DecimalNumber()
    actual_amount = DecimalNumber(allow_none=True)


class _TraceBase(Schema):
    batches = fields.List(fields.Nested(TraceBatch))
    fills = fields.List(fields.Nested(TraceFill))
    patients = fields.List(fields.Nested(TracePatient))
    prescribers = fields.List(fields.Nested(TracePrescriber))
    patient_data = fields.Boolean()


class LotTraceOut(_TraceBase):
    ingredient_lot = fields.Nested(TraceLotRef)


class BatchTraceOut(_TraceBase):
    batch = fields.Nested(TraceBatch)
    ingredient_lots = fields.List(fields.Nested(TraceLotRef))
    components = fields.List(fields.Nested(TraceComponent))
    source_batches = fields.List(fields.Nested(TraceBatch))


class RecallOut(_TraceBase):
    id = fields.Integer()
    target = fields.String()
    ingredient_lot_id = fields.Integer(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    reason = fields.String()
    recalled_at = fields.DateTime()
    recalled_by = fields.String()
    quarantined_batch_ids = fields.List(fields.Integer())
    affected_fill_ids = fields.List(fields.Integer())
    is_open = fields.Boolean(
        metadata={"description": "still open: see pharmacy.services.recall (open_recall)"}
    )


class RecallSummary(Schema):
    id = fields.Integer()
    ingredient_lot_id = fields.Integer(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    reason = fields.String()
    recalled_at = fields.DateTime()
    recalled_by = fields.String()
    quarantined_batch_ids = fields.List(fields.Integer())
    affected_fill_ids = fields.List(fields.Integer())
    is_open = fields.Boolean(
        metadata={"description": "still open: see pharmacy.services.recall (open_recall)"}
    )
