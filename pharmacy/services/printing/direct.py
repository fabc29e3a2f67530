"""Printing straight to a print station: the patient label, the batch labels and the
leaflet, as PDF through IPP (a CUPS queue) or as ZPL to a Zebra printer on TCP 9100.

The document is rendered on the stock loaded in the station, then sent. When the printer
takes it, the job (station, the printer's job id, `sent`), the print log and the fill's
state (`labeled` on a first patient label) are written in one transaction. When it refuses
or cannot be reached, only the failed job is recorded: nothing is marked printed, and the
caller gets `PrinterFailed` with what the printer said, to send it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from labels import (
    render_batch_labels,
    render_batch_labels_zpl,
    render_leaflet,
    render_patient_label,
    render_patient_label_zpl,
)
from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.errors import Invalid, PrinterFailed
from pharmacy.models import PrintJob, PrintStation
from pharmacy.services.dispensing.states import mark_labeled
from pharmacy.services.printing import print_log, rendering, transport
from pharmacy.services.printing.batch_labelling import batch_label_content
from pharmacy.services.printing.leaflets import leaflet_content
from pharmacy.services.printing.patient_labels import labellable_fill, patient_label_content
from pharmacy.services.printing.stations import station_named
from pharmacy.services.uow import use_case


@dataclass(frozen=True)
class Sent:
    job_id: str | None
    failure: PrinterFailed | None
    result: dict[str, Any]


def _job(
    session: Session,
    actor: Actor,
    station: PrintStation,
    document: str,
    entity_id: int,
    *,
    copies: int,
    job_id: str | None,
    failure: PrinterFailed | None,
) -> PrintJob:
    job = PrintJob(
        station_id=station.id,
        document=document,
        entity_id=entity_id,
        copies=copies,
        job_id=job_id,
        outcome="failed" if failure else "sent",
        error=failure.message if failure else None,
        sent_by_user_id=actor.user_id,
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor,
        "print_job.failed" if failure else "print_job.sent",
        document,
        entity_id,
        after={"printer": station.name, "job_id": job_id, "print_job_id": job.id},
        reason=failure.message if failure else None,
    )
    return job


def _send(
    session: Session,
    actor: Actor,
    station: PrintStation,
    document: str,
    entity_id: int,
    data: bytes,
    *,
    copies: int,
    reason: str | None,
    on_sent: Callable[[], None] | None = None,
) -> Sent:
    """Send, then log: the job and the print (and `on_sent`) when it went, only the
    failed job when it did not."""
    print_log.check_reprint_reason(session, document, entity_id, reason)
    title = f"{document.replace('_', ' ')} {entity_id}"
    try:
        job_id: str | None = transport.send(station.uri, data, title)
        failure = None
    except PrinterFailed as error:
        job_id, failure = None, error
    job = _job(
        session, actor, station, document, entity_id, copies=copies, job_id=job_id, failure=failure
    )
    if failure is None:
        print_log.record(
            session, actor, document, entity_id, stock=station.stock, copies=copies, reason=reason
        )
        if on_sent is not None:
            on_sent()
    result = {
        "job_id": job_id,
        "status": job.outcome,
        "printer": station.name,
        "print_job_id": job.id,
    }
    return Sent(job_id, failure, result)


def _finish(sent: Sent) -> dict[str, Any]:
    if sent.failure is not None:
        raise PrinterFailed(sent.failure.message, sent.failure.errors)
    return sent.result


@use_case
def _fill_label(
    session: Session, actor: Actor, fill_id: int, printer: str, reason: str | None, today: date
) -> Sent:
    fill = labellable_fill(session, fill_id, today)
    station = station_named(session, printer)
    content = patient_label_content(session, fill, today)
    # The stock loaded must hold the whole label: else 409 naming the stock that does.
    stock = rendering.patient_label_stock(content, station.stock)
    if station.protocol == "zpl":
        data = rendering.render(render_patient_label_zpl, content, stock, station.dpi)
    else:
        data = rendering.render(render_patient_label, content, stock)
    return _send(
        session,
        actor,
        station,
        "patient_label",
        fill.id,
        data,
        copies=1,
        reason=reason,
        on_sent=lambda: mark_labeled(session, actor, fill),
    )


def print_fill_label(
    actor: Actor, fill_id: int, *, printer: str, reason: str | None, today: date
) -> dict[str, Any]:
    """`{"job_id", "status": "sent", …}`, or PrinterFailed (the failed job is logged)."""
    return _finish(_fill_label(actor, fill_id, printer, reason, today))


@use_case
def _batch_labels(
    session: Session,
    actor: Actor,
    batch_id: int,
    printer: str,
    containers: int,
    quantity_per_container: Decimal | None,
    reason: str | None,
    today: date,
) -> Sent:
    station = station_named(session, printer)
    batch, content = batch_label_content(
        session,
        batch_id,
        containers=containers,
        quantity_per_container=quantity_per_container,
        today=today,
    )
    stock = rendering.stock(station.stock)
    if station.protocol == "zpl":
        data = rendering.render(render_batch_labels_zpl, content, stock, station.dpi)
    else:
        data = rendering.render(render_batch_labels, content, stock)
    return _send(
        session, actor, station, "batch_labels", batch.id, data, copies=containers, reason=reason
    )


def print_batch_labels(
    actor: Actor,
    batch_id: int,
    *,
    printer: str,
    containers: int,
    quantity_per_container: Decimal | None,
    reason: str | None,
    today: date,
) -> dict[str, Any]:
    return _finish(
        _batch_labels(actor, batch_id, printer, containers, quantity_per_container, reason, today)
    )


@use_case
def _leaflet(
    session: Session, actor: Actor, fill_id: int, printer: str, reason: str | None, today: date
) -> Sent:
    fill = labellable_fill(session, fill_id, today)
    station = station_named(session, printer)
    if station.protocol != "ipp":
        raise Invalid(
            "printer",
            f"{station.name} is a ZPL label printer; the leaflet is a letter-size document: "
            "choose an IPP (CUPS) station",
        )
    data = rendering.render(render_leaflet, leaflet_content(session, fill, today))
    return _send(session, actor, station, "leaflet", fill.id, data, copies=1, reason=reason)


def print_leaflet(
    actor: Actor, fill_id: int, *, printer: str, reason: str | None, today: date
) -> dict[str, Any]:
    return _finish(_leaflet(actor, fill_id, printer, reason, today))
