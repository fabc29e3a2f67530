"""Staff accounts as the admin keeps them: the user list, activating and deactivating,
roles, and password resets. Each ends the user's sessions where it must."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.auth import hash_password
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import ApiToken, User, WebSession
from pharmacy.models._types import utcnow
from pharmacy.services.accounts import MIN_PASSWORD_LENGTH
from pharmacy.services.uow import query, use_case


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


STAFF_ROLES = ("admin", "pharmacist", "technician")


@use_case
def set_user_role(session: Session, actor: Actor, user_id: int, *, role: str) -> User:
    """Move a staff member between admin, pharmacist and technician. A prescriber account
    is tied to its prescriber record (NPI), so it is neither made nor unmade here."""
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
