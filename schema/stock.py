"""Catalog, ingredient lots, formulas, batches, fills, trace and recall: what the API takes
and what it returns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from pharmacy.models.stock import BASE_UNITS, ITEM_KINDS
from schema.common import DecimalNumber, StrictSchema, Text, WholeNumber

ASSAY_BASES = ("anhydrous", "as_is")
FORMS = ("hcl", "hcl_dihydrate", "base")
LOT_STATUSES = ("quarantine", "released", "rejected", "recalled", "expired")
BATCH_STATUSES = (
    "in_progress",
    "recorded",
    "released",
    "rejected",
    "quarantined",
    "recalled",
    "expired",
)
EXPIRY = validate.Regexp(r"^\d{4}-\d{2}(-\d{2})?$", error="Use YYYY-MM-DD or YYYY-MM.")


def _positive(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError("Must be greater than 0.")


def _not_negative(value: Decimal) -> None:
    if value < 0:
        raise ValidationError("Must be 0 or more.")


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


class CoaIn(StrictSchema):
    assay_percent = DecimalNumber(required=True, validate=_positive)
    assay_basis = fields.String(required=True, validate=validate.OneOf(ASSAY_BASES))
    water_percent = DecimalNumber(load_default=Decimal(0), validate=_not_negative)
    form = fields.String(required=True, validate=validate.OneOf(FORMS))


class LotIn(StrictSchema):
    item_code = Text(60, required=True, min_length=1)
    supplier = Text(200, load_default="")
    manufacturer = Text(200, required=True, min_length=1)
    manufacturer_lot = Text(80, required=True, min_length=1)
    expiry = Text(10, required=True, validate=EXPIRY)
    quantity = DecimalNumber(required=True, validate=_positive)
    unit = Text(10, required=True, min_length=1)
    coa = fields.Nested(CoaIn, allow_none=True)
    pack_stats_mg = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=3)),
        values=DecimalNumber(validate=_positive),
        validate=validate.Length(max=8),
    )
    tablet_powder_mg = DecimalNumber(validate=_positive, allow_none=True)


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


class LotQuery(StrictSchema):
    item_code = Text(60)
    status = fields.String(validate=validate.OneOf(LOT_STATUSES))
    manufacturer_lot = Text(80)


class LotPasswordIn(StrictSchema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=500))


class StockReasonIn(StrictSchema):
    reason = Text(2000, required=True, min_length=3)


class BatchIn(StrictSchema):
    formula_code = Text(60, required=True, min_length=1)
    formula_version = WholeNumber(validate=validate.Range(min=1))
    strength_mg = DecimalNumber(validate=_positive, allow_none=True)
    concentration_mg_per_ml = DecimalNumber(validate=_positive, allow_none=True)
    quantity = DecimalNumber(required=True, validate=_positive)
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
    dose_mg = DecimalNumber(validate=_positive)
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


class SuggestQuery(StrictSchema):
    formula_code = Text(60, required=True, min_length=1)
    capsule_size = Text(5)


class ActualIn(StrictSchema):
    ingredient_lot_id = WholeNumber(validate=validate.Range(min=1))
    source_batch_id = WholeNumber(validate=validate.Range(min=1))
    actual_mg = DecimalNumber(validate=_not_negative)
    actual_amount = DecimalNumber(validate=_not_negative)

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
        DecimalNumber(validate=_positive), load_default=list, validate=validate.Length(max=1000)
    )
    yield_units = DecimalNumber(validate=_positive)


class BatchReleaseIn(StrictSchema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=500))
    acknowledge_deviations = fields.Boolean(load_default=False)


class ClearQuarantineIn(StrictSchema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=500))
    reason = Text(2000, required=True, min_length=3)
    acknowledge_recalled_sources = fields.Boolean(load_default=False)


class FillIn(StrictSchema):
    batch_id = WholeNumber(required=True, validate=validate.Range(min=1))
    quantity = DecimalNumber(required=True, validate=_positive)
    acknowledge_bud_warning = fields.Boolean(load_default=False)
    # A pharmacist's review of an opioid the patient's record gained after verification.
    acknowledge_opioid_update = fields.Boolean(load_default=False)
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


class RecallSummary(Schema):
    id = fields.Integer()
    ingredient_lot_id = fields.Integer(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    reason = fields.String()
    recalled_at = fields.DateTime()
    recalled_by = fields.String()
    quarantined_batch_ids = fields.List(fields.Integer())
    affected_fill_ids = fields.List(fields.Integer())


class SuggestOut(Schema):
    lots = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw()))
