"""The patient leaflet of a fill: the label's words and the dated dose schedule, with how
much to take on each day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from labels import LeafletContent, ScheduleRow, render_leaflet
from pharmacy.audit import Actor
from pharmacy.compounding.titration import TitrationStep, dated_schedule, units_per_dose
from pharmacy.compounding.units import format_ml, plain
from pharmacy.models import Fill, Prescription
from pharmacy.services.fill_directions import (
    per_unit,
    plan_steps,
    schedule_start,
    step_strengths,
)
from pharmacy.services.printing import print_log, rendering
from pharmacy.services.printing.patient_labels import labellable_fill, patient_label_content
from pharmacy.services.uow import use_case


def _amount(rx: Prescription, dose: Decimal, strength: Decimal | None = None) -> str:
    unit = strength if strength is not None else per_unit(rx)
    if rx.dosage_form == "capsule":
        count = units_per_dose(dose, unit)
        return f"{count} capsule" + ("" if count == 1 else "s") + f" of {plain(unit)} mg"
    return f"{format_ml(dose / unit)} mL"


def leaflet_content(session: Session, fill: Fill, today: date) -> LeafletContent:
    """The leaflet's words: the label's, and the dated dose schedule."""
    rx = fill.prescription
    label = patient_label_content(session, fill, today)
    if rx.steps:
        entries = dated_schedule(plan_steps(rx), schedule_start(session, fill))
        strengths = step_strengths(session, fill)
        schedule = [
            ScheduleRow(
                e.start,
                e.end,
                f"{plain(e.dose_mg)} mg",
                _amount(rx, e.dose_mg, strengths[i]) if i in strengths else "from a later fill",
            )
            for i, e in enumerate(entries)
        ]
    else:
        days = fill.days_supply or rx.days_supply or 30
        dose = rx.dose_mg or per_unit(rx)
        entries = dated_schedule([TitrationStep(dose_mg=dose, days=days)], fill.filled_on)
        schedule = [
            ScheduleRow(e.start, e.end, f"{plain(e.dose_mg)} mg", _amount(rx, e.dose_mg))
            for e in entries
        ]
    return LeafletContent(
        patient_name=label.patient_name,
        drug_line=label.drug_line,
        directions=label.directions,
        schedule=schedule,
        pharmacy=label.pharmacy,
        warnings=label.warnings,
        rx_number=label.rx_number,
        bud=label.bud,
        storage=label.storage,
        auxiliary=label.auxiliary,
        caution_advice=caution_advice(rx.screen),
    )


def caution_advice(screen: dict[str, Any] | None) -> tuple[str, ...]:
    """The patient advice of the cautions the prescription's screen raised, each once."""
    cautions = (screen or {}).get("cautions", [])
    return tuple(dict.fromkeys(c["advice"] for c in cautions if c.get("advice")))


@use_case
def leaflet(
    session: Session, actor: Actor, fill_id: int, *, reason: str | None, today: date
) -> bytes:
    fill = labellable_fill(session, fill_id, today)
    content = leaflet_content(session, fill, today)
    pdf = rendering.render(render_leaflet, content)
    print_log.record(session, actor, "leaflet", fill.id, stock="letter", reason=reason)
    return pdf
