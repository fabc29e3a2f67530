"""Reads that ride along with an API request's sign-in look-up, for the use case that
runs next in the same transaction.

Every API request starts with one statement that finds its bearer token; the same
statement also reads the rules' fingerprint and, for a prescriber, their prescriber record,
so that intake (the busiest use case) need not send a round trip for each
(bench/RESULTS.md, "Load"). On PostgreSQL the sign-in and the use case share one
transaction (`Database.transaction`), so what is kept here is what that transaction's next
statement would read but for a commit in between, which the request could not have told
from arriving a moment earlier. On SQLite the sign-in's read transaction ends before the
use case's write lock is taken; its values end with it, and the use case reads its own.

Each value is taken at most once, and none outlives the transaction that read it: a
second use reads the database again, so nothing the transaction itself changes is ever
answered from here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "pharmacy.sign_in_reads"
RULES_FINGERPRINT = "rules_fingerprint"
PRESCRIBER = "prescriber"
# A prescriber's record as a prescription shows it.
PRESCRIBER_RECORD = ("id", "full_name", "npi", "phone", "address")


def keep(session: Session, name: str, value: Any) -> None:
    session.info.setdefault(_KEY, {})[name] = value


def take(session: Session, name: str) -> Any:
    """The value read at sign-in in this transaction, once; None if there is none (or it
    was used)."""
    kept: dict[str, Any] | None = session.info.get(_KEY)
    return None if kept is None else kept.pop(name, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)
