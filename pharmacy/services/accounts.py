"""Accounts: users, sign-in, bearer tokens and browser sessions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, contains_eager

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.auth import digest, hash_password, new_secret, verify_password
from pharmacy.errors import Invalid, Unauthorized
from pharmacy.models import ROLES, ApiToken, Prescriber, User, WebSession
from pharmacy.models._types import utcnow
from pharmacy.services import sign_in_throttle
from pharmacy.services.printable import require_printable
from pharmacy.services.sign_in_throttle import Throttle
from pharmacy.services.uow import current_db, query, use_case

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{3,80}$")
MIN_PASSWORD_LENGTH = 10
# Touching a session on every request would make every page view a write.
WEB_SESSION_TOUCH_INTERVAL = timedelta(seconds=30)
SIGN_IN_FAILED = "Unknown username or wrong password."


def actor_of(user: User | Mapping[str, Any]) -> Actor:
    """The actor of a user, or of a row holding the same columns (the token look-up)."""
    column = user.__getitem__ if isinstance(user, Mapping) else user.__getattribute__
    return Actor(
        user_id=column("id"),
        username=column("username"),
        role=column("role"),
        full_name=column("full_name"),
        prescriber_id=column("prescriber_id"),
    )


def npi_is_valid(npi: str) -> bool:
    """10 digits whose Luhn check (over the prefix 80840 + the first nine digits) matches
    the tenth, as CMS defines the NPI check digit."""
    if not re.fullmatch(r"\d{10}", npi):
        return False
    total = 24  # the constant contribution of the 80840 prefix
    for index, char in enumerate(reversed(npi[:9])):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])


@use_case
def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: str,
    full_name: str | None = None,
    npi: str | None = None,
    phone: str = "",
    address: str = "",
) -> User:
    if not USERNAME_PATTERN.fullmatch(username):
        raise Invalid("username", "use 3 to 80 letters, digits or . _ @ -")
    if role not in ROLES:
        raise Invalid("role", f"must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.execute(select(User.id).where(User.username == username)).first():
        raise Invalid("username", "is already taken")
    prescriber = None
    if role == "prescriber":
        if not full_name:
            raise Invalid("full_name", "is required for a prescriber")
        require_printable("full_name", full_name)
        if not npi or not npi_is_valid(npi):
            raise Invalid("npi", "must be 10 digits with a valid NPI check digit")
        if session.execute(select(Prescriber.id).where(Prescriber.npi == npi)).first():
            raise Invalid("npi", "is already registered to another prescriber")
        prescriber = Prescriber(full_name=full_name, npi=npi, phone=phone, address=address)
        session.add(prescriber)
        session.flush()
        audit.record(
            session,
            actor,
            "prescriber.created",
            "prescriber",
            prescriber.id,
            after={"full_name": full_name, "npi": npi},
        )
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        full_name=full_name or username,
        prescriber_id=prescriber.id if prescriber else None,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.created",
        "user",
        user.id,
        after={"username": username, "role": role, "prescriber_id": user.prescriber_id},
    )
    return user


def check_credentials(
    session: Session, username: str, password: str, *, client: str | None, throttle: Throttle
) -> User:
    """The user for a username and password, or Unauthorized with one message for an
    unknown user and a wrong password alike. Repeated failures from one address make that
    address wait, longer each time; other addresses are not held up."""
    sign_in_throttle.check(session, username, client, throttle)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        raise Unauthorized(SIGN_IN_FAILED)
    sign_in_throttle.clear(session, username, client)
    return user


def sign_in(
    username: str,
    password: str,
    *,
    purpose: str,
    client: str | None = None,
    token_lifetime_hours: int = 12,
) -> tuple[Actor, str]:
    """Check a username and password and open a bearer token (`purpose="token"`) or a
    browser session (`purpose="web"`). A failure is remembered in its own transaction so
    the throttle counts it although the sign-in itself rolled back."""
    throttle = sign_in_throttle.configured()
    try:
        with current_db().transaction() as session:
            user = check_credentials(session, username, password, client=client, throttle=throttle)
            if purpose == "token":
                secret = issue_token(session, user, token_lifetime_hours)
            else:
                secret = start_web_session(session, user)
            return actor_of(user), secret
    except Unauthorized:
        sign_in_throttle.record_sign_in_failure(username, client, throttle)
        raise


def issue_token(session: Session, user: User, lifetime_hours: int) -> str:
    token = new_secret()
    session.add(
        ApiToken(
            token_hash=digest(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(hours=lifetime_hours),
        )
    )
    session.flush()
    audit.record(session, actor_of(user), "auth.token_issued", "user", user.id)
    return token


# The token look-up of a request that writes, built once: the token, its user and the
# user's prescriber record as records for the session.
TOKEN_USER = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(User.prescriber)
    .options(contains_eager(User.prescriber))
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


@query
def user_for_token(session: Session, token: str) -> User | None:
    """The active user a live token belongs to, their prescriber record loaded by the same
    query: a request that keeps the user (the sign-in does, for the request) then finds
    that record in the session (`session.get`, the intake's) without another query."""
    found = session.execute(TOKEN_USER, {"token_hash": digest(token)}).one_or_none()
    if found is None:
        return None
    api_token, user = found
    if api_token.revoked_at is not None or api_token.expires_at <= utcnow() or not user.active:
        return None
    return user


# The token look-up of a read request, built once (building a statement costs more than
# running it): only the columns the actor and the checks need, no records to build.
TOKEN_ACTOR = (
    select(
        User.id,
        User.username,
        User.role,
        User.full_name,
        User.prescriber_id,
        User.active,
        ApiToken.revoked_at,
        ApiToken.expires_at,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


@query
def actor_for_token(session: Session, token: str) -> Actor | None:
    """The actor of a live token, for a request that only reads: the same checks as
    `user_for_token` (the token is looked up in the database on every request, so a
    revoked or expired token or a deactivated user is refused at once), without loading
    the records."""
    # Run on the session's connection: plain columns need none of the ORM's result
    # handling, which costs more CPU than the look-up itself.
    found = (
        session.connection()
        .execute(TOKEN_ACTOR, {"token_hash": digest(token)})
        .mappings()
        .one_or_none()
    )
    if found is None:
        return None
    if found["revoked_at"] is not None or found["expires_at"] <= utcnow() or not found["active"]:
        return None
    return actor_of(dict(found))


@use_case
def revoke_token(session: Session, actor: Actor, token: str) -> None:
    api_token = session.execute(
        select(ApiToken).where(ApiToken.token_hash == digest(token))
    ).scalar_one_or_none()
    if api_token is None or api_token.revoked_at is not None:
        return
    api_token.revoked_at = utcnow()
    audit.record(session, actor, "auth.token_revoked", "user", api_token.user_id)


def start_web_session(session: Session, user: User) -> str:
    secret = new_secret()
    session.add(WebSession(session_hash=digest(secret), user_id=user.id))
    session.flush()
    audit.record(session, actor_of(user), "auth.signed_in", "user", user.id)
    return secret


@use_case
def actor_for_web_session(session: Session, secret: str, idle_minutes: int) -> Actor | None:
    """The actor of a live browser session, touching its last-seen time; None when the
    session was ended or has been idle too long."""
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.session_hash == digest(secret))
    ).first()
    if row is None:
        return None
    web_session, user = row
    now = utcnow()
    if web_session.ended_at is not None or not user.active:
        return None
    if web_session.last_seen_at < now - timedelta(minutes=idle_minutes):
        web_session.ended_at = now
        return None
    if web_session.last_seen_at < now - WEB_SESSION_TOUCH_INTERVAL:
        web_session.last_seen_at = now
    return actor_of(user)


@use_case
def end_web_session(session: Session, secret: str) -> None:
    web_session = session.execute(
        select(WebSession).where(WebSession.session_hash == digest(secret))
    ).scalar_one_or_none()
    if web_session is None or web_session.ended_at is not None:
        return
    web_session.ended_at = utcnow()
    user = session.get(User, web_session.user_id)
    if user is not None:
        audit.record(session, actor_of(user), "auth.signed_out", "user", user.id)
