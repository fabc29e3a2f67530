"""Money (DOMAIN.md §12): a prescription's price estimate, a fill's receipt, a batch's cost
and the monthly report. A prescriber sees prices of their own prescriptions only; a
technician sees no cost or margin."""

from __future__ import annotations

from typing import Any

from flask import Response

from pharmacy.api.blueprint import Blueprint
from pharmacy.api.printing import PDF_RESPONSE, pdf
from pharmacy.auth import allow, require_actor
from pharmacy.services import pricing, revenue
from schema.money import BatchCostOut, MonthQuery, PriceOut, ReportOut

blp = Blueprint("money", __name__, url_prefix="/api/v1", description="Costs and prices")


@blp.route("/prescriptions/<int:prescription_id>/price", methods=["GET"])
@allow("prescriber", "pharmacist", "admin")
@blp.response(200, PriceOut)
def prescription_price(prescription_id: int) -> dict[str, Any]:
    """An estimate of what the patient pays: per month and in total (every course), from the
    current standard cost of this formula and strength. The fill's price comes from the
    batch actually used."""
    return pricing.prescription_price(require_actor(), prescription_id)


@blp.route("/fills/<int:fill_id>/receipt.pdf", methods=["GET"])
@allow("pharmacist", "technician")
@blp.doc(responses=PDF_RESPONSE)
def fill_receipt(fill_id: int) -> Response:
    """The patient's receipt at hand-over."""
    return pdf(revenue.fill_receipt(require_actor(), fill_id), f"fill-{fill_id}-receipt.pdf")


@blp.route("/batches/<batch_ref>/cost", methods=["GET"])
@allow("pharmacist", "admin")
@blp.response(200, BatchCostOut)
def batch_cost(batch_ref: str) -> dict[str, Any]:
    """A batch's cost from what was weighed, its cost per unit and the breakdown."""
    return revenue.batch_cost(require_actor(), batch_ref)


def _report(args: dict[str, Any]) -> dict[str, Any]:
    year, month = (int(part) for part in args["month"].split("-"))
    return revenue.monthly_report(year, month)


@blp.route("/reports/monthly", methods=["GET"])
@allow("pharmacist", "admin")
@blp.arguments(MonthQuery, location="query")
@blp.response(200, ReportOut)
def monthly(args: dict[str, Any]) -> dict[str, Any]:
    """Fills, revenue, cost and margin per formula and strength for a month (YYYY-MM)."""
    return _report(args)


@blp.route("/reports/monthly.csv", methods=["GET"])
@allow("pharmacist", "admin")
@blp.arguments(MonthQuery, location="query")
@blp.doc(responses={"200": {"description": "CSV", "content": {"text/csv": {}}}})
def monthly_csv(args: dict[str, Any]) -> Response:
    report = _report(args)
    response = Response(revenue.report_csv(report), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="report-{report["month"]}.csv"'
    return response
