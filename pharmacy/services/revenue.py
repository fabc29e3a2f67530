"""What was charged (DOMAIN.md §12): the patient's receipt at hand-over, a batch's cost for
the pharmacist, and the monthly report of fills, revenue, cost and margin per formula and
strength.

- `fill_receipt(actor, fill_id, today) -> bytes` — the receipt PDF (labels/receipt.py).
- `batch_cost(actor, batch_ref) -> dict` — a batch's cost, cost per unit and breakdown.
- `monthly_report(year, month) -> dict` — rows per formula and strength, and totals.
- `report_csv(report) -> str`
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labels.receipt import ReceiptContent, render_receipt
from pharmacy.audit import Actor
from pharmacy.compounding.units import plain
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import Batch, Fill, PharmacyDetails
from pharmacy.services.batches import batch_by_ref
from pharmacy.services.fills import drug_line
from pharmacy.services.payments import NOT_RECORDED, payment_of, payment_view
from pharmacy.services.pricing import format_money
from pharmacy.services.uow import query

REPORT_COLUMNS = (
    "formula",
    "dosage_form",
    "strength",
    "fills",
    "priced_fills",
    "quantity",
    "revenue",
    "cost",
    "margin",
    "currency",
)


@query
def fill_receipt(session: Session, actor: Actor, fill_id: int) -> bytes:
    fill = session.get(Fill, fill_id)
    if fill is None:
        raise NotFound("No such fill.")
    if fill.price is None:
        raise Conflict(
            "This fill has no price: its batch was recorded before costs were kept.",
            {"fill_id": ["no price"]},
        )
    pharmacy = session.execute(select(PharmacyDetails)).scalars().first()
    rx = fill.prescription
    unit = "capsules" if rx.dosage_form == "capsule" else "mL"
    money = format_money(fill.price, fill.currency)
    paid, balance = _paid_text(session, fill)
    return render_receipt(
        ReceiptContent(
            pharmacy_name=pharmacy.name if pharmacy else "",
            pharmacy_address=pharmacy.address if pharmacy else "",
            pharmacy_phone=pharmacy.phone if pharmacy else "",
            patient_name=rx.patient.full_name,
            rx_number=rx.rx_number,
            fill_date=fill.filled_on,
            preparation=drug_line(fill),
            quantity=f"{plain(fill.quantity)} {unit}",
            lot_number=fill.batch.lot_number,
            price=money,
            paid=paid,
            balance=balance,
            currency=fill.currency or "",
            receipt_number=f"{rx.rx_number}-{fill.fill_number}",
        )
    )


def _paid_text(session: Session, fill: Fill) -> tuple[str, str]:
    """The receipt's "paid" (amount and method, as recorded at hand-over, or that none
    was) and its balance ("" when nothing is left to pay)."""
    payment = payment_view(payment_of(session, fill.id), fill.price)
    if payment is None:
        return NOT_RECORDED, ""
    paid = f"{format_money(payment['amount'], payment['currency'])} ({payment['method']})"
    left = payment["balance"]
    return paid, format_money(left, payment["currency"]) if left else ""


@query
def batch_cost(session: Session, actor: Actor, batch_ref: str) -> dict[str, Any]:
    batch = batch_by_ref(session, batch_ref)
    return {
        "lot_number": batch.lot_number,
        "cost_total": batch.cost_total,
        "unit_cost": batch.unit_cost,
        "unit": batch.unit,
        "cost_breakdown": batch.cost_breakdown,
    }


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12 or not 2000 <= year <= 9999:
        raise Invalid("month", "give the month as YYYY-MM")
    start = date(year, month, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return start, end


def _row_key(fill: Fill) -> tuple[str, str, str]:
    batch: Batch = fill.batch
    if batch.dosage_form == "capsule":
        strength = f"{plain(batch.strength_mg or Decimal(0))} mg"
    else:
        strength = f"{plain(batch.concentration_mg_per_ml or Decimal(0))} mg/mL"
    return batch.formula.code, batch.dosage_form, strength


@query
def monthly_report(session: Session, year: int, month: int) -> dict[str, Any]:
    """Fills of the month by formula and strength: how many, how much, revenue (prices as
    fixed at fill time), cost and margin. Totals are the sums of the fills."""
    start, end = _month_bounds(year, month)
    fills = (
        session.execute(
            select(Fill).where(Fill.filled_on >= start, Fill.filled_on < end).order_by(Fill.id)
        )
        .scalars()
        .all()
    )
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    currencies = {f.currency for f in fills if f.currency}
    for fill in fills:
        key = _row_key(fill)
        row = rows.setdefault(
            key,
            {
                "formula": key[0],
                "dosage_form": key[1],
                "strength": key[2],
                "fills": 0,
                "priced_fills": 0,
                "quantity": Decimal(0),
                "revenue": Decimal(0),
                "cost": Decimal(0),
                "margin": Decimal(0),
            },
        )
        row["fills"] += 1
        row["quantity"] += fill.quantity
        if fill.price is not None:
            row["priced_fills"] += 1
            row["revenue"] += fill.price
            row["cost"] += fill.cost or Decimal(0)
            row["margin"] = row["revenue"] - row["cost"]
    ordered = [rows[k] for k in sorted(rows)]
    totals: dict[str, Any] = {
        name: sum(r[name] for r in ordered) for name in ("fills", "priced_fills")
    }
    totals.update(
        {
            name: sum((r[name] for r in ordered), Decimal(0))
            for name in ("revenue", "cost", "margin")
        }
    )
    currency = ", ".join(sorted(currencies))
    return {
        "month": f"{year:04d}-{month:02d}",
        "currency": currency,
        "rows": [{**r, "currency": currency} for r in ordered],
        "totals": totals,
    }


def report_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for row in report["rows"]:
        writer.writerow([_cell(row[c]) for c in REPORT_COLUMNS])
    totals = report["totals"]
    writer.writerow(
        [
            "total",
            "",
            "",
            totals["fills"],
            totals["priced_fills"],
            "",
            totals["revenue"],
            totals["cost"],
            totals["margin"],
            report["currency"],
        ]
    )
    return out.getvalue()


def _cell(value: Any) -> Any:
    return plain(value) if isinstance(value, Decimal) else value
