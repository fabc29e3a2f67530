"""The text a search matches, kept beside the row it describes.

A patient's `search_name` holds the name folded (lower case, accents and special letters
taken off, punctuation as spaces), the date of birth as YYYY-MM-DD and the phone's digits:
one column, so one trigram index (PostgreSQL pg_trgm) or one FTS5 table (SQLite) answers a
name, a date of birth and a phone number alike. A prescriber's holds the folded name and
the NPI. A fill's `supply_ends_on` is the day its supply runs out (filled_on + days
supplied); its prescription's `supply_ends_on` is its newest fill's (kept here as fills
are inserted, changed or deleted): the dashboards count refills due on it with an index.

Unicode's NFKD takes the accent off "é" or "ễ" but leaves letters that are not a base
letter plus a mark ("Ł", "ø", "ß", "æ"), so those are spelt out here."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any

from sqlalchemy import event, inspect, select, update

from pharmacy.models.people import Patient, Prescriber
from pharmacy.models.prescriptions import Prescription
from pharmacy.models.stock import Fill

# Letters NFKD does not decompose, as a reader without them would type them.
SPELT_OUT = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
        "ħ": "h",
        "Ħ": "h",
        "ŋ": "n",
        "Ŋ": "n",
    }
)
NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """`Łukasiewicz-Nguyễn` → `lukasiewicz nguyen`: what a search compares."""
    decomposed = unicodedata.normalize("NFKD", text.translate(SPELT_OUT))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return NOT_WORD.sub(" ", bare.translate(SPELT_OUT).casefold()).strip()


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


def patient_search_name(patient: Patient) -> str:
    born = patient.date_of_birth.isoformat() if patient.date_of_birth else ""
    parts = [
        fold(patient.first_name or ""),
        fold(patient.last_name or ""),
        born,
        digits(patient.phone or ""),
    ]
    return " ".join(part for part in parts if part)


def prescriber_search_name(prescriber: Prescriber) -> str:
    return " ".join(part for part in (fold(prescriber.full_name or ""), prescriber.npi) if part)


@event.listens_for(Patient, "before_insert")
@event.listens_for(Patient, "before_update")
def _patient_search(_mapper: Any, _connection: Any, patient: Patient) -> None:
    patient.search_name = patient_search_name(patient)


@event.listens_for(Prescriber, "before_insert")
@event.listens_for(Prescriber, "before_update")
def _prescriber_search(_mapper: Any, _connection: Any, prescriber: Prescriber) -> None:
    prescriber.search_name = prescriber_search_name(prescriber)


@event.listens_for(Fill, "before_insert")
@event.listens_for(Fill, "before_update")
def _supply_ends(_mapper: Any, _connection: Any, fill: Fill) -> None:
    fill.supply_ends_on = (
        fill.filled_on + timedelta(days=fill.days_supply)
        if fill.filled_on is not None and fill.days_supply is not None
        else None
    )


def _newest_supply_end(connection: Any, prescription_id: int) -> None:
    newest = (
        select(Fill.supply_ends_on)
        .where(Fill.prescription_id == prescription_id)
        .order_by(Fill.fill_number.desc())
        .limit(1)
        .scalar_subquery()
    )
    connection.execute(
        update(Prescription.__table__)
        .where(Prescription.__table__.c.id == prescription_id)
        .values(supply_ends_on=newest)
    )


@event.listens_for(Fill, "after_insert")
@event.listens_for(Fill, "after_delete")
def _prescription_supply_ends(_mapper: Any, connection: Any, fill: Fill) -> None:
    _newest_supply_end(connection, fill.prescription_id)


@event.listens_for(Fill, "after_update")
def _prescription_supply_ends_changed(_mapper: Any, connection: Any, fill: Fill) -> None:
    attrs = inspect(fill).attrs
    if any(
        attrs[name].history.has_changes()
        for name in ("supply_ends_on", "fill_number", "prescription_id")
    ):
        _newest_supply_end(connection, fill.prescription_id)
