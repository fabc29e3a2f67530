"""The monthly money report (DOMAIN.md §12): fills, revenue, cost and margin per formula
and strength, for the pharmacist and the admin, with its CSV; and the patient's receipt."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, g, render_template, request

from pharmacy.auth import allow
from pharmacy.services import pricing, revenue
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import FormErrors, attempt, load
from schema.money import MonthQuery


def _money_texts(report: dict[str, Any]) -> dict[str, Any]:
    code = report["currency"] or pricing.currency()
    if "," in code:  # several currencies over the month: plain numbers, the codes shown
        return report
    show = {
        name: pricing.format_money(report["totals"][name], code)
        for name in ("revenue", "cost", "margin")
    }
    rows = [
        {
            **row,
            **{
                f"{n}_text": pricing.format_money(row[n], code)
                for n in ("revenue", "cost", "margin")
            },
        }
        for row in report["rows"]
    ]
    return {**report, "rows": rows, "totals_text": show}


@bp.route("/reports/monthly", endpoint="monthly_report")
@allow("pharmacist", "admin")
def monthly_report() -> tuple[str, int]:
    month = request.args.get("month") or date.today().strftime("%Y-%m")
    errors = None
    report: dict[str, Any] | None = None
    try:
        loaded = load(MonthQuery(), {"month": month})
        year, number = (int(part) for part in loaded["month"].split("-"))
        report = _money_texts(attempt(lambda: revenue.monthly_report(year, number)))
    except FormErrors as failed:
        errors = failed
    html = render_template("web/report.html", month=month, report=report, errors=errors)
    return html, errors.status if errors else 200


@bp.route("/fills/<int:fill_id>/receipt.pdf", endpoint="fill_receipt")
@allow("pharmacist", "technician")
def fill_receipt(fill_id: int) -> Response:
    """The patient's receipt at hand-over (the price fixed when it was filled)."""
    response = Response(revenue.fill_receipt(g.actor, fill_id), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="fill-{fill_id}-receipt.pdf"'
    return response

