"""Search, patients, today's work and refill requests: queries in, pages out."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from schema.common import DecimalNumber, PageMeta, PageQuery, StrictSchema, Text
from schema.prescriptions import PatientOut

SEARCH_HELP = "an Rx number, a name, a date of birth, a phone, a prescriber or NPI, a lot"


class DictOut(Schema):
    """Dumps the plain dicts the search and profile services return. A profile dumps ~250
    values, each through marshmallow's general accessor (a key, else an attribute, else
    a dotted path); a dict's own key is looked up first here, and anything else is left to
    that accessor, so what is dumped is the same."""

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if type(obj) is dict and "." not in attr:
            try:
                return obj[attr]
            except KeyError:
                pass
        return super().get_attribute(obj, attr, default)


class SearchQuery(StrictSchema):
    q = Text(100, required=True, min_length=1, metadata={"description": SEARCH_HELP})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=50))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))


class SearchResult(DictOut):
    type = fields.String(metadata={"description": "patient, prescription, batch or lot"})
    id = fields.Integer()
    label = fields.String()
    detail = fields.String()
    rank = fields.Integer(metadata={"description": "0 is the closest match"})


class SearchPage(DictOut):
    results = fields.List(fields.Nested(SearchResult))
    page = fields.Integer()
    per_page = fields.Integer()
    has_more = fields.Boolean()


class PatientQuery(PageQuery):
    q = Text(100, metadata={"description": "part of a name, a phone number"})
    date_of_birth = fields.Date()


class PatientPage(Schema):
    items = fields.List(fields.Nested(PatientOut))
    meta = fields.Nested(PageMeta)


class LotRef(DictOut):
    kind = fields.String(metadata={"description": "lot (an ingredient lot) or batch"})
    id = fields.Integer()
    number = fields.String()
    description = fields.String()
    manufacturer = fields.String()
    expiry = fields.Date()


class ProfileFill(DictOut):
    id = fields.Integer()
    fill_number = fields.Integer()
    filled_on = fields.Date()
    quantity = DecimalNumber()
    days_supply = fields.Integer(allow_none=True)
    supply_ends_on = fields.Date(allow_none=True)
    status = fields.String()
    batch_id = fields.Integer()
    batch_lot_number = fields.String()
    bud = fields.Date()
    ingredient_lots = fields.List(fields.Nested(LotRef))


class ProfilePrescription(DictOut):
    id = fields.Integer()
    rx_number = fields.String()
    status = fields.String()
    source = fields.String()
    created_at = fields.DateTime()
    dosage_form = fields.String()
    strength_mg = DecimalNumber(allow_none=True)
    concentration_mg_per_ml = DecimalNumber(allow_none=True)
    directions = fields.String()
    refills = fields.Integer()
    refills_remaining = fields.Integer()
    prescriber = fields.String()
    prescriber_id = fields.Integer()
    # Why LDN was prescribed ({"text", "icd10"}), or null (issue 25).
    indication = fields.Dict(allow_none=True)
    fills = fields.List(fields.Nested(ProfileFill))


class ReportedMedications(DictOut):
    reported_on = fields.Date()
    prescription_id = fields.Integer()
    rx_number = fields.String()
    source = fields.String()
    medications = fields.List(fields.String())


class LabelPrint(DictOut):
    fill_id = fields.Integer()
    printed_at = fields.DateTime()
    copies = fields.Integer()
    stock = fields.String()
    is_reprint = fields.Boolean()
    reason = fields.String(allow_none=True)
    printed_by = fields.String()


class OpioidHold(DictOut):
    prescription_id = fields.Integer()
    rx_number = fields.String()
    reasons = fields.List(fields.String())
    status = fields.String()
    override_reason = fields.String(allow_none=True)
    overridden_by = fields.String(allow_none=True)


class PatientProfileOut(DictOut):
    patient = fields.Nested(PatientOut)
    medication_history = fields.List(fields.Nested(ReportedMedications))
    prescriptions = fields.List(fields.Nested(ProfilePrescription))
    label_prints = fields.List(fields.Nested(LabelPrint))
    opioid_holds = fields.List(fields.Nested(OpioidHold))


class CounterOut(Schema):
    key = fields.String()
    title = fields.String()
    count = fields.Integer()


class DashboardOut(Schema):
    counters = fields.List(fields.Nested(CounterOut))


class RefillRequestIn(StrictSchema):
    prescription_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1)
    )
    source = fields.String(
        load_default="phone",
        validate=validate.OneOf(("phone", "fax", "in_person", "prescriber_portal")),
    )
    requested_by_name = Text(200, load_default="")
    note = Text(2000, load_default="")


class RefillCloseIn(StrictSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(("done", "declined")))
    note = Text(2000, load_default="")


class RefillRequestOut(Schema):
    id = fields.Integer()
    status = fields.String()
    source = fields.String()
    prescription_id = fields.Integer()
    rx_number = fields.String()
    patient_id = fields.Integer()
    patient_name = fields.String()
    requested_by_name = fields.String()
    note = fields.String()
    requested_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)


class RefillDueOut(Schema):
    prescription_id = fields.Integer()
    rx_number = fields.String()
    patient_id = fields.Integer()
    patient_name = fields.String()
    supply_ends_on = fields.Date()
    last_filled_on = fields.Date()
    refills_remaining = fields.Integer()
    prescriber = fields.String()
