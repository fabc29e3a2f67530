"""Find anything from one search box: an Rx number, a patient's name (part of it, any
case, with or without accents), a date of birth, a phone number, a prescriber's name or
NPI, an ingredient lot or a batch lot number. Results are typed (patient, prescription,
batch, lot), ranked (an exact number first, then patients whose name starts with what was
typed, then the rest) and paginated. A prescriber finds only their own patients and
prescriptions.

One function for both databases. What differs is only the expression that matches the
folded search text (pharmacy.models.search), because each database has its own index for
"contains": PostgreSQL's pg_trgm GIN index answers `search_name LIKE '%term%'` itself; on
SQLite a LIKE with a leading wildcard reads every row, so the match goes through the FTS5
trigram table `patient_search` (migration 0015). Terms shorter than three characters have
no trigram: both databases then compare with LIKE."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.models import (
    Batch,
    Formula,
    IngredientLot,
    Item,
    Patient,
    Prescriber,
    Prescription,
)
from pharmacy.models.search import digits, fold
from pharmacy.services.uow import query

MIN_TRIGRAM = 3
MIN_PHONE_DIGITS = 4
MAX_PRESCRIBERS = 5
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
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).date()
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


def _fts_query(words: tuple[str, ...]) -> str:
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def name_match(session: Session, words: tuple[str, ...]) -> ColumnElement[bool]:
    """Every word somewhere in the patient's folded search text."""
    if session.get_bind().dialect.name == "sqlite" and all(len(w) >= MIN_TRIGRAM for w in words):
        fts = (
            select(literal_column("rowid"))
            .select_from(text("patient_search"))
            .where(text("patient_search MATCH :fts_terms").bindparams(fts_terms=_fts_query(words)))
        )
        return Patient.id.in_(fts)
    # Folded words hold only a-z, 0-9 and the date's hyphens: nothing for LIKE to escape.
    return and_(*[Patient.search_name.like(f"%{word}%") for word in words])


def word_start(words: tuple[str, ...]) -> ColumnElement[bool]:
    first = words[0]
    return or_(Patient.search_name.like(f"{first}%"), Patient.search_name.like(f"% {first}%"))


def patients_of(actor: Actor) -> ColumnElement[bool] | None:
    """A prescriber sees the patients they have prescribed for; staff see everyone."""
    if actor.role != "prescriber":
        return None
    return exists().where(
        Prescription.patient_id == Patient.id, Prescription.prescriber_id == actor.prescriber_id
    )


def patient_query(
    session: Session, actor: Actor, words: tuple[str, ...], born: date | None, *columns: Any
) -> Any:
    """Patients matching the words (and the date of birth, if given), best first: whole
    records, or only the `columns` given."""
    stmt = select(*(columns or (Patient,)))
    if words:
        stmt = stmt.where(name_match(session, words))
    if born is not None:
        stmt = stmt.where(Patient.date_of_birth == born)
    scope = patients_of(actor)
    if scope is not None:
        stmt = stmt.where(scope)
    order: list[Any] = []
    if words:
        order.append(case((word_start(words), 0), else_=1))
    return stmt.order_by(*order, Patient.last_name, Patient.first_name, Patient.id)


# What each hit shows, and nothing more: plain rows, no whole records to build.
PATIENT_HIT_COLUMNS = (
    Patient.id,
    Patient.first_name,
    Patient.last_name,
    Patient.date_of_birth,
    Patient.phone,
)


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


def _prescriptions() -> Any:
    """Prescriptions with what a hit shows: their own columns, the patient's name and the
    prescriber's, in one query."""
    return (
        select(
            Prescription.id,
            Prescription.rx_number,
            Prescription.status,
            Prescription.dosage_form,
            Prescription.strength_mg,
            Prescription.concentration_mg_per_ml,
            Patient.first_name,
            Patient.last_name,
            Prescriber.full_name.label("prescriber_name"),
        )
        .join(Patient, Patient.id == Prescription.patient_id)
        .join(Prescriber, Prescriber.id == Prescription.prescriber_id)
    )


def _own(actor: Actor, stmt: Any) -> Any:
    if actor.role == "prescriber":
        return stmt.where(Prescription.prescriber_id == actor.prescriber_id)
    return stmt


BATCH_KIND, LOT_KIND = 0, 1


def _codes(raw: str, code: str) -> Any:
    """A batch with the lot number and the ingredient lots with the manufacturer's lot
    number, in one statement: (kind, id, number, name, status, day, manufacturer), the
    batch first, then the lots by expiry."""
    batches = (
        select(
            literal(BATCH_KIND).label("kind"),
            Batch.id,
            Batch.lot_number.label("number"),
            Formula.name.label("name"),
            Batch.status,
            Batch.bud.label("day"),
            literal("").label("manufacturer"),
        )
        .join(Formula, Formula.id == Batch.formula_id)
        .where(Batch.lot_number == code)
    )
    lots = (
        select(
            literal(LOT_KIND).label("kind"),
            IngredientLot.id,
            IngredientLot.manufacturer_lot.label("number"),
            Item.name.label("name"),
            IngredientLot.status,
            IngredientLot.expiry.label("day"),
            IngredientLot.manufacturer,
        )
        .join(Item, Item.id == IngredientLot.item_id)
        .where(IngredientLot.manufacturer_lot.in_({raw, code}))
    )
    found = union_all(batches, lots).subquery()
    return select(found).order_by(found.c.kind, found.c.day, found.c.id)


def exact_hits(session: Session, actor: Actor, terms: Terms, limit: int) -> list[dict[str, Any]]:
    """An Rx number, a batch lot number or an ingredient lot number, as typed or scanned."""
    hits: list[dict[str, Any]] = []
    if terms.rx_number:
        rx = session.execute(
            _own(actor, _prescriptions()).where(Prescription.rx_number == terms.rx_number)
        ).one_or_none()
        if rx is not None:
            hits.append(prescription_hit(rx, EXACT))
    if actor.role == "prescriber" or " " in terms.raw or not terms.raw:
        return hits
    lots = 0
    for row in session.execute(_codes(terms.raw, terms.raw.upper())):
        if row.kind == BATCH_KIND:
            hits.append(batch_hit(row))
        elif lots < limit:
            lots += 1
            hits.append(lot_hit(row))
    return hits


def patient_hits(session: Session, actor: Actor, terms: Terms, limit: int) -> list[dict[str, Any]]:
    if not terms.words:
        return []
    stmt = patient_query(session, actor, terms.words, None, *PATIENT_HIT_COLUMNS).add_columns(
        word_start(terms.words).label("starts")
    )
    hits = []
    for row in session.execute(stmt.limit(limit)):
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
        match: ColumnElement[bool] = Prescriber.npi == terms.npi
    elif terms.phone:
        return []
    else:
        match = and_(*[Prescriber.search_name.like(f"%{word}%") for word in terms.words])
    # The closest few prescribers by name: a fragment that matches many names is a search
    # for a patient, not for every prescription of half the prescribers.
    closest = (
        select(Prescriber.id)
        .where(match)
        .order_by(Prescriber.full_name, Prescriber.id)
        .limit(MAX_PRESCRIBERS)
    )
    newest = (Prescription.created_at.desc(), Prescription.id.desc())
    if session.get_bind().dialect.name == "postgresql":
        # Each prescriber's newest `limit` from the (prescriber_id, created_at) index, then
        # the newest of those: reads 5 x limit rows instead of every prescription of 5.
        doctors = closest.subquery()
        theirs = (
            select(Prescription.id)
            .where(Prescription.prescriber_id == doctors.c.id)
            .order_by(*newest)
            .limit(limit)
            .lateral()
        )
        ids: Any = select(theirs.c.id).select_from(doctors).join(theirs, true())
    else:  # SQLite has no LATERAL; an embedded pharmacy's prescriptions are few
        ids = select(Prescription.id).where(Prescription.prescriber_id.in_(closest))
    stmt = _prescriptions().where(Prescription.id.in_(ids)).order_by(*newest).limit(limit)
    return [prescription_hit(row, BY_PRESCRIBER) for row in session.execute(stmt)]


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
    stmt = patient_query(session, actor, words, date_of_birth)
    total = session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    items = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).scalars()
    return list(items), int(total)
