"""Revising a master formula: a new version approved with the pharmacist's signature,
and the history of its versions and who approved them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import AuditEvent, Formula
from pharmacy.services.catalog.formulas import formula_by_code
from pharmacy.services.signatures import check_signature
from pharmacy.services.uow import query, use_case

# What a revision may change. The ingredients, dosage form, capsule size and BUD category
# are what the formulation engine computes from: changing them makes a different
# preparation, a new master formula, not a new version of this one.
REVISABLE = (
    "name",
    "steps",
    "container",
    "labeling",
    "quality_checks",
    "reference",
    "weighing_tolerance_percent",
    "stability_days",
    "stability_storage",
    "stability_reference",
)
COPIED = (
    "code",
    "dosage_form",
    "lot_letter",
    "capsule_size",
    "preserved",
    "aqueous",
    "bud_category",
    "ingredients",
    "parameters",
)
REVISION_MEANING = (
    "I approve this version of the master formulation record; batches started from now on "
    "follow it."
)


def _named_formula(session: Session, code: str) -> Formula:
    """The newest version of the formula a URL names (404 when there is none)."""
    try:
        return formula_by_code(session, code)
    except Invalid as error:
        raise NotFound(f"No master formula {code}.") from error


def _stability_problem(values: dict[str, Any]) -> tuple[str, str] | None:
    days, reference = values["stability_days"], values["stability_reference"]
    if days is None:
        if reference or values["stability_storage"]:
            return "stability_days", "give the days of the stability override, or clear it"
        return None
    if not reference or len(reference.strip()) < 3:
        return "stability_reference", "a stability override needs its reference"
    return None


@use_case
def revise_formula(
    session: Session,
    actor: Actor,
    code: str,
    changes: dict[str, Any],
    *,
    password: str,
    reason: str,
    based_on_version: int | None = None,
) -> Formula:
    """A new version of a master formula, approved with the pharmacist's signature. The
    previous versions stay as they were: each batch keeps the version it was made with.
    `based_on_version` is the version the changes were made to (a form shows one); when
    another has been approved since, nothing is changed (409)."""
    current = _named_formula(session, code)
    # Lock the newest version, then look again: a revision approved meanwhile (by someone
    # whose lock we waited for) must not be overwritten by one built on what it replaced.
    session.execute(select(Formula.id).where(Formula.id == current.id).with_for_update())
    newest = session.execute(
        select(func.max(Formula.version)).where(Formula.code == code)
    ).scalar_one()
    expected = current.version if based_on_version is None else based_on_version
    if newest != expected:
        raise Conflict(
            f"Version {newest} of this formula has been approved since version {expected} "
            "was read; review it (reload the page) and make your changes to it.",
            {"based_on_version": [f"the current version is {newest}"]},
        )
    values = {name: getattr(current, name) for name in REVISABLE}
    proposed = {**values, **{k: v for k, v in changes.items() if k in REVISABLE}}
    for name in ("stability_storage", "stability_reference"):
        proposed[name] = proposed[name] or None
    # Clearing the days clears the whole override (the default BUD applies again), unless
    # a storage or reference was given with it: then it is the days that are missing.
    clearing = "stability_days" in changes and changes["stability_days"] is None
    if clearing and not (changes.get("stability_storage") or changes.get("stability_reference")):
        proposed["stability_storage"] = proposed["stability_reference"] = None
    changed = sorted(name for name in REVISABLE if proposed[name] != values[name])
    if not changed:
        raise Invalid("_schema", "nothing differs from the current version")
    problem = _stability_problem(proposed)
    if problem:
        raise Invalid(*problem)
    user = check_signature(session, actor, password)
    revision = Formula(
        version=newest + 1,
        active=True,
        **{name: getattr(current, name) for name in COPIED},
        **proposed,
    )
    session.add(revision)
    session.flush()
    audit.record(
        session,
        actor,
        "formula.revised",
        "formula",
        revision.id,
        before={"code": code, "version": current.version, **{k: values[k] for k in changed}},
        after={
            "code": code,
            "version": revision.version,
            **{k: proposed[k] for k in changed},
            "signature_name": user.full_name,
            "signature_meaning": REVISION_MEANING,
        },
        reason=reason,
    )
    return revision


@query
def formula_versions(session: Session, code: str) -> list[Formula]:
    """Every version of a master formula, newest first."""
    _named_formula(session, code)
    return list(
        session.execute(
            select(Formula).where(Formula.code == code).order_by(Formula.version.desc())
        ).scalars()
    )


@dataclass(frozen=True)
class Approval:
    signed_by: str
    reason: str | None


@query
def formula_approvals(session: Session, code: str) -> dict[int, Approval]:
    """Who approved each revised version of a formula, and why (from the audit trail;
    seeded first versions have none)."""
    versions = select(Formula.id, Formula.version).where(Formula.code == code)
    ids = dict(session.execute(versions).all())
    events = session.execute(
        select(AuditEvent.entity_id, AuditEvent.after, AuditEvent.reason).where(
            AuditEvent.action == "formula.revised",
            AuditEvent.entity_type == "formula",
            AuditEvent.entity_id.in_([str(i) for i in ids]),
        )
    ).all()
    return {
        ids[int(entity_id)]: Approval((after or {}).get("signature_name", ""), reason)
        for entity_id, after, reason in events
    }
