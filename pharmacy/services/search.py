"""Find anything from one search box: an Rx number, a patient's name (part of it, any
case, with or without accents), a date of birth, a phone number, a prescriber's name or
NPI, an ingredient lot or a batch lot number. Results are typed (patient, prescription,
batch, lot), ranked (an exact number first, then patients whose name starts with what was
typed, then the rest) and paginated. A prescriber finds only their own patients and
prescriptions.

The statements, and how each database matches "contains", are in
pharmacy.services.search_sql."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.db import dialect_of, on_postgresql
from pharmacy.models import Patient
from pharmacy.models.search import digits, fold
from pharmacy.services import search_sql as sql
from pharmacy.services.uow import query

MIN_PHONE_DIGITS = 4
NPI_DIGITS = 10
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%Y/%m/%d")
PHONE_TEXT = re.compile(r"^[\d\s()+.\-]+$")
RX_TEXT = re.compile(r"^rx\s*-?\s*(\d+)$|^(\d{5,9})$", re.IGNORECASE)

# Ranks: lower first.
EXACT, PATIENT_BY_NUMBER, PATIENT_WORD_START, PATIENT_CONTAINS, BY_PRESCRIBER = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Terms:
    """What a search text can be, worked out once."""

    raw: str
    words: tuple[str, ...]  # folded name words (or an ISO date, or phone digits)
    born: date | None
    phone: str | None
    rx_number: str | None
    npi: str | None


def parse_date(value: str) -> date | None:
    text = value.strip()
    if not text[:1].isdigit():
        # Every format starts with a number (%Y or %m), so a name is no date: spare the
        # five failing strptime calls (each one raises) that would say so.
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_terms(q: str) -> Terms:
    raw = q.strip()
    born = parse_date(raw)
    phone = digits(raw) if PHONE_TEXT.match(raw) and len(digits(raw)) >= MIN_PHONE_DIGITS else None
    rx = RX_TEXT.match(raw.replace(" ", ""))
    rx_number = f"RX{rx.group(1) or rx.group(2)}" if rx else None
    npi = phone if phone and len(phone) == NPI_DIGITS else None
    if born is not None:
        words: tuple[str, ...] = (born.isoformat(),)
    elif phone is not None:
        words = (phone,)
    else:
        words = tuple(fold(raw).split())
    return Terms(raw, words, born, phone, rx_number, npi)


def patient_label(row: Any) -> str:
    return f"{row.last_name}, {row.first_name}"


def patient_hit(row: Any, rank: int) -> dict[str, Any]:
    detail = f"born {row.date_of_birth.isoformat()}"
    if row.phone:
        detail += f" · {row.phone}"
    return {
        "type": "patient",
        "id": row.id,
        "label": patient_label(row),
        "detail": detail,
        "rank": rank,
    }


def prescription_hit(row: Any, rank: int) -> dict[str, Any]:
    strength = (
        f"{row.strength_mg.normalize():f} mg capsule"
        if row.dosage_form == "capsule"
        else f"{row.concentration_mg_per_ml.normalize():f} mg/mL liquid"
    )
    return {
        "type": "prescription",
        "id": row.id,
        "label": f"{row.rx_number} — {row.last_name}, {row.first_name}",
        "detail": f"{strength} · {row.status.replace('_', ' ')} · {row.prescriber_name}",
        "rank": rank,
    }


def batch_hit(row: Any) -> dict[str, Any]:
    return {
        "type": "batch",
        "id": row.id,
        "label": f"Batch {row.number}",
        "detail": f"{row.name} · {row.status} · BUD {row.day.isoformat()}",
        "rank": EXACT,
    }


def lot_hit(row: Any) -> dict[str, Any]:
    return {
        "type": "lot",
        "id": row.id,
        "label": f"Lot {row.number} — {row.name}",
        "detail": f"{row.manufacturer} · {row.status} · expires {row.day.isoformat()}",
        "rank": EXACT,
    }


def _scope(actor: Actor) -> dict[str, Any]:
    """A prescriber finds the patients and prescriptions of their own prescriptions (the
    statements' `prescriber_id`); staff find everyone's."""
    return {"prescriber_id": actor.prescriber_id} if actor.role == "prescriber" else {}


def exact_hits(session: Session, actor: Actor, terms: Terms, limit: int) -> list[dict[str, Any]]:
    """An Rx number, a batch lot number or an ingredient lot number, as typed or scanned.
    (Every hit is read on the session's connection: the statements select plain columns,
    and the ORM's result handling would cost more CPU time than the indexed look-ups.)"""
    hits: list[dict[str, Any]] = []
    scope = _scope(actor)
    if terms.rx_number:
        rx = (
            session.connection()
            .execute(sql.rx_number(bool(scope)), {"rx_number": terms.rx_number, **scope})
            .one_or_none()
        )
        if rx is not None:
            hits.append(prescription_hit(rx, EXACT))
    if actor.role == "prescriber" or " " in terms.raw or not terms.raw:
        return hits
    lots = 0
    for row in session.connection().execute(
        sql.codes(), {"raw": terms.raw, "code": terms.raw.upper()}
    ):
        if row.kind == sql.BATCH_KIND:
            hits.append(batch_hit(row))
        elif lots < limit:
            lots += 1
            hits.append(lot_hit(row))
    return hits


def patient_hits(session: Session, actor: Actor, terms: Terms, limit: int) -> list[dict[str, Any]]:
    if not terms.words:
        return []
    fts = sql.uses_fts(dialect_of(session), terms.words)
    scope = _scope(actor)
    stmt = sql.patient_hits(fts, sql.shape(terms.words), bool(scope))
    params = {**sql.match_params(fts, terms.words), **scope, "limit": limit}
    hits = []
    for row in session.connection().execute(stmt, params):
        if terms.born or terms.phone:
            rank = PATIENT_BY_NUMBER
        else:
            rank = PATIENT_WORD_START if row.starts else PATIENT_CONTAINS
        hits.append(patient_hit(row, rank))
    return hits


def prescriber_hits(
    session: Session, actor: Actor, terms: Terms, limit: int
) -> list[dict[str, Any]]:
    """The newest prescriptions of a prescriber found by name or NPI (staff only: a
    prescriber's own are all theirs)."""
    if actor.role == "prescriber" or not terms.words or terms.born is not None:
        return []
    if terms.npi:
        params: dict[str, Any] = {"npi": terms.npi}
    elif terms.phone:
        return []
    else:
        params = sql.words_params("pword", terms.words)
    lateral = on_postgresql(session)
    stmt = sql.by_prescriber(lateral, bool(terms.npi), sql.shape(terms.words))
    rows = session.connection().execute(stmt, {**params, "limit": limit})
    return [prescription_hit(row, BY_PRESCRIBER) for row in rows]


@query
def search(session: Session, actor: Actor, q: str, *, page: int, per_page: int) -> dict[str, Any]:
    """One page of typed results, best first, and whether there are more."""
    terms = read_terms(q)
    wanted = page * per_page + 1  # each source gives at most what this page could show
    results = exact_hits(session, actor, terms, wanted)
    if not results or " " in terms.raw:
        # A scanned or typed number that is an Rx, batch or lot number is that record.
        results += patient_hits(session, actor, terms, wanted)
        results += prescriber_hits(session, actor, terms, wanted)
    seen: set[tuple[str, int]] = set()
    unique = []
    for hit in sorted(results, key=lambda h: h["rank"]):  # stable: each source's order kept
        if (hit["type"], hit["id"]) not in seen:
            seen.add((hit["type"], hit["id"]))
            unique.append(hit)
    start = (page - 1) * per_page
    return {
        "results": unique[start : start + per_page],
        "page": page,
        "per_page": per_page,
        "has_more": len(unique) > start + per_page,
    }


@query
def list_patients(
    session: Session,
    actor: Actor,
    *,
    q: str | None,
    date_of_birth: date | None,
    page: int,
    per_page: int,
) -> tuple[list[Patient], int]:
    """Patients by name, phone or date of birth (a prescriber: their own), paginated."""
    words = read_terms(q).words if q else ()
    fts = sql.uses_fts(dialect_of(session), words)
    scope = _scope(actor)
    stmt = sql.patients(
        fts, sql.shape(words), bool(scope), born=date_of_birth is not None, hits=False
    )
    params = {**sql.match_params(fts, words), **scope, "born": date_of_birth}
    total = session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery()), params
    ).scalar_one()
    items = session.execute(stmt.limit(per_page).offset((page - 1) * per_page), params).scalars()
    return list(items), int(total)
