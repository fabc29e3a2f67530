"""The patient label of a fill: only a verified prescription filled from a released batch
is labelled."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from labels import PatientLabelContent, render_patient_label
from pharmacy.audit import Actor
from pharmacy.compounding.liquids import liquid_auxiliary
from pharmacy.compounding.rules import Rules
from pharmacy.errors import Conflict, NotFound
from pharmacy.models import Batch, Fill, Prescription
from pharmacy.services.dispensing.states import mark_labeled
from pharmacy.services.fills import fill_data
from pharmacy.services.printing import print_log, rendering
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import use_case

LABELLABLE_PRESCRIPTION_STATUSES = ("verified", "filled")


def labellable_fill(session: Session, fill_id: int, today: date) -> Fill:
    fill = session.get(Fill, fill_id)
    if fill is None:
        raise NotFound("No such fill.")
    rx: Prescription = fill.prescription
    batch: Batch = fill.batch
    if rx.status not in LABELLABLE_PRESCRIPTION_STATUSES:
        raise Conflict(
            f"The prescription is {rx.status}; only a verified prescription is labelled."
        )
    if batch.status != "released":
        raise Conflict(
            f"Batch {batch.lot_number} is {batch.status}; only a released batch is labelled."
        )
    return fill


def _auxiliary(rx: Prescription, storage: str, rules: Rules) -> tuple[str, ...]:
    if rx.dosage_form != "liquid":
        return ()
    return tuple(liquid_auxiliary(storage, rules))


def patient_label_content(session: Session, fill: Fill, today: date) -> PatientLabelContent:
    """The label's words: warning and auxiliary texts are the rules in force (data the
    pharmacy can change), the layout is the renderer's."""
    rules = current_rules(session)
    data = fill_data(session, fill, today, rules)
    rx = fill.prescription
    return PatientLabelContent(
        patient_name=data["patient"]["name"],
        drug_line=data["drug"],
        directions=data["direction_lines"],
        bud=data["bud"],
        storage=data["storage"],
        lot_number=data["lot_number"],
        rx_number=data["rx_number"],
        quantity=data["quantity_text"],
        refills_remaining=data["refills_remaining"],
        fill_date=data["filled_on"],
        prescriber=data["prescriber"]["name"],
        pharmacy=rendering.pharmacy_of(data["pharmacy"]),  # fill_data has read it already
        warnings=tuple(rules.label_warnings),
        auxiliary=_auxiliary(rx, data["storage"], rules),
        barcode_data=data["label_barcode"],  # begins with the Rx number, names the fill
    )


@use_case
def patient_label(
    session: Session,
    actor: Actor,
    fill_id: int,
    *,
    stock_code: str | None,
    reason: str | None,
    today: date,
) -> bytes:
    fill = labellable_fill(session, fill_id, today)
    stock = rendering.stock(stock_code)
    pdf = rendering.render(render_patient_label, patient_label_content(session, fill, today), stock)
    print_log.record(session, actor, "patient_label", fill.id, stock=stock.code, reason=reason)
    mark_labeled(session, actor, fill)
    return pdf
