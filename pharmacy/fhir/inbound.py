"""A FHIR LDN order as the intake body the API and the forms send (schema/prescriptions.py
PrescriptionIn), loaded through that same schema so every rule of the API applies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError

from pharmacy.errors import DomainError
from pharmacy.fhir.bundle import Entry, Transaction
from pharmacy.fhir.codes import NPI_SYSTEM, OPIOID_ATTESTATION_URL
from pharmacy.fhir.dosage import read_dispense, read_dosage
from pharmacy.fhir.mapping import (
    Mapped,
    concept_texts,
    not_kept_elements,
    refuse_modifier_extensions,
    unsupported,
)
from pharmacy.fhir.medication import read_medicine
from pharmacy.fhir.outcome import FhirError, Issue
from pharmacy.fhir.patient import read_patient
from pharmacy.http_errors import flatten_messages, status_for
from schema.prescriptions import PrescriptionIn

REQUEST_HANDLED = {
    "status",
    "intent",
    "subject",
    "requester",
    "medicationCodeableConcept",
    "medicationReference",
    "dosageInstruction",
    "dispenseRequest",
    "note",
    "identifier",
    "groupIdentifier",
    "extension",
    "modifierExtension",
    "id",
    "meta",
    "text",
    "doNotPerform",
    "reasonCode",
}
REQUEST_NOT_KEPT = {
    "authoredOn": "the pharmacy records when it received the order",
    "reasonReference": "the indication is kept from reasonCode (a coded reason), not a "
    "reference to a Condition",
    "substitution": "a compounded preparation has no generic to substitute",
    "priority": "orders are worked in the order received",
    "recorder": "the enterer is the account that sent the order",
}
_SCHEMA = PrescriptionIn()


@dataclass
class Order:
    """A mapped order: the loaded intake body, the prescriber's NPI, the sender's
    identifiers, and where each intake field came from."""

    data: dict[str, Any]
    npi: str
    identifiers: list[dict[str, Any]]
    group_identifier: dict[str, Any] | None
    mapped: Mapped
    request_path: str

    def refusal(self, error: DomainError) -> FhirError:
        """A use case's refusal, each field named by the FHIRPath it came from."""
        status = status_for(error)
        code = {403: "forbidden", 404: "not-found", 409: "conflict"}.get(status, "business-rule")
        if not error.errors:
            return FhirError(status, [Issue(error.message, (self.request_path,), code)])
        return FhirError(
            status,
            [
                Issue(f"{name}: {text}", (self.mapped.path_for(name, self.request_path),), code)
                for name, messages in error.errors.items()
                for text in messages
            ],
        )


ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"


def _read_reason(request: Any, path: str, mapped: Mapped) -> None:
    """The indication from the first reasonCode: its text (or a coding's display) and its
    ICD-10-CM code where one is given; further reasons are reported as not kept."""
    reasons = list(request.reasonCode or ())
    if not reasons:
        return
    first = reasons[0]
    codings = list(first.coding or ())
    icd = next((c for c in codings if c.system == ICD10CM_SYSTEM and c.code), None)
    text = first.text or next((c.display for c in codings if c.display), None)
    text = text or (icd.code if icd is not None else None)
    if text:
        indication = {"text": text} | ({"icd10": icd.code} if icd is not None else {})
        mapped.put("indication", indication, f"{path}.reasonCode[0]")
        if icd is not None:
            mapped.where["indication.icd10"] = f"{path}.reasonCode[0].coding"
    for index in range(1, len(reasons)):
        mapped.not_kept(f"{path}.reasonCode[{index}]", "the pharmacy keeps one indication")


def read_order(transaction: Transaction) -> Order:
    mapped = Mapped()
    patient = transaction.one("Patient")
    request_entry = transaction.one("MedicationRequest")
    request, path = request_entry.resource, request_entry.path
    read_patient(patient, mapped)
    _check_request(request_entry, patient, transaction.one("Practitioner"))
    medicine = read_medicine(request, path, mapped)
    read_dosage(request, path, medicine, mapped)
    read_dispense(request, path, medicine, mapped)
    if request.note:
        notes = "\n".join(note.text for note in request.note if note.text)
        mapped.put("notes", notes, f"{path}.note")
    mapped.put("opioid_attestation", _attested(request, path, mapped), f"{path}.extension")
    _read_reason(request, path, mapped)
    _read_statements(transaction, patient, mapped)
    _read_allergies(transaction, patient, mapped)
    not_kept_elements(request, path, REQUEST_HANDLED, REQUEST_NOT_KEPT, mapped)
    return Order(
        data=_load(mapped, path),
        npi=_npi(transaction.one("Practitioner"), mapped),
        identifiers=[_identifier(i) for i in request.identifier or ()],
        group_identifier=_identifier(request.groupIdentifier) if request.groupIdentifier else None,
        mapped=mapped,
        request_path=path,
    )


def _check_request(entry: Entry, patient: Entry, practitioner: Entry) -> None:
    request, path = entry.resource, entry.path
    refuse_modifier_extensions(request, path)
    if request.status != "active":
        raise unsupported(f"{path}.status", "A new order has status 'active'.")
    if request.intent != "order":
        raise unsupported(f"{path}.intent", "The pharmacy takes orders: intent 'order'.")
    if request.doNotPerform:
        raise unsupported(f"{path}.doNotPerform", "An order not to dispense is not taken.")
    if not patient.names(request.subject):
        raise unsupported(f"{path}.subject", "The subject must reference the Bundle's Patient.")
    if not practitioner.names(request.requester):
        raise unsupported(
            f"{path}.requester", "The requester must reference the Bundle's Practitioner."
        )


def _attested(request: Any, path: str, mapped: Mapped) -> bool:
    attested = False
    for index, extension in enumerate(request.extension or ()):
        where = f"{path}.extension[{index}]"
        if extension.url != OPIOID_ATTESTATION_URL:
            mapped.not_kept(where, f"extension {extension.url}: not known to the pharmacy.")
        elif extension.valueBoolean is None:
            raise unsupported(f"{where}.valueBoolean", "The opioid attestation is a valueBoolean.")
        else:
            attested = bool(extension.valueBoolean)
    return attested


def _npi(entry: Entry, mapped: Mapped) -> str:
    refuse_modifier_extensions(entry.resource, entry.path)
    for index, identifier in enumerate(entry.resource.identifier or ()):
        if identifier.system == NPI_SYSTEM and identifier.value:
            mapped.where["practitioner.npi"] = f"{entry.path}.identifier[{index}].value"
            return str(identifier.value)
    raise unsupported(
        f"{entry.path}.identifier",
        f"The Practitioner needs an NPI identifier (system {NPI_SYSTEM}).",
    )


def _identifier(identifier: Any) -> dict[str, Any]:
    return {
        name: value
        for name in ("use", "system", "value")
        if (value := getattr(identifier, name)) is not None
    }


def _read_statements(transaction: Transaction, patient: Entry, mapped: Mapped) -> None:
    """Current medications for the opioid screen. Err toward holding: a medicine stopped
    or completed is still listed (with its status) for the washout; only one never taken
    or entered in error is left out."""
    medications: list[str] = []
    for entry in transaction.all("MedicationStatement"):
        statement, path = entry.resource, entry.path
        refuse_modifier_extensions(statement, path)
        if not patient.names(statement.subject):
            raise unsupported(f"{path}.subject", "The subject must reference the Bundle's Patient.")
        if statement.status in ("entered-in-error", "not-taken"):
            mapped.not_kept(path, f"a medicine with status {statement.status} is not current.")
            continue
        if statement.medicationReference is not None:
            raise unsupported(
                f"{path}.medicationReference", "Name the medicine in medicationCodeableConcept."
            )
        names = concept_texts(statement.medicationCodeableConcept)
        if not names:
            raise unsupported(
                f"{path}.medicationCodeableConcept",
                "Give the medicine's name (text or coding.display): the opioid screen reads "
                "names, and a medicine it cannot read is not let through unscreened.",
            )
        name = names[0] if statement.status == "active" else f"{names[0]} ({statement.status})"
        mapped.where[f"patient.current_medications.{len(medications)}"] = (
            f"{path}.medicationCodeableConcept"
        )
        medications.append(name)
    mapped.data["patient"]["current_medications"] = medications


def _read_allergies(transaction: Transaction, patient: Entry, mapped: Mapped) -> None:
    allergies: list[str] = []
    for entry in transaction.all("AllergyIntolerance"):
        allergy, path = entry.resource, entry.path
        refuse_modifier_extensions(allergy, path)
        if not patient.names(allergy.patient):
            raise unsupported(f"{path}.patient", "The patient must reference the Bundle's Patient.")
        status = allergy.verificationStatus
        codes = {c.code for c in (status.coding or ())} if status is not None else set()
        if codes & {"refuted", "entered-in-error"}:
            mapped.not_kept(path, "an allergy refuted or entered in error is not recorded.")
            continue
        names = concept_texts(allergy.code)
        if not names:
            raise unsupported(f"{path}.code", "Name the substance (text or coding.display).")
        mapped.where[f"patient.allergies.{len(allergies)}"] = f"{path}.code"
        allergies.append(names[0])
    mapped.data["patient"]["allergies"] = allergies


def _load(mapped: Mapped, request_path: str) -> dict[str, Any]:
    """The body through the API's own schema: the same limits, messages and rules."""
    try:
        return dict(_SCHEMA.load(mapped.data))
    except ValidationError as error:
        flat = flatten_messages(error.messages)
        raise FhirError(
            422,
            [
                Issue(f"{name}: {text}", (mapped.path_for(name, request_path),), "value")
                for name, messages in flat.items()
                for text in messages
            ],
        ) from error
