"""What the pharmacy did, as FHIR: a prescription as a MedicationRequest, its fills as
MedicationDispenses, and the Bundles that carry them. Each is built and checked by the
`fhir.resources` R4B models before it leaves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationdispense import MedicationDispense
from fhir.resources.R4B.medicationrequest import MedicationRequest

from pharmacy.fhir.codes import (
    BEDTIME,
    DISPENSE_STATUS,
    NPI_SYSTEM,
    OPIOID_ATTESTATION_URL,
    REQUEST_STATUS,
    RX_NUMBER_SYSTEM,
    RXNORM_NALTREXONE,
    RXNORM_SYSTEM,
    SNOMED_ORAL_ROUTE,
    SNOMED_SYSTEM,
    UCUM_SYSTEM,
)
from pharmacy.fhir.medication import medicine_text
from pharmacy.fhir.outcome import Issue


def _decimal(value: Decimal) -> Decimal:
    return value.normalize() if value == value.to_integral_value() else value


def _quantity(value: Decimal, unit: str, code: str) -> dict[str, Any]:
    return {"value": _decimal(value), "unit": unit, "system": UCUM_SYSTEM, "code": code}


def _supply(rx: Any) -> dict[str, Any]:
    capsule = rx.dosage_form == "capsule"
    return _quantity(rx.quantity, "capsule" if capsule else "mL", "{capsule}" if capsule else "mL")


def _days(days: int) -> dict[str, Any]:
    return {"value": days, "unit": "days", "system": UCUM_SYSTEM, "code": "d"}


def _medication(rx: Any) -> dict[str, Any]:
    strength = rx.strength_mg if rx.dosage_form == "capsule" else rx.concentration_mg_per_ml
    return {
        "coding": [{"system": RXNORM_SYSTEM, "code": RXNORM_NALTREXONE, "display": "naltrexone"}],
        "text": medicine_text(rx.dosage_form, strength, rx.dose_basis),
    }


def _instruction(dose: Decimal, days: int | None, sequence: int | None) -> dict[str, Any]:
    repeat: dict[str, Any] = {"frequency": 1, "period": 1, "periodUnit": "d", "when": [BEDTIME]}
    if days is not None:
        repeat["boundsDuration"] = _days(days)
    instruction: dict[str, Any] = {
        "timing": {"repeat": repeat},
        "route": {
            "coding": [
                {"system": SNOMED_SYSTEM, "code": SNOMED_ORAL_ROUTE, "display": "Oral route"}
            ]
        },
        "doseAndRate": [{"doseQuantity": _quantity(dose, "mg", "mg")}],
    }
    if sequence is not None:
        instruction["sequence"] = sequence
    return instruction


def _dosage(rx: Any) -> list[dict[str, Any]]:
    if rx.steps:
        instructions = [
            _instruction(step.dose_mg, step.days, index + 1) for index, step in enumerate(rx.steps)
        ]
    else:
        instructions = [_instruction(rx.dose_mg, None, None)]
    instructions[0]["text"] = rx.directions  # the whole plan, as the label prints it
    return instructions


def _status_reason(rx: Any) -> dict[str, Any] | None:
    if rx.status == "on_hold" and rx.hold_reasons:
        return {"text": " ".join(rx.hold_reasons)}
    if rx.status == "rejected" and rx.rejected_reason:
        return {"text": rx.rejected_reason}
    if rx.status == "voided" and rx.void_reason:
        return {"text": rx.void_reason}
    return None


def medication_request(rx: Any) -> MedicationRequest:
    prescriber = rx.prescriber
    resource: dict[str, Any] = {
        "id": str(rx.id),
        "identifier": [
            {"use": "official", "system": RX_NUMBER_SYSTEM, "value": rx.rx_number},
            *(rx.external_identifier or ()),
        ],
        "status": REQUEST_STATUS[rx.status],
        "intent": "order",
        "medicationCodeableConcept": _medication(rx),
        "subject": {"reference": f"Patient/{rx.patient_id}"},
        "authoredOn": rx.created_at.isoformat(),
        "requester": {
            "reference": f"Practitioner/{rx.prescriber_id}",
            "identifier": {"system": NPI_SYSTEM, "value": prescriber.npi},
            "display": prescriber.full_name,
        },
        "dosageInstruction": _dosage(rx),
        "dispenseRequest": {
            "quantity": _supply(rx),
            "numberOfRepeatsAllowed": rx.refills,
        },
        "extension": [{"url": OPIOID_ATTESTATION_URL, "valueBoolean": bool(rx.opioid_attestation)}],
    }
    if rx.days_supply is not None:
        resource["dispenseRequest"]["expectedSupplyDuration"] = _days(rx.days_supply)
    if rx.group_identifier:
        resource["groupIdentifier"] = rx.group_identifier
    if rx.notes:
        resource["note"] = [{"text": rx.notes}]
    reason = _status_reason(rx)
    if reason is not None:
        resource["statusReason"] = reason
    return MedicationRequest.model_validate(resource)


def _instant(day: Any) -> str:
    if isinstance(day, datetime):
        moment = day if day.tzinfo else day.replace(tzinfo=UTC)
    else:
        moment = datetime.combine(day, time(0), tzinfo=UTC)
    return moment.isoformat()


def medication_dispense(rx: Any, fill: Any) -> MedicationDispense:
    """A fill: the batch's lot (on the contained Medication, where R4 keeps it), the
    quantity, when it was prepared, and when it was handed over (picked up or shipped)."""
    batch = fill.batch
    capsule = rx.dosage_form == "capsule"
    medication = {
        "resourceType": "Medication",
        "id": "compounded",
        "code": _medication(rx),
        "batch": {"lotNumber": batch.lot_number, "expirationDate": fill.bud.isoformat()},
    }
    resource: dict[str, Any] = {
        "id": str(fill.id),
        "contained": [medication],
        "status": DISPENSE_STATUS.get(fill.status, "unknown"),
        "medicationReference": {"reference": "#compounded"},
        "subject": {"reference": f"Patient/{rx.patient_id}"},
        "authorizingPrescription": [{"reference": f"MedicationRequest/{rx.id}"}],
        "quantity": _quantity(
            fill.quantity, "capsule" if capsule else "mL", "{capsule}" if capsule else "mL"
        ),
        "whenPrepared": _instant(fill.filled_at),
    }
    if fill.days_supply is not None:
        resource["daysSupply"] = _days(fill.days_supply)
    if fill.dispensed_at is not None:
        resource["whenHandedOver"] = _instant(fill.dispensed_at)
    return MedicationDispense.model_validate(resource)


def searchset(resources: Sequence[Any], total: int, links: dict[str, str]) -> Bundle:
    return Bundle.model_validate(
        {
            "type": "searchset",
            "total": total,
            "link": [{"relation": relation, "url": url} for relation, url in links.items()],
            "entry": [
                {
                    "fullUrl": f"{resource.get_resource_type()}/{resource.id}",
                    "resource": resource,
                    "search": {"mode": "match"},
                }
                for resource in resources
            ],
        }
    )


def response_entry(
    status: str, location: str, resource: Any = None, notes: Sequence[Issue] = ()
) -> dict[str, Any]:
    entry: dict[str, Any] = {"response": {"status": status, "location": location}}
    if resource is not None:
        entry["resource"] = resource
    if notes:
        entry["response"]["outcome"] = {
            "resourceType": "OperationOutcome",
            "issue": [note.as_json() for note in notes],
        }
    return entry


def transaction_response(entries: Sequence[dict[str, Any]]) -> Bundle:
    return Bundle.model_validate({"type": "transaction-response", "entry": list(entries)})
