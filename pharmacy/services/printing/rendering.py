"""What every printed document shares: the pharmacy's details at its head, the label
stock it is printed on, and the renderer's refusals turned into a 422."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labels import Pharmacy, get_stock
from labels.errors import LabelError, UnsupportedCharacters
from pharmacy.errors import Conflict, Invalid
from pharmacy.models import PharmacyDetails


def pharmacy_of(details: dict[str, str] | None) -> Pharmacy:
    if details is None:
        raise Conflict("Set the pharmacy's name, address and phone before printing labels.")
    return Pharmacy(name=details["name"], address=details["address"], phone=details["phone"])


def pharmacy(session: Session) -> Pharmacy:
    row = session.execute(select(PharmacyDetails)).scalars().first()
    return pharmacy_of(
        None if row is None else {"name": row.name, "address": row.address, "phone": row.phone}
    )


def render(renderer: Any, *args: Any) -> bytes:
    """Render, turning the renderer's refusal (text that cannot fit, an unknown stock)
    into a 422 naming the stock."""
    try:
        return bytes(renderer(*args))
    except UnsupportedCharacters as error:
        # Not the stock's fault: a name or text on the document (its message names the
        # characters, never the text, which may be a patient's name).
        raise Invalid("text", str(error)) from error
    except LabelError as error:
        raise Invalid("stock", str(error)) from error


def stock(code: str | None) -> Any:
    try:
        return get_stock(code)
    except LabelError as error:
        raise Invalid("stock", str(error)) from error
