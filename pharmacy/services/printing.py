"""Printing: patient labels, batch labels, worksheets, leaflets and recall reports.

Each function gathers plain data from the records, hands it to the pure renderer in
`labels/`, and writes the print log (and its audit event) in the same transaction, so a
document exists in the log exactly when it was produced. A second print of the same
document for the same record is a reprint and needs a reason.

- `patient_label(actor, fill_id, stock_code, reason, today) -> bytes`
- `leaflet(actor, fill_id, reason, today) -> bytes`
- `batch_labels(actor, batch_id, stock_code, containers, quantity_per_container, reason, today)`
- `worksheet(actor, batch_id, reason, today) -> bytes`
- `print_queue(actor, today) -> list[dict]`
- `print_queued_labels(actor, fill_ids, stock_code, today) -> bytes`
- `recall_report(actor, recall_id, reason, today) -> bytes` (the PDF twin of the recall CSV)
- `print_history(document, entity_id) -> list[dict]`
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from labels import (
    BatchLabelContent,
    LeafletContent,
    PatientLabelContent,
    Pharmacy,
    RecallReportContent,
    RecallRow,
    ScheduleRow,
    WeightCheck,
    WorksheetComponent,
    WorksheetContent,
    get_stock,
    render_batch_labels,
    render_leaflet,
    render_patient_label,
    render_patient_labels,
    render_recall_report,
    render_worksheet,
)
from labels.errors import LabelError, UnsupportedCharacters
from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.liquids import liquid_auxiliary
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.titration import TitrationStep, dated_schedule, units_per_dose
from pharmacy.compounding.units import ML_STEP, format_ml, plain
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import (
    Batch,
    Fill,
    IngredientLot,
    PharmacyDetails,
    Prescription,
    PrintLog,
    User,
)
from pharmacy.services.batches import batch_worksheet_data
from pharmacy.services.fill_directions import (
    per_unit,
    plan_steps,
    schedule_start,
    step_strengths,
)
from pharmacy.services.fills import drug_line, fill_data
from pharmacy.services.recall import get_recall, recall_list_rows
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import query, use_case

LABELLABLE_PRESCRIPTION_STATUSES = ("verified", "filled")


def _pharmacy_of(details: dict[str, str] | None) -> Pharmacy:
    if details is None:
        raise Conflict("Set the pharmacy's name, address and phone before printing labels.")
    return Pharmacy(name=details["name"], address=details["address"], phone=details["phone"])


def _pharmacy(session: Session) -> Pharmacy:
    row = session.execute(select(PharmacyDetails)).scalars().first()
    return _pharmacy_of(
        None if row is None else {"name": row.name, "address": row.address, "phone": row.phone}
    )


def _render(render: Any, *args: Any) -> bytes:
    """Render, turning the renderer's refusal (text that cannot fit, an unknown stock)
    into a 422 naming the stock."""
    try:
        return bytes(render(*args))
    except UnsupportedCharacters as error:
        # Not the stock's fault: a name or text on the document (its message names the
        # characters, never the text, which may be a patient's name).
        raise Invalid("text", str(error)) from error
    except LabelError as error:
        raise Invalid("stock", str(error)) from error


def _stock(code: str | None) -> Any:
    try:
        return get_stock(code)
    except LabelError as error:
        raise Invalid("stock", str(error)) from error


def _log(
    session: Session,
    actor: Actor,
    document: str,
    entity_id: int,
    *,
    stock: str,
    copies: int = 1,
    reason: str | None,
) -> PrintLog:
    printed_before = session.execute(
        select(exists().where(PrintLog.document == document, PrintLog.entity_id == entity_id))
    ).scalar_one()
    if printed_before and not (reason and reason.strip()):
        raise Invalid("reason", "this was printed before: a reprint needs a reason")
    entry = PrintLog(
        document=document,
        entity_id=entity_id,
        copies=copies,
        stock=stock,
        is_reprint=bool(printed_before),
        reason=reason.strip() if reason else None,
        printed_by_user_id=actor.user_id,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor,
        "document.reprinted" if printed_before else "document.printed",
        document,
        entity_id,
        after={"copies": copies, "stock": stock, "print_log_id": entry.id},
        reason=entry.reason,
    )
    return entry


def _labellable_fill(session: Session, fill_id: int, today: date) -> Fill:
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


def _amount(rx: Prescription, dose: Decimal, strength: Decimal | None = None) -> str:
    unit = strength if strength is not None else per_unit(rx)
    if rx.dosage_form == "capsule":
        count = units_per_dose(dose, unit)
        return f"{count} capsule" + ("" if count == 1 else "s") + f" of {plain(unit)} mg"
    return f"{format_ml(dose / unit)} mL"


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
        pharmacy=_pharmacy_of(data["pharmacy"]),  # fill_data has read it already
        warnings=tuple(rules.label_warnings),
        auxiliary=_auxiliary(rx, data["storage"], rules),
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
    fill = _labellable_fill(session, fill_id, today)
    stock = _stock(stock_code)
    pdf = _render(render_patient_label, patient_label_content(session, fill, today), stock)
    _log(session, actor, "patient_label", fill.id, stock=stock.code, reason=reason)
    return pdf


@use_case
def leaflet(
    session: Session, actor: Actor, fill_id: int, *, reason: str | None, today: date
) -> bytes:
    fill = _labellable_fill(session, fill_id, today)
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
    content = LeafletContent(
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
    )
    pdf = _render(render_leaflet, content)
    _log(session, actor, "leaflet", fill.id, stock="letter", reason=reason)
    return pdf


def _released_batch(session: Session, batch_id: int, today: date) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound("No such batch.")
    if batch.status != "released":
        raise Conflict(
            f"Batch {batch.lot_number} is {batch.status}; only a released batch is labelled."
        )
    if batch.bud < today:
        raise Conflict(f"Batch {batch.lot_number} is past its beyond-use date.")
    return batch


@use_case
def batch_labels(
    session: Session,
    actor: Actor,
    batch_id: int,
    *,
    stock_code: str | None,
    containers: int,
    quantity_per_container: Decimal | None,
    reason: str | None,
    today: date,
) -> bytes:
    batch = _released_batch(session, batch_id, today)
    data = batch_worksheet_data.in_session(session, batch.id, today=today)  # type: ignore[attr-defined]
    # The containers hold what is on hand now: all of it right after release, less after
    # fills, so a reprint never claims more than there is.
    on_hand = batch.quantity_on_hand
    if on_hand <= 0:
        raise Conflict(f"Batch {batch.lot_number} has nothing left on hand to label.")
    per = (
        quantity_per_container
        if quantity_per_container is not None
        else _share(on_hand, containers, whole=batch.unit == "capsule")
    )
    if per * containers > on_hand:
        raise Invalid(
            "quantity_per_container",
            f"{containers} containers of {plain(per)} is more than the "
            f"{plain(on_hand)} {batch.unit} on hand",
        )
    if batch.unit == "capsule" and per != per.to_integral_value():
        raise Invalid("quantity_per_container", "capsules are counted in whole numbers")
    unit = batch.unit + ("s" if batch.unit == "capsule" and per != 1 else "")
    stock = _stock(stock_code)
    content = BatchLabelContent(
        preparation=data["preparation"],
        strength=data["strength"],
        form=data["form"],
        quantity_per_container=f"{plain(per)} {unit}",
        lot_number=batch.lot_number,
        bud=batch.bud,
        storage=batch.storage,
        compounded_on=batch.compounded_on,
        pharmacy=_pharmacy(session),
        containers=containers,
    )
    pdf = _render(render_batch_labels, content, stock)
    _log(
        session, actor, "batch_labels", batch.id, stock=stock.code, copies=containers, reason=reason
    )
    return pdf


def _share(on_hand: Decimal, containers: int, *, whole: bool) -> Decimal:
    """Each container's equal share of what is on hand: whole capsules, or mL to 0.01 mL
    (rounded down, so the labels never add up to more than there is)."""
    share = on_hand / containers
    step = Decimal(1) if whole else ML_STEP
    rounded = share.quantize(step, rounding=ROUND_FLOOR)
    if whole and rounded != share:
        raise Invalid(
            "quantity_per_container",
            f"{plain(on_hand)} capsules do not divide into {containers} equal containers: "
            "give the quantity per container",
        )
    return rounded


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
        pharmacy=_pharmacy(session),
    )


@use_case
def worksheet(
    session: Session, actor: Actor, batch_id: int, *, reason: str | None, today: date
) -> bytes:
    """The compounding worksheet and record: printable in any state (the technician works
    from it before the pharmacist's check)."""
    if session.get(Batch, batch_id) is None:
        raise NotFound("No such batch.")
    pdf = _render(render_worksheet, worksheet_content(session, batch_id, today))
    _log(session, actor, "worksheet", batch_id, stock="letter", reason=reason)
    return pdf


def _waiting_fills(session: Session) -> Any:
    printed = exists().where(PrintLog.document == "patient_label", PrintLog.entity_id == Fill.id)
    return (
        select(Fill)
        .join(Prescription, Prescription.id == Fill.prescription_id)
        .join(Batch, Batch.id == Fill.batch_id)
        .where(
            ~printed,
            Prescription.status.in_(LABELLABLE_PRESCRIPTION_STATUSES),
            Batch.status == "released",
        )
        .order_by(Fill.filled_at, Fill.id)
    )


@query
def print_queue(session: Session, actor: Actor, *, today: date) -> list[dict[str, Any]]:
    """Fills whose patient label has not been printed yet, oldest first."""
    rows = []
    for fill in session.execute(_waiting_fills(session)).scalars():
        rx = fill.prescription
        rows.append(
            {
                "fill_id": fill.id,
                "rx_number": rx.rx_number,
                "patient_name": rx.patient.full_name,
                "drug": drug_line(fill),
                "quantity": fill.quantity,
                "lot_number": fill.batch.lot_number,
                "filled_at": fill.filled_at,
            }
        )
    return rows


@use_case
def print_queued_labels(
    session: Session,
    actor: Actor,
    *,
    fill_ids: Sequence[int] | None,
    stock_code: str | None,
    today: date,
) -> bytes:
    """Every waiting patient label (or the chosen ones) in one PDF, logged as printed."""
    query_ = _waiting_fills(session)
    if fill_ids:
        query_ = query_.where(Fill.id.in_(list(fill_ids)))
    fills = list(session.execute(query_).scalars())
    if not fills:
        raise Conflict("No labels are waiting to be printed.")
    stock = _stock(stock_code)
    contents = [patient_label_content(session, fill, today) for fill in fills]
    pdf = _render(render_patient_labels, contents, stock)
    for fill in fills:
        _log(session, actor, "patient_label", fill.id, stock=stock.code, reason=None)
    return pdf


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
        pharmacy=_pharmacy(session),
    )
    pdf = _render(render_recall_report, content)
    _log(session, actor, "recall_report", recall_id, stock="letter", reason=reason)
    return pdf


@query
def print_history(session: Session, document: str, entity_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(PrintLog, User.username)
        .outerjoin(User, User.id == PrintLog.printed_by_user_id)
        .where(PrintLog.document == document, PrintLog.entity_id == entity_id)
        .order_by(PrintLog.id)
    ).all()
    return [
        {
            "id": log.id,
            "document": log.document,
            "entity_id": log.entity_id,
            "copies": log.copies,
            "stock": log.stock,
            "is_reprint": log.is_reprint,
            "reason": log.reason,
            "printed_by": username,
            "printed_at": log.printed_at,
        }
        for log, username in rows
    ]
