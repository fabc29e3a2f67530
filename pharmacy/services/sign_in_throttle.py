"""Failed sign-ins and electronic signatures, counted against the account.

- Sign-in failures are throttled per (account, client address): after `free` failures from
  one address in the window, each further attempt from there waits a delay that doubles
  with every failure (2 s, 4 s, 8 s … up to the window). Someone guessing from elsewhere
  cannot lock the real user out.
- Across all addresses, an account that reaches the alert ceiling in the window is not
  locked: an `auth.sign_in_alert` audit event is written and admins see a banner.
- E-signature failures (the password re-entered to verify, release, approve) count
  against the same account; at the signature limit within the window every bearer token
  and browser session of the account is revoked and `auth.credentials_revoked` audited.

Only digests of the username and the address are stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import String, cast, delete, func, select, update
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import SYSTEM
from pharmacy.auth import digest
from pharmacy.errors import TooManyAttempts
from pharmacy.models import ApiToken, AuditEvent, LoginFailure, User, WebSession
from pharmacy.models._types import utcnow
from pharmacy.services.uow import current_db, query

SIGN_IN = "sign_in"
SIGNATURE = "signature"
ALERT_ACTION = "auth.sign_in_alert"


@dataclass(frozen=True)
class Throttle:
    free: int = 5
    window_minutes: int = 15
    first_delay_seconds: int = 2
    alert_ceiling: int = 50
    signature_limit: int = 5

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)

    def delay(self, failures: int) -> timedelta:
        """The wait before the next attempt after `failures` from one address."""
        if failures < self.free:
            return timedelta(0)
        seconds = self.first_delay_seconds * 2 ** min(failures - self.free, 20)
        return min(timedelta(seconds=seconds), self.window)


def configured() -> Throttle:
    config = current_app.config
    return Throttle(
        free=int(config["LOGIN_FAILURE_LIMIT"]),
        window_minutes=int(config["LOGIN_FAILURE_WINDOW_MINUTES"]),
        first_delay_seconds=int(config["LOGIN_DELAY_SECONDS"]),
        alert_ceiling=int(config["LOGIN_ALERT_CEILING"]),
        signature_limit=int(config["SIGNATURE_FAILURE_LIMIT"]),
    )


def _account(username: str) -> str:
    return digest(username.lower())


def _client(address: str | None) -> str:
    return digest(address or "unknown")


def check(session: Session, username: str, client: str | None, throttle: Throttle) -> None:
    """Refuse an attempt from an address that must still wait."""
    now = utcnow()
    count, last = session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.failed_at)).where(
            LoginFailure.username_hash == _account(username),
            LoginFailure.client_hash == _client(client),
            LoginFailure.kind == SIGN_IN,
            LoginFailure.failed_at >= now - throttle.window,
        )
    ).one()
    wait = throttle.delay(int(count))
    if last is not None and wait and now < last + wait:
        seconds = math.ceil((last + wait - now).total_seconds())
        raise TooManyAttempts(f"Too many failed sign-ins from here. Try again in {seconds} s.")


def clear(session: Session, username: str, client: str | None) -> None:
    """A successful sign-in clears its own address's failures (not other addresses')."""
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.username_hash == _account(username),
            LoginFailure.client_hash == _client(client),
            LoginFailure.kind == SIGN_IN,
        )
    )


def _account_failures(session: Session, account: str, throttle: Throttle, *kinds: str) -> int:
    return int(
        session.execute(
            select(func.count(LoginFailure.id)).where(
                LoginFailure.username_hash == account,
                LoginFailure.kind.in_(kinds),
                LoginFailure.failed_at >= utcnow() - throttle.window,
            )
        ).scalar_one()
    )


def record_sign_in_failure(username: str, client: str | None, throttle: Throttle) -> None:
    """Remember a failure in its own transaction; at the account-wide ceiling, alert."""
    with current_db().transaction() as session:
        account = _account(username)
        session.add(LoginFailure(username_hash=account, client_hash=_client(client), kind=SIGN_IN))
        session.flush()
        if (
            _account_failures(session, account, throttle, SIGN_IN, SIGNATURE)
            != throttle.alert_ceiling
        ):
            return
        user_id = session.execute(
            select(User.id).where(func.lower(User.username) == username.lower())
        ).scalar_one_or_none()
        audit.record(
            session,
            SYSTEM,
            ALERT_ACTION,
            "user",
            user_id,
            after={"failures": throttle.alert_ceiling, "window_minutes": throttle.window_minutes},
            reason="failed sign-ins for one account reached the alert ceiling; not locked",
        )


def record_signature_failure(user_id: int, throttle: Throttle) -> bool:
    """Remember a refused e-signature; at the limit, revoke the account's tokens and
    sessions (audited). True when they were revoked."""
    with current_db().transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            return False
        account = _account(user.username)
        session.add(LoginFailure(username_hash=account, client_hash="", kind=SIGNATURE))
        session.flush()
        if _account_failures(session, account, throttle, SIGNATURE) < throttle.signature_limit:
            return False
        now = utcnow()
        tokens = session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        sessions = session.execute(
            update(WebSession)
            .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
            .values(ended_at=now)
        ).rowcount
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.username_hash == account, LoginFailure.kind == SIGNATURE
            )
        )
        audit.record(
            session,
            SYSTEM,
            "auth.credentials_revoked",
            "user",
            user_id,
            after={"tokens": tokens, "sessions": sessions},
            reason=f"{throttle.signature_limit} refused e-signatures within "
            f"{throttle.window_minutes} minutes",
        )
        return True


def recent_alerts(session: Session, now: datetime, hours: int = 24) -> list[dict[str, Any]]:
    """Sign-in alerts of the last `hours`, newest first, for the admin banner."""
    rows = session.execute(
        select(AuditEvent.entity_id, AuditEvent.occurred_at, User.username)
        .outerjoin(User, cast(User.id, String) == AuditEvent.entity_id)
        .where(
            AuditEvent.action == ALERT_ACTION,
            AuditEvent.occurred_at >= now - timedelta(hours=hours),
        )
        .order_by(AuditEvent.id.desc())
        .limit(5)
    ).all()
    return [{"username": r.username or "an unknown name", "at": r.occurred_at} for r in rows]


@query
def alerts_for_banner(session: Session) -> list[dict[str, Any]]:
    return recent_alerts(session, utcnow())
