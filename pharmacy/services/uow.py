"""A use case is one transaction: `@use_case` opens it, commits on success and rolls back
on any error. The wrapped function receives the session first; `fn.in_session(session, …)`
runs it inside a transaction the caller already owns (the demo seeder, tests)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from flask import current_app
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pharmacy.db import Database
from pharmacy.errors import SignatureRefused

P = ParamSpec("P")
R = TypeVar("R")


def current_db() -> Database:
    db: Database = current_app.extensions["pharmacy_db"]
    return db


def read_session() -> Session:
    return current_db().session()


def use_case(fn: Callable[Concatenate[Session, P], R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with current_db().transaction() as session:
                return fn(session, *args, **kwargs)
        except SignatureRefused as refused:
            # Counted in a transaction of its own, after this one rolled back.
            if refused.user_id is not None:
                from pharmacy.services import sign_in_throttle

                sign_in_throttle.record_signature_failure(
                    refused.user_id, sign_in_throttle.configured()
                )
            raise

    run.in_session = fn  # type: ignore[attr-defined]
    return run


def query(fn: Callable[Concatenate[Session, P], R]) -> Callable[P, R]:
    """A read: the request's session, no write lock, nothing committed."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        session = current_db().session()
        try:
            return fn(session, *args, **kwargs)
        except DBAPIError:
            # The database refused the read or the connection was lost: end the read
            # transaction, so that what the request does next (an error page, a retry)
            # starts afresh instead of on an aborted transaction.
            session.rollback()
            raise

    run.in_session = fn  # type: ignore[attr-defined]
    return run
