"""POST /fhir/r4: a transaction Bundle in, through the one intake, a transaction-response
Bundle out."""

from __future__ import annotations

from datetime import date
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from pharmacy.audit import Actor
from pharmacy.errors import DomainError
from pharmacy.fhir.bundle import Transaction, parse_transaction
from pharmacy.fhir.inbound import Order, read_order
from pharmacy.fhir.outbound import medication_request, response_entry, transaction_response
from pharmacy.fhir.outcome import Issue
from pharmacy.services.prescriptions.electronic import Received, receive_order


def receive(actor: Actor, body: Any, *, today: date) -> Bundle:
    transaction = parse_transaction(body)
    order = read_order(transaction)
    try:
        received = receive_order(
            actor,
            order.data,
            npi=order.npi,
            identifiers=order.identifiers,
            group_identifier=order.group_identifier,
            today=today,
        )
    except DomainError as error:
        raise order.refusal(error) from error
    return _response(transaction, order, received)


def _notes_for(index: int, notes: list[Issue]) -> list[Issue]:
    prefix = f"Bundle.entry[{index}]"
    return [
        note
        for note in notes
        if any(e == prefix or e.startswith((f"{prefix}.", f"{prefix}[")) for e in note.expression)
    ]


def _response(transaction: Transaction, order: Order, received: Received) -> Bundle:
    rx = received.prescription
    patient = f"Patient/{rx.patient_id}"
    entries = []
    for entry in transaction.entries:
        kind = entry.resource.get_resource_type()
        notes = _notes_for(entry.index, order.mapped.notes)
        if kind == "MedicationRequest":
            resource = medication_request(rx)
            entries.append(
                response_entry("201 Created", f"MedicationRequest/{rx.id}", resource, notes)
            )
        elif kind == "Patient":
            status = "201 Created" if received.patient_created else "200 OK"
            entries.append(response_entry(status, patient, None, notes))
        elif kind == "Practitioner":
            entries.append(
                response_entry("200 OK", f"Practitioner/{rx.prescriber_id}", None, notes)
            )
        else:
            kept = Issue(
                "Recorded on the patient's record and this prescription (the medication and "
                "allergy lists), not as a resource of its own.",
                (entry.path,),
                "informational",
                "information",
            )
            entries.append(response_entry("200 OK", patient, None, [kept, *notes]))
    return transaction_response(entries)
