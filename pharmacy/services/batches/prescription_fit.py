"""A batch made for one patient's prescription: the prescription must be verified, of the
batch's dosage form, and nothing in the batch may contain lactose when the patient's record
lists a lactose allergy.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pharmacy.compounding.fillers import allergic_to_lactose
from pharmacy.errors import Conflict, Invalid
from pharmacy.models import Batch, Prescription
from pharmacy.services.batches.planning import Plan, Source


def batch_has_lactose(batch: Batch) -> bool:
    """Whether anything that went into the batch contains lactose: 50 mg tablets, a
    lactose filler, or a triturate made with one."""
    for component in batch.components:
        lot = component.ingredient_lot
        if lot is not None and lot.item.contains_lactose:
            return True
        if component.source_batch is not None and batch_has_lactose(component.source_batch):
            return True
    return False


def _source_has_lactose(source: Source) -> bool:
    if source.lot is not None:
        return bool(source.lot.item.contains_lactose)
    return source.batch is not None and batch_has_lactose(source.batch)


def _prescription_check(session: Session, data: dict[str, Any], plan: Plan) -> int | None:
    rx_id = data.get("prescription_id")
    if rx_id is None:
        return None
    rx = session.get(Prescription, rx_id)
    if rx is None:
        raise Invalid("prescription_id", "no prescription has this id")
    if rx.status not in ("verified", "filled"):
        raise Conflict(f"A {rx.status} prescription cannot have a batch made for it.")
    if rx.dosage_form != plan.dosage_form:
        raise Invalid("formula_code", f"the prescription is for a {rx.dosage_form}")
    if allergic_to_lactose(rx.patient.allergies):
        with_lactose = [c.description for c in plan.components if _source_has_lactose(c.source)]
        if with_lactose:
            raise Conflict(
                f"The patient's record lists a lactose allergy and {', '.join(with_lactose)} "
                "contain lactose: choose lactose-free lots.",
                {"lot_ids": ["contains lactose"]},
            )
    return rx.id
