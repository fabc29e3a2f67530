"""The key one patient record per person rests on: the name as written, with case and
spacing set aside, and the date of birth beside it (unique ix_patients_identity).

Folded here, in Python, the same on both databases: SQLite's lower() folds only ASCII
letters ("ÅNGSTRÖM" stayed "ÅngstrÖm" there, another person than "Ångström"), and
PostgreSQL's depends on the database's collation. Accents are kept: "José" and "Jose" may
be two people, and a pharmacist merges records, software does not guess."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import event

from pharmacy.models.people import Patient

# Between the last and the first name: no name can hold it (names are printable text).
SEPARATOR = "\x1f"


def identity_name(first_name: str, last_name: str) -> str:
    """`ÅNGSTRÖM`, ` Élodie ` → `ångström␟élodie`: what makes two records one person's."""
    return SEPARATOR.join(_folded(name) for name in (last_name, first_name))


def _folded(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


@event.listens_for(Patient, "before_insert")
@event.listens_for(Patient, "before_update")
def _patient_identity(_mapper: Any, _connection: Any, patient: Patient) -> None:
    patient.identity_name = identity_name(patient.first_name or "", patient.last_name or "")
