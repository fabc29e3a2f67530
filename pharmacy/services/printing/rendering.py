"""What every printed document shares: the pharmacy's details at its head, the label
stock it is printed on, and the renderer's refusals turned into a 422."""

from __future__ import annotations

from collections.abc import Sequence
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


def container_label_stocks() -> list[Any]:
    """The stocks offered for container (patient) labels: label stocks by size, then
    letter paper; never one that cannot hold a container label at all."""
    offered = (s for s in STOCKS.values() if s.container_label)
    return sorted(offered, key=lambda s: (s.kind != "thermal", _by_size(s)))


def stocks_holding(contents: Sequence[Any]) -> list[Any]:
    """The offered stocks that hold every one of these labels whole (smallest first)."""
    return [s for s in container_label_stocks() if all(fits_patient_label(c, s) for c in contents)]


def patient_label_stock(content: Any, code: str | None) -> Any:
    """The stock a patient label prints on. None: the smallest label stock that holds the
    whole label (complete directions, the boxed warning, every detail) with the critical
    cluster at its floor. A named stock that cannot hold it is refused (409), naming the
    smallest one that can; nothing is ever cut or shrunk below the floor."""
    return patient_labels_stock((content,), code)


def patient_labels_stock(contents: Sequence[Any], code: str | None) -> Any:
    """The one stock a run of patient labels prints on (see ``patient_label_stock``): it
    holds every label of the run, or the run is refused (409) naming the stock that does."""
    one = len(contents) == 1
    what = "This patient label does" if one else "These patient labels do"
    fitting = [s for s in stocks_holding(contents) if s.kind == "thermal"]
    if code is None:
        if not fitting:
            raise Conflict(
                f"{what} not fit any label stock at the minimum print size; shorten the "
                "directions or split the fill."
            )
        return fitting[0]
    chosen = stock(code)
    if all(fits_patient_label(c, chosen) for c in contents):
        return chosen
    label = "The patient label does" if one else "A patient label of these does"
    if fitting:
        raise Conflict(
            f"{label} not fit {chosen.name} ({chosen.code}) with complete directions and "
            f"the opioid warning; print it on {fitting[0].name} ({fitting[0].code})."
        )
    raise Conflict(f"{label} not fit {chosen.name} ({chosen.code}) or any other stock.")
