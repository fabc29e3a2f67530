"""What every printed document shares: the pharmacy's details at its head, the label
stock it is printed on, and the renderer's refusals turned into a 422."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labels import STOCKS, Pharmacy, get_stock
from labels.errors import LabelError, UnsupportedCharacters
from labels.patient import fits as fits_patient_label
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


def _by_size(stock: Any) -> float:
    return float(stock.width_in) * float(stock.height_in)


def patient_label_stock(content: Any, code: str | None) -> Any:
    """The stock a patient label prints on. None: the smallest label stock that holds the
    whole label (complete directions, the boxed warning, every detail) with the critical
    cluster at its floor. A named stock that cannot hold it is refused (409), naming the
    smallest one that can; nothing is ever cut or shrunk below the floor."""
    labels_by_size = sorted((s for s in STOCKS.values() if s.kind == "thermal"), key=_by_size)
    fitting = [s for s in labels_by_size if fits_patient_label(content, s)]
    if code is None:
        if not fitting:
            raise Conflict(
                "This patient label does not fit any label stock at the minimum print "
                "size; shorten the directions or split the fill."
            )
        return fitting[0]
    chosen = stock(code)
    if fits_patient_label(content, chosen):
        return chosen
    if fitting:
        raise Conflict(
            f"The patient label does not fit {chosen.name} ({chosen.code}) with complete "
            f"directions and the opioid warning; print it on {fitting[0].name} "
            f"({fitting[0].code})."
        )
    raise Conflict(
        f"The patient label does not fit {chosen.name} ({chosen.code}) or any other stock."
    )
