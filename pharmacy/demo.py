"""Demo data for a first look: one user of each role, prescribers, patients, released
ingredient lots to compound from (one expiring this month), prescriptions waiting in the
pharmacist's queues, and a released batch with fills at each step of dispensing
(pharmacy.demo_dispensing)."""

from __future__ import annotations

import os
import secrets
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.audit import SYSTEM, Actor
from pharmacy.demo_dispensing import expiring_lot, finish_fills, seed_fills
from pharmacy.demo_patients import seed_patients
from pharmacy.models import Patient, User
from pharmacy.services import accounts, lots, prescriptions
from pharmacy.services.uow import current_db
from schema.prescriptions import PrescriptionIn

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

DEMO_PATIENTS: list[tuple[str, str, date, list[str], list[str]]] = []  # see demo_patients
CREDENTIALS_FILE = "demo-credentials.txt"

# (item code, manufacturer, manufacturer lot, expiry, quantity, unit, extra)
DEMO_LOTS: list[tuple[str, str, str, str, str, str, dict[str, Any]]] = [
    (
        "naltrexone-hcl",
        "Medisca",
        "NTX-24117",
        "2028-06",
        "25",
        "g",
        {
            "coa": {
                "assay_percent": "99.5",
                "assay_basis": "anhydrous",
                "water_percent": "8.71",
                "form": "hcl_dihydrate",
            }
        },
    ),
    (
        "naltrexone-50mg-tablet",
        "Accord",
        "AC50-3321",
        "2028-01",
        "100",
        "each",
        {"tablet_powder_mg": "212.0"},
    ),
    ("mcc", "JRS Pharma", "MCC-7781", "2029-03", "1000", "g", {"pack_stats_mg": {"3": "92"}}),
    ("capsule-3", "Capsugel", "CS3-5512", "2029-12", "5000", "each", {}),
    ("capsule-1", "Capsugel", "CS1-5513", "2029-12", "2000", "each", {}),
    ("purified-water", "In-house", "PW-2611", "2027-05", "5000", "mL", {}),
    ("glycerol", "Spectrum", "GLY-0912", "2028-09", "1000", "mL", {}),
    ("ascorbic-acid", "Spectrum", "ASC-4410", "2028-02", "100", "g", {}),
    ("sodium-benzoate", "Spectrum", "SBZ-1187", "2028-04", "100", "g", {}),
]

DEMO_PRESCRIPTIONS: list[tuple[str, dict[str, Any]]] = [
    (
        "drgrey",
        {
            "patient": {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "date_of_birth": "1970-05-01",
                "address": "12 Analytical Row, Springfield, IL 62704",
                "phone": "(217) 555-0199",
                "allergies": ["lactose"],
                "current_medications": ["sertraline 50 mg"],
            },
            "dosage_form": "capsule",
            "strength_mg": "1.5",
            "titration": [
                {"dose_mg": "1.5", "days": 14},
                {"dose_mg": "3", "days": 14},
                {"dose_mg": "4.5", "days": 30},
            ],
            "refills": 2,
            "filler": "mcc",
            "opioid_attestation": True,
        },
    ),
    (
        "drshepherd",
        {
            "patient": {
                "first_name": "Zoë",
                "last_name": "Łukasiewicz-Nguyễn",
                "date_of_birth": "1985-11-23",
                "address": "3 Harbour Lane, Springfield, IL 62704",
                "phone": "(217) 555-0123",
                "current_medications": ["Percocet 5/325 as needed"],
            },
            "dosage_form": "liquid",
            "concentration_mg_per_ml": "1",
            "dose_mg": "4.5",
            "days_supply": 30,
            "syringe_ml": 5,
            "opioid_attestation": True,
        },
    ),
]


def _seed_stock(session: Session, technician: Actor, pharmacist: Actor, password: str) -> None:
    today = date.today()
    for code, maker, maker_lot, expiry, quantity, unit, extra in [*DEMO_LOTS, expiring_lot()]:
        data: dict[str, Any] = {
            "item_code": code,
            "manufacturer": maker,
            "manufacturer_lot": maker_lot,
            "expiry": expiry,
            "quantity": Decimal(quantity),
            "unit": unit,
            **extra,
        }
        if "coa" in data:
            data["coa"] = {
                k: Decimal(v) if k != "assay_basis" and k != "form" else v
                for k, v in data["coa"].items()
            }
        if "pack_stats_mg" in data:
            data["pack_stats_mg"] = {k: Decimal(v) for k, v in data["pack_stats_mg"].items()}
        if "tablet_powder_mg" in data:
            data["tablet_powder_mg"] = Decimal(data["tablet_powder_mg"])
        lot = lots.receive_lot.in_session(session, technician, data, today=today)  # type: ignore[attr-defined]
        lots.release_lot.in_session(session, pharmacist, lot.id, password=password, today=today)  # type: ignore[attr-defined]


def seed_demo() -> list[tuple[str, str, str]]:
    """Create the demo data (random passwords, returned so the caller shows them once).
    Does nothing when the demo users exist."""
    with current_db().transaction() as session:
        if session.execute(select(User.id).where(User.username == "pharmacist")).first():
            return []
        created = []
        actors: dict[str, Actor] = {}
        passwords: dict[str, str] = {}
        for spec in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            user = accounts.create_user.in_session(session, SYSTEM, password=password, **spec)  # type: ignore[attr-defined]
            actors[spec["username"]] = accounts.actor_of(user)
            passwords[spec["username"]] = password
            created.append((spec["username"], spec["role"], password))
        for first, last, born, allergies, medications in DEMO_PATIENTS:
            session.add(
                Patient(
                    first_name=first,
                    last_name=last,
                    date_of_birth=born,
                    address="1 Example Street, Springfield, IL 62704",
                    phone="(217) 555-0198",
                    allergies=allergies,
                    current_medications=medications,
                )
            )
        _seed_stock(session, actors["technician"], actors["pharmacist"], passwords["pharmacist"])
        for prescriber, body in DEMO_PRESCRIPTIONS:
            data = PrescriptionIn().load(body)
            prescriptions.create_prescription.in_session(  # type: ignore[attr-defined]
                session, actors[prescriber], data, today=date.today()
            )
        verified = seed_patients(session, actors, passwords["pharmacist"], date.today())
        made = seed_fills(session, actors, passwords["pharmacist"], date.today(), verified)
    finish_fills(actors, passwords["pharmacist"], date.today(), made)
    write_credentials(created)
    return created


def credentials_path() -> Path:
    return Path(current_app.instance_path) / CREDENTIALS_FILE


def write_credentials(created: list[tuple[str, str, str]]) -> Path:
    """The demo passwords, readable by this user only (0600), for `--show-passwords`."""
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{role:<11} {name:<12} {password}\n" for name, role, password in created)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # also when the file was there before with wider permissions
    return path


def saved_credentials() -> str | None:
    path = credentials_path()
    return path.read_text() if path.exists() else None
