"""Reference data every pharmacy starts with (rules, pharmacy details, catalog, master
formulas): inserted when missing, never overwriting what an admin changed. Runs after
every `pharmacy db upgrade`."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.models import PharmacyDetails
from pharmacy.services.catalog import seed_catalog, seed_formulas
from pharmacy.services.rules import seed_rules

DEFAULT_PHARMACY = {
    "name": "Main Street Compounding Pharmacy",
    "address": "100 Main Street, Springfield, IL 62701",
    "phone": "(217) 555-0100",
}


def seed_pharmacy_details(session: Session) -> int:
    if session.execute(select(PharmacyDetails.id)).first():
        return 0
    session.add(PharmacyDetails(id=1, **DEFAULT_PHARMACY))
    return 1


SEEDERS: list[Callable[[Session], int]] = [
    seed_rules,
    seed_pharmacy_details,
    seed_catalog,
    seed_formulas,
]


def seed_reference_data(session: Session) -> int:
    added = 0
    for seeder in SEEDERS:
        added += seeder(session)
        session.flush()
    return added
