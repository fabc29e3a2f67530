"""The code systems and codes the FHIR edge reads and writes, each with where it is
defined. Terminology, not clinical rules: the rules stay in the engine's seeded data."""

from __future__ import annotations

FHIR_VERSION = "4.0.1"  # R4
MIMETYPE = "application/fhir+json"

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
# RxNorm ingredient (TTY IN) naltrexone: compounded LDN has no clinical-drug code, so an
# order names the ingredient and gives form and strength in text.
RXNORM_NALTREXONE = "7243"
UCUM_SYSTEM = "http://unitsofmeasure.org"
SNOMED_SYSTEM = "http://snomed.info/sct"
SNOMED_ORAL_ROUTE = "26643006"  # Oral route (qualifier value)
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"

# The pharmacy's own identifiers on what it returns.
RX_NUMBER_SYSTEM = "urn:ldn-pharmacy:rx-number"
# The prescriber attests that the patient takes no opioid medicines (valueBoolean): the
# same attestation as the API's `opioid_attestation`; without it an order is held.
OPIOID_ATTESTATION_URL = "urn:ldn-pharmacy:fhir:StructureDefinition:opioid-attestation"

# Timing.repeat.when: the one event LDN is taken at.
BEDTIME = "HS"

# Our prescription statuses as MedicationRequest.status.
REQUEST_STATUS = {
    "submitted": "active",
    "on_hold": "on-hold",
    "verified": "active",
    "filled": "completed",
    "rejected": "cancelled",
    "voided": "entered-in-error",
}
# A fill's dispensing status as MedicationDispense.status (R4: `cancelled` is a product
# never picked up, as a fill returned to stock is).
DISPENSE_STATUS = {
    "filled": "in-progress",
    "labeled": "in-progress",
    "product_verified": "in-progress",
    "ready": "in-progress",
    "dispensed": "completed",
    "returned": "cancelled",
}
# A MedicationRequest.status searched for, as our statuses.
STATUSES_FOR_SEARCH: dict[str, tuple[str, ...]] = {}
for _ours, _theirs in REQUEST_STATUS.items():
    STATUSES_FOR_SEARCH.setdefault(_theirs, ())
    STATUSES_FOR_SEARCH[_theirs] += (_ours,)
