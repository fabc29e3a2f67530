"""The transaction Bundle an order arrives in: parsed and validated by the `fhir.resources`
R4B models (which read R4), then sorted into the resources an LDN order is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from pharmacy.fhir.outcome import FhirError, issues_from_validation, refuse

SUPPORTED = (
    "Patient",
    "Practitioner",
    "MedicationRequest",
    "MedicationStatement",
    "AllergyIntolerance",
)
ONE_EACH = ("Patient", "Practitioner", "MedicationRequest")
MAX_ENTRIES = 200


@dataclass
class Entry:
    index: int
    resource: Any
    full_url: str | None

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}].resource"

    def names(self, reference: Any) -> bool:
        """Does this Reference point at this entry (by fullUrl, or Type/id)?"""
        target = getattr(reference, "reference", None) if reference is not None else None
        if not target:
            return False
        own_id = getattr(self.resource, "id", None)
        return target == self.full_url or (
            own_id is not None and target == f"{self.resource.get_resource_type()}/{own_id}"
        )


@dataclass
class Transaction:
    entries: list[Entry]
    by_type: dict[str, list[Entry]] = field(default_factory=dict)

    def one(self, kind: str) -> Entry:
        return self.by_type[kind][0]

    def all(self, kind: str) -> list[Entry]:
        return self.by_type.get(kind, [])


def parse_transaction(body: Any) -> Transaction:
    """A transaction Bundle of one Patient, one Practitioner, one MedicationRequest, and any
    MedicationStatements and AllergyIntolerances; anything else is refused, naming where."""
    _check_shape(body)
    try:
        bundle = Bundle.model_validate(body)
    except ValidationError as error:
        raise FhirError(400, issues_from_validation(error.errors())) from error
    if bundle.type != "transaction":
        raise refuse(422, "Send a Bundle of type 'transaction'.", "Bundle.type", "not-supported")
    entries = [_entry(index, entry) for index, entry in enumerate(bundle.entry or ())]
    transaction = Transaction(entries)
    for entry in entries:
        transaction.by_type.setdefault(entry.resource.get_resource_type(), []).append(entry)
    for kind in ONE_EACH:
        found = transaction.all(kind)
        if len(found) != 1:
            where = found[1].path if found else "Bundle.entry"
            raise refuse(
                422,
                f"An LDN order holds exactly one {kind}; this Bundle has {len(found)}.",
                where,
                "required" if not found else "business-rule",
            )
    return transaction


def _check_shape(body: Any) -> None:
    """What the library must not be handed: a body that is no Bundle, and an entry of a
    resource type we do not take (the models would look it up by name)."""
    if not isinstance(body, dict):
        raise refuse(
            400, "The body must be a FHIR Bundle, as a JSON object.", "Bundle", "structure"
        )
    if body.get("resourceType") != "Bundle":
        raise refuse(
            400,
            "The body must be a Bundle (resourceType 'Bundle').",
            "Bundle.resourceType",
            "structure",
        )
    entries = body.get("entry")
    if not isinstance(entries, list):
        return  # absent, or not a list: the model says which
    if len(entries) > MAX_ENTRIES:
        raise refuse(
            413, f"A Bundle may hold at most {MAX_ENTRIES} entries.", "Bundle.entry", "too-costly"
        )
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        kind = resource.get("resourceType")
        where = f"Bundle.entry[{index}].resource.resourceType"
        if kind is None:
            raise refuse(400, "Every resource names its resourceType.", where, "required")
        if kind not in SUPPORTED:
            raise refuse(
                422,
                f"An LDN order takes only {', '.join(SUPPORTED)} resources.",
                where,
                "not-supported",
            )


def _entry(index: int, entry: Any) -> Entry:
    where = f"Bundle.entry[{index}]"
    if entry.resource is None:
        raise refuse(
            422, "Every entry of a transaction carries a resource.", f"{where}.resource", "required"
        )
    kind = entry.resource.get_resource_type()
    request = entry.request
    if request is None:
        raise refuse(
            422,
            "Every entry of a transaction has a request (method POST).",
            f"{where}.request",
            "required",
        )
    if request.method != "POST" or (request.url or "").split("?")[0] != kind:
        raise refuse(
            422,
            f"Each entry is created: request.method POST, request.url '{kind}'.",
            f"{where}.request",
            "not-supported",
        )
    return Entry(index, entry.resource, entry.fullUrl)
