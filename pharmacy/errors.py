"""Domain errors: what a use case or the engine refuses, and why, naming the field.

They know nothing of HTTP; `pharmacy/http_errors.py` maps them to statuses for the API and
the pages.
"""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class Invalid(DomainError):
    """The input breaks a rule, naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", {field: [message]})
        self.field = field


class SignatureRefused(Invalid):
    """The password re-entered as an electronic signature is not the signer's."""

    def __init__(self, user_id: int | None) -> None:
        super().__init__("password", "does not match your password; the signature was not applied")
        self.user_id = user_id


class Conflict(DomainError):
    """The request makes no sense in the current state."""


class NotFound(DomainError):
    """No such thing, or not the caller's to see."""


class Forbidden(DomainError):
    """The caller's role or ownership does not allow this."""


class Unauthorized(DomainError):
    """The caller is not signed in, or the sign-in failed."""


class TooManyAttempts(DomainError):
    """Too many failed attempts for now."""


class PrinterFailed(Conflict):
    """The printer refused the job or could not be reached: nothing was printed, and the
    job may be sent again."""
