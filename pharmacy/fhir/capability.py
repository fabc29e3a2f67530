"""The CapabilityStatement: exactly what this endpoint does, and nothing more."""

from __future__ import annotations

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from pharmacy.fhir.codes import FHIR_VERSION, MIMETYPE, OPIOID_ATTESTATION_URL

RELEASED = "2026-12-03"


def capability_statement(base_url: str) -> CapabilityStatement:
    return CapabilityStatement.model_validate(
        {
            "status": "active",
            "date": RELEASED,
            "kind": "instance",
            "software": {"name": "LDN compounding pharmacy"},
            "implementation": {
                "description": "LDN orders in (a transaction Bundle), prescriptions and fills out",
                "url": base_url,
            },
            "fhirVersion": FHIR_VERSION,
            "format": ["json", MIMETYPE],
            "rest": [
                {
                    "mode": "server",
                    "documentation": (
                        "POST a transaction Bundle of one Patient, one Practitioner (with its "
                        "NPI), one MedicationRequest (intent order) and any "
                        "MedicationStatement and AllergyIntolerance entries. The prescriber's "
                        f"opioid attestation is the extension {OPIOID_ATTESTATION_URL} "
                        "(valueBoolean) on the MedicationRequest."
                    ),
                    "security": {
                        "description": "Send 'Authorization: Bearer <token>' with a token from "
                        "POST /api/v1/auth/token; the roles are those of /api/v1. SMART app "
                        "launch is not supported.",
                    },
                    "resource": [
                        {
                            "type": "MedicationRequest",
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": [
                                {"name": "patient", "type": "reference"},
                                {"name": "status", "type": "token"},
                                {"name": "_count", "type": "number"},
                                {"name": "_offset", "type": "number"},
                            ],
                        },
                        {
                            "type": "MedicationDispense",
                            "interaction": [{"code": "search-type"}],
                            "searchParam": [
                                {
                                    "name": "prescription",
                                    "type": "reference",
                                    "documentation": "Required: the MedicationRequest's id.",
                                }
                            ],
                        },
                    ],
                    "interaction": [{"code": "transaction"}],
                }
            ],
        }
    )
