"""Reads that ride along with an API request's sign-in look-up, for the use case that
runs next in the same request.

Every API request starts with one statement that finds its bearer token; the same
statement also reads the rules' fingerprint and, for a prescriber, their prescriber record,
so that intake (the busiest use case) need not send a round trip for each
(bench/RESULTS.md, "Load"). What is kept here is what the database held when the request
began, the same values the next statement would read but for a commit in between, which
the request could not have told from arriving a moment earlier.

Each value is taken at most once: a second use in the same request reads the database
again, so nothing the request itself changes is ever answered from here. The session is
the request's own (`scoped_session`), so the values end with the request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

_KEY = "pharmacy.sign_in_reads"
RULES_FINGERPRINT = "rules_fingerprint"
PRESCRIBER = "prescriber"
# A prescriber's record as a prescription shows it.
PRESCRIBER_RECORD = ("id", "full_name", "npi", "phone", "address")


def keep(session: Session, name: str, value: Any) -> None:
    session.info.setdefault(_KEY, {})[name] = value


def take(session: Session, name: str) -> Any:
    """The value read at sign-in, once; None if there is none (or it was used)."""
    kept: dict[str, Any] | None = session.info.get(_KEY)
    return None if kept is None else kept.pop(name, None)


def forget(session: Session) -> None:
    session.info.pop(_KEY, None)
