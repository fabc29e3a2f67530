"""Prescriptions: intake (every channel, one engine assessment), the pharmacist's
decisions on them, and what each actor may see."""

from pharmacy.services.prescriptions.decisions import (
    VERIFY_MEANING,
    correct_prescription,
    locked_prescription,
    override_hold,
    reject_prescription,
    verify_prescription,
    void_prescription,
)
from pharmacy.services.prescriptions.intake import (
    PHARMACIST_SOURCES,
    RX_COUNTER,
    RX_FIRST,
    assess,
    create_prescription,
    prescription_request,
    resolve_prescriber,
    run_intake,
    snapshot,
)
from pharmacy.services.prescriptions.patients import allergies_only_on_file, find_patient
from pharmacy.services.prescriptions.queries import (
    SORTABLE,
    get_prescription,
    list_prescribers,
    list_prescriptions,
    visible_prescriptions,
)

__all__ = [
    "PHARMACIST_SOURCES",
    "RX_COUNTER",
    "RX_FIRST",
    "SORTABLE",
    "VERIFY_MEANING",
    "allergies_only_on_file",
    "assess",
    "correct_prescription",
    "create_prescription",
    "find_patient",
    "get_prescription",
    "run_intake",
    "list_prescribers",
    "list_prescriptions",
    "locked_prescription",
    "override_hold",
    "prescription_request",
    "reject_prescription",
    "resolve_prescriber",
    "snapshot",
    "verify_prescription",
    "visible_prescriptions",
    "void_prescription",
]
