"""Query arguments of the printing endpoints, and the print queue and log."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate

from schema.common import DecimalNumber, StrictSchema, Text, WholeNumber


def _positive(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError("Must be greater than 0.")


class ReprintArgs(StrictSchema):
    reason = Text(500, min_length=3)


#: What the patient-label endpoints say of ``stock`` in the API description.
CONTAINER_STOCKS_TEXT = (
    "The label stock: 4x2.5 or 4x3.5 (letter paper also prints it, as a sheet). Omitted: "
    "the smallest label stock that holds "
    "the whole label (complete directions and the boxed opioid warning with the critical "
    "cluster at 11 pt, 14 pt in large print). A stock that cannot hold it is refused with "
    "409 naming the one that can; 3x2 holds no container label."
)


class LabelArgs(ReprintArgs):
    stock = fields.String(
        validate=validate.Length(max=20), metadata={"description": CONTAINER_STOCKS_TEXT}
    )


class BatchLabelArgs(ReprintArgs):
    stock = fields.String(
        validate=validate.Length(max=20),
        metadata={"description": "The label stock: 4x2.5 (default), 4x3.5, 3x2 or letter."},
    )
    containers = WholeNumber(load_default=1, validate=validate.Range(min=1, max=500))
    quantity_per_container = DecimalNumber(validate=_positive)


class QueuePrintIn(StrictSchema):
    fill_ids = fields.List(
        WholeNumber(validate=validate.Range(min=1)), validate=validate.Length(max=1000)
    )
    stock = fields.String(
        validate=validate.Length(max=20), metadata={"description": CONTAINER_STOCKS_TEXT}
    )


class PrintLogArgs(StrictSchema):
    document = fields.String(
        required=True,
        validate=validate.OneOf(
            ["patient_label", "batch_labels", "worksheet", "leaflet", "recall_report"]
        ),
    )
    entity_id = WholeNumber(required=True, validate=validate.Range(min=1))


class QueueItemOut(Schema):
    fill_id = fields.Integer()
    rx_number = fields.String()
    patient_name = fields.String()
    drug = fields.String()
    quantity = DecimalNumber()
    lot_number = fields.String()
    filled_at = fields.DateTime()


class PrintLogOut(Schema):
    id = fields.Integer()
    document = fields.String()
    entity_id = fields.Integer()
    copies = fields.Integer()
    stock = fields.String()
    is_reprint = fields.Boolean()
    reason = fields.String(allow_none=True)
    printed_by = fields.String(allow_none=True)
    printed_at = fields.DateTime()
