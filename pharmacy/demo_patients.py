"""Demo patients with histories (issue 22): a few dozen people the search, the profiles and
the dashboards show on a first run. Names from many places, so the search's folding of
accents and special letters (Ł, ø, ß) shows; a few take opioids, so holds show too. All
invented; phone numbers in the 555-01xx range set aside for fiction."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.models import Prescription
from pharmacy.services import prescriptions, refills
from schema.prescriptions import PrescriptionIn

# first, last, born, allergies, current medications (the newest), earlier medications
PEOPLE: list[tuple[str, str, str, list[str], list[str], list[str] | None]] = [
    ("Linh", "Nguyễn", "1962-03-14", ["penicillin"], ["levothyroxine 50 mcg"], ["none"]),
    ("Mary", "Nguyen", "1948-07-02", [], ["metformin 500 mg", "lisinopril 10 mg"], None),
    ("Zofia", "Łukasiewicz", "1979-10-30", ["sulfa"], ["sertraline 50 mg"], ["fluoxetine 20 mg"]),
    ("Søren", "Østergaard", "1971-01-09", [], ["vitamin D 2000 IU"], None),
    ("Jürgen", "Müller", "1958-12-21", ["lactose"], ["atorvastatin 20 mg"], None),
    ("Siobhán", "Ó Briain", "1986-05-17", [], ["Percocet 5/325 as needed"], None),
    ("José", "García Márquez", "1967-08-08", [], ["omeprazole 20 mg"], ["ranitidine 150 mg"]),
    ("Antonín", "Dvořák", "1990-09-01", [], ["levothyroxine 75 mcg"], None),
    ("Aiko", "Tanaka", "1983-02-27", ["latex"], [], None),
    ("Priya", "Raghunathan", "1975-06-11", [], ["amitriptyline 10 mg at bedtime"], None),
    ("Oluwaseun", "Adébáyọ̀", "1969-04-03", [], ["amlodipine 5 mg"], None),
    ("Grace", "Hopper", "1956-12-09", [], [], None),
    ("Ada", "Lovelace", "1970-05-01", ["lactose"], ["sertraline 50 mg"], None),
    ("Chloé", "Lefèvre", "1988-11-19", [], ["tramadol 50 mg twice a day"], None),
    ("Mateus", "Gonçalves", "1993-03-05", [], ["gabapentin 300 mg"], ["pregabalin 75 mg"]),
    ("Fatima", "Al-Sayed", "1964-09-23", ["codeine"], ["losartan 50 mg"], None),
    ("Hannah", "Schäfer", "1981-07-07", [], ["low-dose aspirin 81 mg"], None),
    ("Yusuf", "Çelik", "1977-01-28", [], ["metoprolol 25 mg"], None),
    ("Eleanor", "Whitfield", "1952-10-12", ["iodine"], ["alendronate 70 mg weekly"], None),
    ("Kwame", "Mensah", "1960-02-19", [], ["tamsulosin 0.4 mg"], None),
    ("Isabella", "Rossi", "1995-08-30", [], ["oral contraceptive"], None),
    ("Mikael", "Björklund", "1966-06-06", [], ["naltrexone 50 mg tablets"], None),
    ("Nadia", "Petrović", "1973-12-01", [], ["duloxetine 60 mg"], ["venlafaxine 75 mg"]),
    ("Tomás", "Ñúñez", "1984-04-22", [], ["Suboxone 8/2 mg film"], None),
    ("Ruth", "Goldberg", "1949-03-03", ["aspirin"], ["warfarin 5 mg"], None),
    ("Sione", "Tuʻipulotu", "1987-09-14", [], [], None),
    ("Wei", "Zhang", "1980-01-16", [], ["cetirizine 10 mg"], None),
    ("Margaret", "O'Connell", "1955-05-25", [], ["levothyroxine 100 mcg"],
     ["levothyroxine 88 mcg"]),
    ("Ahmed", "Hassan", "1972-11-05", [], ["metformin 1000 mg"], None),
    ("Léa", "Dubois", "1991-02-02", [], ["melatonin 3 mg"], None),
    ("Bjørn", "Haugland", "1968-07-19", [], ["ibuprofen 400 mg as needed"], None),
    ("Camila", "Fernández", "1985-10-10", [], ["hydroxychloroquine 200 mg"], None),
]
PRESCRIBERS = ("drgrey", "drshepherd")
TITRATION = [{"dose_mg": "1.5", "days": 14}, {"dose_mg": "3", "days": 14},
             {"dose_mg": "4.5", "days": 30}]


def _body(index: int, person: tuple[Any, ...], medications: list[str]) -> dict[str, Any]:
    first, last, born, allergies, _current, _earlier = person
    body: dict[str, Any] = {
        "patient": {
            "first_name": first, "last_name": last, "date_of_birth": born,
            "address": f"{10 + index} {('Oak', 'Harbour', 'Mill', 'Elm')[index % 4]} Street, "
                       "Springfield, IL 62704",
            "phone": f"(217) 555-{100 + index:04d}",
            "allergies": allergies, "current_medications": medications,
        },
        "dosage_form": "capsule", "strength_mg": "4.5" if index % 2 else "1.5",
        "refills": index % 4, "filler": "mcc", "opioid_attestation": True,
    }
    if index % 2:
        body.update(dose_mg="4.5", days_supply=30)
    else:
        body["titration"] = TITRATION
    return body


def seed_patients(
    session: Session, actors: dict[str, Actor], password: str, today: date
) -> list[Prescription]:
    """Intake for each person (an earlier prescription first where they have one), then
    the pharmacist verifies most of what is not on hold and takes a refill request by
    phone. Returns the prescriptions verified (pharmacy.demo_dispensing fills some)."""
    pharmacist = actors["pharmacist"]
    made = []
    for index, person in enumerate(PEOPLE):
        prescriber = actors[PRESCRIBERS[index % 2]]
        histories = [person[5], person[4]] if person[5] is not None else [person[4]]
        for medications in histories:
            meds = [] if medications == ["none"] else medications
            data = PrescriptionIn().load(_body(index, person, meds))
            made.append(prescriptions.create_prescription.in_session(  # type: ignore[attr-defined]
                session, prescriber, data, today=today))
    verified = []
    for number, rx in enumerate(made):
        if rx.status == "submitted" and number % 3 != 0:
            verified.append(prescriptions.verify_prescription.in_session(  # type: ignore[attr-defined]
                session, pharmacist, rx.id, password=password, acknowledge_warnings=True))
    with_refills = [rx for rx in verified if rx.refills_remaining > 0]
    if with_refills:
        refills.request_refill.in_session(  # type: ignore[attr-defined]
            session, pharmacist, with_refills[0].id, source="phone",
            requested_by_name="the patient's daughter", note="running low by Friday")
    return verified
