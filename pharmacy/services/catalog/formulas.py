"""Master formulas: the newest active version of each, and one by code (and version)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy.errors import Invalid, NotFound
from pharmacy.models import Formula
from pharmacy.services.uow import query


def _latest_versions(session: Session) -> Any:
    return (
        select(Formula.code, func.max(Formula.version).label("version"))
        .where(Formula.active.is_(True))
        .group_by(Formula.code)
        .subquery()
    )


@query
def list_formulas(session: Session) -> list[Formula]:
    latest = _latest_versions(session)
    stmt = (
        select(Formula)
        .join(latest, (Formula.code == latest.c.code) & (Formula.version == latest.c.version))
        .order_by(Formula.code)
    )
    return list(session.execute(stmt).scalars())


def formula_by_code(
    session: Session, code: str, version: int | None = None, field: str = "formula_code"
) -> Formula:
    stmt = select(Formula).where(Formula.code == code, Formula.active.is_(True))
    versions = list(session.execute(stmt.order_by(Formula.version.desc())).scalars())
    if not versions:
        known = ", ".join(sorted(session.execute(select(Formula.code).distinct()).scalars()))
        raise Invalid(field, f"no master formula '{code}'; known: {known}")
    if version is None:
        return versions[0]
    for formula in versions:
        if formula.version == version:
            return formula
    shown = ", ".join(str(f.version) for f in reversed(versions))
    raise Invalid("formula_version", f"{code} has no version {version}; its versions: {shown}")


@query
def get_formula(session: Session, code: str, version: int | None = None) -> Formula:
    try:
        return formula_by_code(session, code, version)
    except Invalid as error:
        which = f"{code} version {version}" if version else code
        raise NotFound(f"No master formula {which}.") from error
