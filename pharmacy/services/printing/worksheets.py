"""The compounding worksheet and record of a batch, printable in any state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from labels import WeightCheck, WorksheetComponent, WorksheetContent, render_worksheet
from pharmacy.audit import Actor
from pharmacy.compounding.units import plain
from pharmacy.errors import NotFound
from pharmacy.models import Batch
from pharmacy.services.batches import batch_worksheet_data
from pharmacy.services.printing import print_log, rendering
from pharmacy.services.uow import use_case


def _text(value: Any) -> str:
    if value is None:
        return ""
    return plain(value) if isinstance(value, Decimal) else str(value)


def _weight_check(data: dict[str, Any]) -> WeightCheck | None:
    check = data.get("weight_check")
    if not check:
        return None
    weights = data.get("capsule_weights_mg") or []
    low, high = Decimal(str(check["low_mg"])), Decimal(str(check["high_mg"]))
    outside = [i for i, w in enumerate(weights) if not low <= Decimal(str(w)) <= high]
    return WeightCheck(
        sample=int(check["sample"]),
        low_mg=low,
        high_mg=high,
        weights=[Decimal(str(w)) for w in weights],
        out_of_tolerance=outside,
        target_mg=check.get("target_mg"),
    )


def worksheet_content(session: Session, batch_id: int, today: date) -> WorksheetContent:
    data = batch_worksheet_data.in_session(session, batch_id, today=today)  # type: ignore[attr-defined]
    components = [
        WorksheetComponent(
            item_name=c["description"],
            manufacturer=c["manufacturer"] or f"batch {c['source_lot_number']}",
            manufacturer_lot=c["manufacturer_lot"] or (c["source_lot_number"] or ""),
            expiry=c["expiry"],
            theoretical=_text(c["theoretical_amount"]),
            actual=None if c["actual_amount"] is None else _text(c["actual_amount"]),
            unit=c["unit"],
        )
        for c in data["components"]
    ]
    calculation = data.get("calculation") or {}
    steps = list(calculation.get("steps") or data["formula"].get("steps") or [])
    compounded_at = data["created_at"].strftime("%Y-%m-%d %H:%M UTC")
    return WorksheetContent(
        lot_number=data["lot_number"],
        formula_code=data["formula_code"],
        formula_name=data["formula_name"],
        formula_version=data["formula_version"],
        strength=data["strength"],
        dosage_form=data["dosage_form"],
        quantity_to_make=data["quantity_text"],
        compounded_at=compounded_at,
        compounded_by=data["compounded_by"],
        checked_by=data["checked_by"],
        steps=[str(s) for s in steps],
        components=components,
        weight_check=_weight_check(data),
        bud=data["bud"],
        bud_basis=data["bud_limited_by"],
        storage=data["storage"],
        deviations=[str(d) for d in data["deviations"]],
        qc_results=[str(q) for q in data["formula"].get("quality_checks") or []],
        status=data["status"],
        pharmacy=rendering.pharmacy(session),
    )


@use_case
def worksheet(
    session: Session, actor: Actor, batch_id: int, *, reason: str | None, today: date
) -> bytes:
    """The compounding worksheet and record: printable in any state (the technician works
    from it before the pharmacist's check)."""
    if session.get(Batch, batch_id) is None:
        raise NotFound("No such batch.")
    pdf = rendering.render(render_worksheet, worksheet_content(session, batch_id, today))
    print_log.record(session, actor, "worksheet", batch_id, stock="letter", reason=reason)
    return pdf
