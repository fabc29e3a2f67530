"""Prescription intake: every channel (the API, the prescriber and phone-order forms, a
correction, FHIR) comes through `run_intake`, which runs the engine's one assessment
(`pharmacy.compounding.prescription`) and stores what it decided."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.opioids import CodedMedication
from pharmacy.compounding.prescription import (
    Assessment,
    PrescriptionRequest,
    assess_prescription,
    check_lactose,
)
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.titration import TitrationStep
from pharmacy.errors import Invalid
from pharmacy.models import Prescriber, Prescription, PrescriptionStep
from pharmacy.services.counters import next_value
from pharmacy.services.prescriptions.patients import (
    PatientChange,
    sent_details,
    settled_patient,
    update_patient,
)
from pharmacy.services.printable import require_printable
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import use_case

RX_COUNTER = "rx_number"
RX_FIRST = 100001
PHARMACIST_SOURCES = ("phone", "fax", "written")
PRESCRIBER_SOURCES = (None, "api", "prescriber_portal")


@contextmanager
def engine_errors() -> Iterator[None]:
    """The engine's refusal, as the use case's: the same field and words."""
    try:
        yield
    except FormulationError as error:
        raise Invalid(error.field, error.message) from error


def prescription_request(data: dict[str, Any]) -> PrescriptionRequest:
    """The engine's view of a loaded intake body (schema/prescriptions.py PrescriptionIn)."""
    form = data["dosage_form"]
    patient = data.get("patient") or {}
    return PrescriptionRequest(
        dosage_form=form,
        strength=data["strength_mg" if form == "capsule" else "concentration_mg_per_ml"],
        dose_mg=data.get("dose_mg"),
        titration=tuple(
            TitrationStep(dose_mg=step["dose_mg"], days=step["days"])
            for step in data.get("titration") or ()
        ),
        dose_basis=data.get("dose_basis") or "hcl",
        quantity=data.get("quantity"),
        days_supply=data.get("days_supply"),
        syringe_ml=data.get("syringe_ml"),
        filler=data.get("filler"),
        medications=tuple(patient.get("current_medications", ()))
        + tuple(
            CodedMedication(coded["text"], coded["rxnorm"])
            for coded in patient.get("current_medication_codes", ())
        ),
        allergies=tuple(patient.get("allergies", ())),
        opioid_attestation=bool(data.get("opioid_attestation")),
        conditions=tuple(patient.get("conditions", ())),
        indication_icd10=(data.get("indication") or {}).get("icd10"),
    )


def assess(data: dict[str, Any], rules: Rules) -> Assessment:
    with engine_errors():
        return assess_prescription(prescription_request(data), rules)


def resolve_prescriber(
    session: Session, actor: Actor, data: dict[str, Any]
) -> tuple[Prescriber, str]:
    """Whom the prescription is from, and through which channel: a prescriber only as
    themself; a pharmacist records a phone, fax or written order for any prescriber."""
    requested = data.get("prescriber_id")
    if actor.role == "prescriber":
        if actor.prescriber_id is None:
            raise Invalid("prescriber_id", "this account is not linked to a prescriber")
        if requested is not None and requested != actor.prescriber_id:
            raise Invalid("prescriber_id", "a prescriber can only prescribe as themself")
        if data.get("source") not in PRESCRIBER_SOURCES:
            raise Invalid("source", "only a pharmacist records phone, fax or written orders")
        prescriber = session.get(Prescriber, actor.prescriber_id)
        if prescriber is None:
            raise Invalid("prescriber_id", "this account's prescriber record is missing")
        return prescriber, data.get("source") or "api"
    if requested is None:
        raise Invalid("prescriber_id", "is required when a pharmacist enters an order")
    prescriber = session.get(Prescriber, requested)
    if prescriber is None:
        raise Invalid("prescriber_id", "no prescriber has this id")
    source = data.get("source") or "phone"
    if source not in PHARMACIST_SOURCES:
        raise Invalid("source", f"must be one of {', '.join(PHARMACIST_SOURCES)}")
    return prescriber, source


@use_case
def create_prescription(
    session: Session, actor: Actor, data: dict[str, Any], *, today: date
) -> Prescription:
    """Take a prescription from a prescriber (for themself) or a pharmacist (phone/fax
    order for any prescriber): check it against the rules, generate directions, screen for
    opioids, and store it as `submitted` or `on_hold`."""
    prescriber, source = resolve_prescriber(session, actor, data)
    return run_intake(session, actor, data, prescriber=prescriber, source=source, today=today)


def run_intake(
    session: Session,
    actor: Actor,
    data: dict[str, Any],
    *,
    prescriber: Prescriber,
    source: str,
    today: date,
    supersedes_id: int | None = None,
) -> Prescription:
    """Assess, then store the prescription and the patient's record, with their events."""
    details = data["patient"]
    for name in ("first_name", "last_name"):
        require_printable(f"patient.{name}", details[name])
    assessment = assess(data, current_rules(session))
    patient, on_file = settled_patient(session, details)
    change: PatientChange | None = PatientChange("patient.created")
    if on_file:
        with engine_errors():
            on_record = patient.allergies or []
            check_lactose(assessment.filler_contains_lactose, on_record, on_record=True)
        change = update_patient(patient, details)
    rx = _new_prescription(data, assessment, source=source)
    rx.patient, rx.prescriber, rx.created_by_user_id = patient, prescriber, actor.user_id
    rx.supersedes_id = supersedes_id
    # What this prescription came with; the record holds the newest across all of them.
    rx.patient_details = sent_details(details)
    # The number last, on purpose: its counter row stays locked until COMMIT and every
    # intake queues for it, so only the prescription's INSERT and the audit trail's own
    # statements run under it.
    rx.rx_number = f"RX{next_value(session.connection(), RX_COUNTER, start=RX_FIRST)}"
    session.add(rx)
    session.flush()
    if change is not None:
        audit.record(session, actor, change.action, "patient", patient.id, after=change.after)
    audit.record(session, actor, "prescription.created", "prescription", rx.id, after=snapshot(rx))
    return rx


def _new_prescription(data: dict[str, Any], assessment: Assessment, *, source: str) -> Prescription:
    """The prescription as assessed, not yet numbered nor added to the session."""
    plan = assessment.plan
    capsule = data["dosage_form"] == "capsule"
    strength: Decimal = data["strength_mg" if capsule else "concentration_mg_per_ml"]
    refills = data.get("refills", 0)
    return Prescription(
        status="on_hold" if assessment.on_hold else "submitted",
        source=source,
        dosage_form=data["dosage_form"],
        dose_basis=data.get("dose_basis") or "hcl",
        strength_mg=strength if capsule else None,
        concentration_mg_per_ml=None if capsule else strength,
        dose_mg=None if plan.titrated else plan.steps[0].dose_mg,
        quantity=assessment.quantity,
        days_supply=assessment.days_supply,
        refills=refills,
        refills_remaining=refills,
        filler=assessment.filler,
        syringe_ml=assessment.syringe_ml,
        notes=data.get("notes", ""),
        opioid_attestation=bool(data.get("opioid_attestation")),
        directions=assessment.directions,
        hold_reasons=list(assessment.hold_reasons),
        warnings=list(assessment.warnings),
        acknowledgements_required=list(assessment.acknowledgements),
        indication=data.get("indication"),
        screen=assessment.screen.as_dict() if assessment.screen else None,
        steps=[
            PrescriptionStep(position=index, dose_mg=step.dose_mg, days=step.days)
            for index, step in enumerate(plan.steps if plan.titrated else ())
        ],
    )


def snapshot(rx: Prescription) -> dict[str, Any]:
    """A prescription's state as its audit events record it."""
    return {
        "status": rx.status,
        "rx_number": rx.rx_number,
        "hold_reasons": list(rx.hold_reasons or []),
        "verified_by_user_id": rx.verified_by_user_id,
    }

