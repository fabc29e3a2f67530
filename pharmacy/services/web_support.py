"""Small use cases the web pages need that no other service module offers yet: the rules
in force for a read, the user list, activating users, and the pharmacy details printed on
labels. Each owns its transaction and writes its audit event like every use case."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.rules import Rules
from pharmacy.errors import Conflict, NotFound
from pharmacy.models import PharmacyDetails, RuleValue, User
from pharmacy.models._types import utcnow
from pharmacy.services.printable import require_printable
from pharmacy.services.rules import change_rule, current_rules
from pharmacy.services.uow import query, use_case

PHARMACY_FIELDS = ("name", "address", "phone")


@query
def rules_in_force(session: Session) -> Rules:
    return current_rules(session)


@query
def rule_rows(session: Session) -> list[RuleValue]:
    return list(session.execute(select(RuleValue).order_by(RuleValue.name)).scalars())


@query
def rule_row(session: Session, name: str) -> RuleValue:
    row = session.get(RuleValue, name)
    if row is None:
        raise NotFound(f"No rule named {name}.")
    return row


@use_case
def update_rule(session: Session, actor: Actor, name: str, value: Any, source: str) -> RuleValue:
    """`rules.change_rule` in its own transaction (it expects the caller's session)."""
    return change_rule(session, actor, name, value, source)


@query
def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.role, User.username)).scalars())


@use_case
def set_user_active(session: Session, actor: Actor, user_id: int, *, active: bool) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if user.id == actor.user_id and not active:
        raise Conflict("You cannot deactivate your own account.")
    if user.active != active:
        user.active = active
        audit.record(
            session, actor, "user.activated" if active else "user.deactivated", "user", user.id,
            before={"active": not active}, after={"active": active},
        )
    return user


@query
def pharmacy_details(session: Session) -> PharmacyDetails | None:
    return session.execute(select(PharmacyDetails).order_by(PharmacyDetails.id)).scalars().first()


@use_case
def update_pharmacy_details(
    session: Session, actor: Actor, data: dict[str, str]
) -> PharmacyDetails:
    row = session.execute(select(PharmacyDetails).order_by(PharmacyDetails.id)).scalars().first()
    if row is None:
        row = PharmacyDetails(id=1, name="", address="", phone="")
        session.add(row)
    before = {name: getattr(row, name) for name in PHARMACY_FIELDS}
    for name in PHARMACY_FIELDS:
        require_printable(name, data[name])
    for name in PHARMACY_FIELDS:
        setattr(row, name, data[name])
    row.updated_at = utcnow()
    session.flush()
    audit.record(
        session, actor, "pharmacy_details.changed", "pharmacy_details", row.id,
        before=before, after={name: data[name] for name in PHARMACY_FIELDS},
    )
    return row


def label_stocks() -> list[tuple[str, str]]:
    """The label stocks a print form offers (thermal labels first, the default first)."""
    from labels.stocks import DEFAULT_STOCK, STOCKS

    ordered = sorted(STOCKS.values(), key=lambda s: (s.code != DEFAULT_STOCK, s.kind != "thermal"))
    return [(stock.code, stock.name) for stock in ordered]


@query
def fillable_batches(
    session: Session, actor: Actor, prescription_id: int, *, today: date
) -> list[dict[str, Any]]:
    """Released, in-date batches with stock that `fills.create_fill` would accept for this
    prescription (its own matching rule, so the page offers only what will work)."""
    from pharmacy.models import Batch, Prescription
    from pharmacy.services.batches import batch_data
    from pharmacy.services.fills import batch_mismatch

    rx = session.get(Prescription, prescription_id)
    if rx is None:
        raise NotFound("No such prescription.")
    rows = session.execute(
        select(Batch)
        .where(Batch.status == "released", Batch.bud >= today, Batch.quantity_on_hand > 0)
        .order_by(Batch.bud, Batch.id)
        .limit(100)
    ).scalars()
    # A capsule titration may also be filled one strength at a time, from batches of the
    # step doses; the fill service checks the chosen steps against the batch.
    by_step = bool(rx.steps) and rx.dosage_form == "capsule"
    return [
        batch_data(session, b, today)
        for b in rows
        if batch_mismatch(rx, b, by_step=by_step) is None
    ]


STAFF_ROLES = ("admin", "pharmacist", "technician")


@use_case
def set_user_role(session: Session, actor: Actor, user_id: int, *, role: str) -> User:
    """Move a staff member between admin, pharmacist and technician. A prescriber account
    is tied to its prescriber record (NPI), so it is neither made nor unmade here."""
    from pharmacy.errors import Invalid

    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if role not in STAFF_ROLES:
        raise Invalid("role", f"choose one of {', '.join(STAFF_ROLES)}")
    if user.role == "prescriber":
        raise Conflict("A prescriber account keeps its role; add a new user for other work.")
    if user.id == actor.user_id and role != user.role:
        raise Conflict("You cannot change your own role.")
    if user.role != role:
        before = {"role": user.role}
        user.role = role
        _end_sessions(session, user.id)
        audit.record(session, actor, "user.role_changed", "user", user.id,
                     before=before, after={"role": role})
    return user


@use_case
def reset_password(session: Session, actor: Actor, user_id: int, *, password: str) -> User:
    """A new password set by an admin; every session and token of the user ends."""
    from pharmacy.auth import hash_password
    from pharmacy.errors import Invalid
    from pharmacy.services.accounts import MIN_PASSWORD_LENGTH

    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(password)
    _end_sessions(session, user.id)
    audit.record(session, actor, "user.password_reset", "user", user.id)
    return user


def _end_sessions(session: Session, user_id: int) -> None:
    from sqlalchemy import update

    from pharmacy.models import ApiToken, WebSession

    now = utcnow()
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
