"""The search's statements, built once per shape and reused with new parameters.

Building a SQLAlchemy statement and working out its cache key costs about a millisecond
of Python for each of the search's statements, more than the indexed query itself takes
on PostgreSQL. So each statement here is made once for its shape (the database's kind of
"contains" match, how many words, whether a prescriber's scope applies) with bound
parameters for everything typed, and `*_params` give the values for one search.

The match: PostgreSQL's pg_trgm GIN index answers `search_name LIKE '%term%'` itself; on
SQLite a LIKE with a leading wildcard reads every row, so the match goes through the FTS5
trigram table `patient_search` (migration 0015).

A word shorter than three characters ("li", "o" of "O'Brien", an initial) matches at the
start of a word, as a person typing so few letters means: `'li%'` or `'% li%'`. Inside
words it would match most of the patients, and no trigram index can answer it; at a word
start pg_trgm reads the padded trigrams ("  l", " li") from its index. SQLite compares
such words with LIKE."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    exists,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)

from pharmacy.models import (
    Batch,
    Formula,
    IngredientLot,
    Item,
    Patient,
    Prescriber,
    Prescription,
)

MIN_TRIGRAM = 3
MAX_PRESCRIBERS = 5
# Statement shapes kept: a few kinds of match x the number of words typed.
SHAPES_KEPT = 128
BATCH_KIND, LOT_KIND = 0, 1

# What each hit shows, and nothing more: plain rows, no whole records to build.
PATIENT_HIT_COLUMNS = (
    Patient.id,
    Patient.first_name,
    Patient.last_name,
    Patient.date_of_birth,
    Patient.phone,
)


def is_short(word: str) -> bool:
    return len(word) < MIN_TRIGRAM


def shape(words: tuple[str, ...]) -> tuple[bool, ...]:
    """The statement shape of the words typed: whether each is short (`is_short`)."""
    return tuple(is_short(word) for word in words)


def uses_fts(dialect: str, words: tuple[str, ...]) -> bool:
    return dialect == "sqlite" and not any(shape(words))


def _fts_query(words: tuple[str, ...]) -> str:
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def words_match(column: Any, prefix: str, shorts: tuple[bool, ...]) -> ColumnElement[bool]:
    """Every word in `column`: word i bound as `{prefix}{i}`, and a short one also as
    `{prefix}{i}_starts` (`words_params`)."""
    return and_(
        *[
            or_(
                column.like(bindparam(f"{prefix}{i}_starts")),
                column.like(bindparam(f"{prefix}{i}")),
            )
            if short
            else column.like(bindparam(f"{prefix}{i}"))
            for i, short in enumerate(shorts)
        ]
    )


def words_params(prefix: str, words: tuple[str, ...]) -> dict[str, str]:
    """The LIKE patterns of `words_match`. Folded words hold only a-z, 0-9 and the date's
    hyphens: nothing for LIKE to escape."""
    params = {}
    for i, word in enumerate(words):
        if is_short(word):
            params[f"{prefix}{i}_starts"] = f"{word}%"
            params[f"{prefix}{i}"] = f"% {word}%"
        else:
            params[f"{prefix}{i}"] = f"%{word}%"
    return params


def name_match(fts: bool, shorts: tuple[bool, ...]) -> ColumnElement[bool]:
    """Every word (bound by `words_params` or, through FTS5, as `fts_terms`) in the
    patient's folded search text."""
    if fts:
        found: Any = (
            select(literal_column("rowid"))
            .select_from(text("patient_search"))
            .where(text("patient_search MATCH :fts_terms"))
        )
        return Patient.id.in_(found)
    return words_match(Patient.search_name, "word", shorts)


def word_start() -> ColumnElement[bool]:
    """The first word starts the search text or one of its words."""
    return or_(
        Patient.search_name.like(bindparam("starts")),
        Patient.search_name.like(bindparam("word_starts")),
    )


def match_params(fts: bool, words: tuple[str, ...]) -> dict[str, Any]:
    if fts:
        params: dict[str, Any] = {"fts_terms": _fts_query(words)}
    else:
        params = words_params("word", words)
    if words:
        params |= {"starts": f"{words[0]}%", "word_starts": f"% {words[0]}%"}
    return params


@lru_cache(maxsize=SHAPES_KEPT)
def patients(fts: bool, shorts: tuple[bool, ...], scoped: bool, born: bool, hits: bool) -> Any:
    """Patients matching words of the shape `shorts` (and the date of birth `born`, if given; a
    prescriber's own, `prescriber_id`, if scoped), best first: whole records, or the
    columns of a hit with whether the first word starts a word (`starts`)."""
    columns: tuple[Any, ...] = (Patient,)
    if hits:
        columns = (*PATIENT_HIT_COLUMNS, word_start().label("starts"))
    stmt = select(*columns)
    if shorts:
        stmt = stmt.where(name_match(fts, shorts))
    if born:
        stmt = stmt.where(Patient.date_of_birth == bindparam("born"))
    if scoped:
        stmt = stmt.where(
            exists().where(
                Prescription.patient_id == Patient.id,
                Prescription.prescriber_id == bindparam("prescriber_id"),
            )
        )
    order: list[Any] = [case((word_start(), 0), else_=1)] if shorts else []
    return stmt.order_by(*order, Patient.last_name, Patient.first_name, Patient.id)


@lru_cache(maxsize=SHAPES_KEPT)
def patient_hits(fts: bool, shorts: tuple[bool, ...], scoped: bool) -> Any:
    """The first `limit` patients matching words of the shape `shorts`, as hits."""
    return patients(fts, shorts, scoped, born=False, hits=True).limit(bindparam("limit"))


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


@lru_cache(maxsize=2)
def rx_number(scoped: bool) -> Any:
    """The prescription with the Rx number `rx_number` (a prescriber's own if scoped)."""
    stmt = _prescriptions().where(Prescription.rx_number == bindparam("rx_number"))
    if scoped:
        stmt = stmt.where(Prescription.prescriber_id == bindparam("prescriber_id"))
    return stmt


@lru_cache(maxsize=1)
def codes() -> Any:
    """The batch with the lot number `code` and the ingredient lots with the
    manufacturer's lot number `raw` or `code`, in one statement: (kind, id, number, name,
    status, day, manufacturer), the batch first, then the lots by expiry."""
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
        .where(Batch.lot_number == bindparam("code"))
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
        .where(IngredientLot.manufacturer_lot.in_([bindparam("raw"), bindparam("code")]))
    )
    found = union_all(batches, lots).subquery()
    return select(found).order_by(found.c.kind, found.c.day, found.c.id)


@lru_cache(maxsize=SHAPES_KEPT)
def by_prescriber(lateral: bool, by_npi: bool, shorts: tuple[bool, ...]) -> Any:
    """The newest `limit` prescriptions of the closest few prescribers by NPI (`npi`) or
    by name words of the shape `shorts` (`pword0`, `pword1`…)."""
    if by_npi:
        match: ColumnElement[bool] = Prescriber.npi == bindparam("npi")
    else:
        match = words_match(Prescriber.search_name, "pword", shorts)
    # The closest few prescribers by name: a fragment that matches many names is a search
    # for a patient, not for every prescription of half the prescribers.
    closest = (
        select(Prescriber.id)
        .where(match)
        .order_by(Prescriber.full_name, Prescriber.id)
        .limit(MAX_PRESCRIBERS)
    )
    newest = (Prescription.created_at.desc(), Prescription.id.desc())
    if lateral:
        # Each prescriber's newest `limit` from the (prescriber_id, created_at) index, then
        # the newest of those: reads 5 x limit rows instead of every prescription of 5.
        doctors = closest.subquery()
        theirs = (
            select(Prescription.id)
            .where(Prescription.prescriber_id == doctors.c.id)
            .order_by(*newest)
            .limit(bindparam("limit"))
            .lateral()
        )
        ids: Any = select(theirs.c.id).select_from(doctors).join(theirs, true())
    else:  # SQLite has no LATERAL; an embedded pharmacy's prescriptions are few
        ids = select(Prescription.id).where(Prescription.prescriber_id.in_(closest))
    return (
        _prescriptions().where(Prescription.id.in_(ids)).order_by(*newest).limit(bindparam("limit"))
    )
