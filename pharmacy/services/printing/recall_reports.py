"""The recall report: everything downstream of a recall as a letter-size PDF, the twin of
the recall CSV."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from labels import RecallReportContent, RecallRow, render_recall_report
from pharmacy.audit import Actor
from pharmacy.compounding.units import plain
from pharmacy.models import Batch, IngredientLot
from pharmacy.services.printing import print_log, rendering
from pharmacy.services.recall import get_recall, recall_list_rows
from pharmacy.services.uow import use_case


def _strength(batch: dict[str, Any]) -> str:
    if batch["strength_mg"] is not None:
        return f"{plain(batch['strength_mg'])} mg {batch['dosage_form']}"
    if batch["concentration_mg_per_ml"] is not None:
        return f"{plain(batch['concentration_mg_per_ml'])} mg/mL {batch['dosage_form']}"
    return batch["dosage_form"]


@use_case
def recall_report(
    session: Session, actor: Actor, recall_id: int, *, reason: str | None, today: date
) -> bytes:
    """Everything downstream of a recall, with patients' and prescribers' contact details,
    as a letter-size PDF (the twin of the recall CSV)."""
    recall = get_recall.in_session(session, actor, recall_id, today=today)  # type: ignore[attr-defined]
    rows = recall_list_rows.in_session(session, actor, recall_id, today=today)  # type: ignore[attr-defined]
    if recall["target"] == "ingredient_lot":
        lot = session.get(IngredientLot, recall["ingredient_lot_id"])
        subject = (
            f"Ingredient lot {lot.manufacturer_lot} ({lot.item.name}, {lot.manufacturer})"
            if lot is not None
            else f"Ingredient lot {recall['ingredient_lot_id']}"
        )
    else:
        batch = session.get(Batch, recall["batch_id"])
        subject = f"Batch {batch.lot_number if batch else recall['batch_id']}"
    content = RecallReportContent(
        title=f"Recall {recall['id']}",
        subject=subject,
        recalled_at=recall["recalled_at"].strftime("%Y-%m-%d %H:%M UTC"),
        recalled_by=recall["recalled_by"],
        reason=recall["reason"],
        batches=[
            (b["lot_number"], f"{b['formula_code']} {_strength(b)}", b["status"])
            for b in recall["batches"]
        ],
        rows=[
            RecallRow(
                patient_name=r["patient_name"],
                patient_phone=r["patient_phone"] or "",
                patient_address=r["patient_address"] or "",
                rx_number=r["rx_number"],
                fill_date=r["filled_on"],
                quantity=r["quantity"],
                batch_lot=r["batch_lot"],
                prescriber_name=r["prescriber_name"],
                prescriber_phone=r["prescriber_phone"] or "",
            )
            for r in rows
        ],
        pharmacy=rendering.pharmacy(session),
    )
    pdf = rendering.render(render_recall_report, content)
    print_log.record(session, actor, "recall_report", recall_id, stock="letter", reason=reason)
    return pdf
