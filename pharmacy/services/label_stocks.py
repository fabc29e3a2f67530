"""The label stocks a print form offers: every stock for batch labels and print stations;
for a container (patient) label only the stocks that hold it whole (DOMAIN.md §9)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from labels.stocks import DEFAULT_STOCK, STOCKS
from pharmacy.errors import Conflict, NotFound
from pharmacy.models import Fill
from pharmacy.services.printing import rendering
from pharmacy.services.printing.patient_labels import patient_label_content
from pharmacy.services.uow import query


def label_stocks() -> list[tuple[str, str]]:
    """Every label stock (thermal labels first, the default first): batch labels, and the
    stock loaded in a print station."""
    ordered = sorted(STOCKS.values(), key=lambda s: (s.code != DEFAULT_STOCK, s.kind != "thermal"))
    return [(stock.code, stock.name) for stock in ordered]


def container_label_stocks() -> list[tuple[str, str]]:
    """The stocks offered for container labels in general (the print queue): never one
    too small to hold any container label (the 3 × 2 in label); smallest first."""
    return [(stock.code, stock.name) for stock in rendering.container_label_stocks()]


@query
def fill_label_stocks(session: Session, fill_id: int, *, today: date) -> list[tuple[str, str]]:
    """The stocks offered for this fill's container label: those that hold it whole (the
    complete directions, the boxed opioid warning, every detail, in the patient's
    language), the smallest first; empty when none does. When the label cannot be put
    together yet (the pharmacy's details not set), the stocks offered in general: printing
    then says what is missing."""
    fill = session.get(Fill, fill_id)
    if fill is None:
        raise NotFound("No such fill.")
    try:
        content = patient_label_content(session, fill, today)
    except Conflict:
        return container_label_stocks()
    return [(stock.code, stock.name) for stock in rendering.stocks_holding((content,))]
