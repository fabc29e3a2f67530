"""Helpers shared by the page views: form → dict for the marshmallow schemas, errors
beside fields, and rendering a form again with everything typed kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import render_template, request
from marshmallow import Schema, ValidationError

from pharmacy.errors import DomainError
from pharmacy.http_errors import flatten_messages, status_for

T = TypeVar("T")


class FormErrors(Exception):
    """Raised by `load` and `attempt`: field → messages, ready for the template."""

    def __init__(
        self, errors: dict[str, list[str]], message: str = "", status: int = 422
    ) -> None:
        super().__init__(message or "Please correct the fields marked below.")
        self.errors = errors
        self.message = message or "Please correct the fields marked below."
        self.status = status  # 422 for invalid fields, 409 for a conflict with the state


def submitted() -> Any:
    """The submitted fields: the form of a POST, the query string of a GET (the preview)."""
    return request.form if request.method == "POST" else request.args


def text(name: str) -> str | None:
    """A text input: None when left empty, so the schema sees a missing field."""
    value = submitted().get(name, "")
    return value if value.strip() else None


def lines(name: str) -> list[str]:
    """A textarea with one entry per line (medications, allergies)."""
    return [line.strip() for line in submitted().get(name, "").splitlines() if line.strip()]


def checkbox(name: str) -> bool:
    return submitted().get(name) in ("on", "1", "true", "yes")


def compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop the fields left empty (None) so `load_default`s and `required` apply."""
    return {key: value for key, value in data.items() if value is not None}


# marshmallow's own wording, as a person filling in the form would put it ({label}: the
# field's name on the page).
PLAIN_WORDS = {
    "Missing data for required field.": "Please fill in {label}.",
    "Field may not be null.": "Please fill in {label}.",
    "Not a valid number.": "{label}: type a number, like 4.5.",
    "Not a valid integer.": "{label}: type a whole number, like 30.",
    "Not a valid decimal.": "{label}: type a number, like 4.5.",
    "Not a valid date.": "{label}: type the date as MM/DD/YYYY or choose it in the calendar.",
    "Not a valid boolean.": "{label}: tick the box or leave it empty.",
    "Not a valid string.": "{label}: type it as text.",
    "Not a valid list.": "{label}: one entry per line.",
    "Unknown field.": "This form sent a field the pharmacy does not use ({label}).",
}


def plain_words(field: str, messages: list[str]) -> list[str]:
    """A marshmallow message in words a prescriber understands, naming the field."""
    from pharmacy.web import field_label

    head, _, rest = field.partition(".")
    label = f"the patient's {field_label(rest).lower()}" if head == "patient" and rest else (
        field_label(field))
    return [PLAIN_WORDS[m].format(label=label.lower() if PLAIN_WORDS[m].startswith("Please")
                                  else label) if m in PLAIN_WORDS else m for m in messages]


def load(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    try:
        result: dict[str, Any] = schema.load(data)
    except ValidationError as error:
        flat = flatten_messages(error.messages)
        raise FormErrors({k: plain_words(k, v) for k, v in flat.items()}) from error
    return result


def attempt(action: Callable[[], T]) -> T:
    """Run a service call; a domain error becomes errors beside the fields it names."""
    try:
        return action()
    except DomainError as error:
        errors = dict(error.errors) or {"_form": [error.message]}
        raise FormErrors(errors, error.message, status_for(error)) from error


def form_values() -> dict[str, str]:
    return {key: request.form.get(key, "") for key in request.form}


def render_form(template: str, errors: FormErrors | None = None, status: int | None = None,
                **context: Any) -> tuple[str, int]:
    context.setdefault("values", form_values() if request.method == "POST" else {})
    context["errors"] = errors.errors if errors else {}
    context["form_message"] = errors.message if errors else ""
    code = status or (errors.status if errors else 200)
    return render_template(template, **context), code


def unmatched(errors: dict[str, list[str]], shown: Iterable[str]) -> dict[str, list[str]]:
    """Errors whose field the page has no input for: shown at the top of the form."""
    known = set(shown)
    return {k: v for k, v in errors.items() if k not in known}
