"""Money (DOMAIN.md §12): a prescription's price estimate, a batch's cost, the monthly
report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from schema.common import DecimalNumber, StrictSchema


class MoneyOut(fields.Field[Decimal]):
    """An amount of money as exact text in cents (``"36.50"``), never a float."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return str(Decimal(value).quantize(Decimal("0.01")))


class PriceLineOut(Schema):
    kind = fields.String()
    description = fields.String()
    amount = MoneyOut()


class PriceOut(Schema):
    """An estimate from the current standard cost: the fill's price comes from its batch."""

    estimate = fields.Boolean()
    available = fields.Boolean()
    # Why there is no estimate, by name: no_formula, ingredient_not_costed (the
    # ingredients in `missing`), formula_not_plannable or plan_incomplete.
    reason_code = fields.String()
    reason = fields.String()
    missing = fields.List(fields.String())
    currency = fields.String()
    estimate_total = MoneyOut()
    estimate_per_month = MoneyOut()
    per_course = MoneyOut()
    courses = fields.Integer()
    breakdown = fields.List(fields.Nested(PriceLineOut))
    rules_version = fields.String()
    from_price_list = fields.Boolean()
    below_cost_plus_fee = fields.Boolean()
    # Where the standard cost came from: the newest fully costed batch, or the formula
    # planned as a standard batch from the newest received costed lot of each ingredient.
    cost_basis = fields.Dict()


class PaymentOut(Schema):
    """The payment taken at hand-over: amount, method, who took it and when, the balance."""

    amount = MoneyOut()
    method = fields.String()
    currency = fields.String()
    taken_at = fields.DateTime()
    taken_by = fields.String()
    balance = MoneyOut(allow_none=True)


class BatchCostOut(Schema):
    lot_number = fields.String()
    cost_total = MoneyOut(allow_none=True)
    unit_cost = fields.String(allow_none=True)
    unit = fields.String()
    cost_breakdown = fields.Dict(allow_none=True)


class MonthQuery(StrictSchema):
    month = fields.String(
        required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$", error="Use YYYY-MM.")
    )


class ReportRowOut(Schema):
    formula = fields.String()
    dosage_form = fields.String()
    strength = fields.String()
    fills = fields.Integer()
    priced_fills = fields.Integer()
    quantity = DecimalNumber()
    revenue = MoneyOut()
    cost = MoneyOut()
    margin = MoneyOut()
    currency = fields.String()


class ReportTotalsOut(Schema):
    fills = fields.Integer()
    priced_fills = fields.Integer()
    revenue = MoneyOut()
    cost = MoneyOut()
    margin = MoneyOut()


class ReportOut(Schema):
    month = fields.String()
    currency = fields.String()
    rows = fields.List(fields.Nested(ReportRowOut))
    totals = fields.Nested(ReportTotalsOut)
