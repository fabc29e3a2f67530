"""Demo data for a first look: one user of each role, prescribers and patients."""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select

from pharmacy.audit import SYSTEM
from pharmacy.models import Patient, User
from pharmacy.services import accounts
from pharmacy.services.uow import current_db

DEMO_USERS = [
    {"username": "admin", "role": "admin", "full_name": "Avery Admin"},
    {"username": "pharmacist", "role": "pharmacist", "full_name": "Pat Pharmacist, PharmD"},
    {"username": "technician", "role": "technician", "full_name": "Terry Technician, CPhT"},
    {
        "username": "drgrey",
        "role": "prescriber",
        "full_name": "Dr. Meredith Grey",
        "npi": "1234567893",
        "phone": "(217) 555-0142",
        "address": "12 Clinic Road, Springfield, IL 62702",
    },
    {
        "username": "drshepherd",
        "role": "prescriber",
        "full_name": "Dr. Derek Shepherd",
        "npi": "1245319599",
        "phone": "(217) 555-0177",
        "address": "8 Hospital Way, Springfield, IL 62703",
    },
]

DEMO_PATIENTS = [
    ("Ada", "Lovelace", date(1970, 5, 1), ["lactose"], ["sertraline 50 mg"]),
    ("Zoë", "Łukasiewicz-Nguyễn", date(1985, 11, 23), [], ["levothyroxine 50 mcg"]),
    ("Grace", "Hopper", date(1956, 12, 9), [], []),
]


def seed_demo() -> list[tuple[str, str, str]]:
    """Create the demo users (random passwords, returned so the caller shows them once)
    and a few patients. Does nothing when the demo users exist."""
    db = current_db()
    with db.transaction() as session:
        if session.execute(select(User.id).where(User.username == "pharmacist")).first():
            return []
        created = []
        for spec in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            accounts.create_user.in_session(session, SYSTEM, password=password, **spec)  # type: ignore[attr-defined]
            created.append((spec["username"], spec["role"], password))
        for first, last, born, allergies, medications in DEMO_PATIENTS:
            session.add(
                Patient(
                    first_name=first,
                    last_name=last,
                    date_of_birth=born,
                    address="1 Example Street, Springfield, IL 62704",
                    phone="(217) 555-0199",
                    allergies=allergies,
                    current_medications=medications,
                )
            )
        return created
