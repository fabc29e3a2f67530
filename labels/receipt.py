"""The patient's receipt at hand-over (DOMAIN.md §12): the pharmacy, the patient, the Rx
number, the fill date, the preparation, the quantity, the price, what was paid and any
balance. Plain data in, PDF bytes out; amounts arrive already formatted in the pharmacy's
currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.lib.pagesizes import letter  # type: ignore[import-untyped, unused-ignore]

from labels import docs
from labels.common import fmt_date
from labels.docs import BODY, H1, SMALL, p, table


@dataclass(frozen=True)
class ReceiptContent:
    pharmacy_name: str
    pharmacy_address: str
    pharmacy_phone: str
    patient_name: str
    rx_number: str
    fill_date: date
    preparation: str
    quantity: str
    lot_number: str
    price: str
    paid: str
    currency: str
    receipt_number: str
    # What is left to pay of the price; "" when nothing is (or nothing was recorded).
    balance: str = ""


def receipt_story(c: ReceiptContent) -> list[Any]:
    w = docs.frame_width(letter)
    rows: list[list[Any]] = [
        ["Rx number", c.rx_number],
        ["Fill date", fmt_date(c.fill_date)],
        ["Preparation", c.preparation],
        ["Quantity", c.quantity],
        ["Batch lot", c.lot_number],
        ["Price", c.price],
        ["Paid", c.paid],
    ]
    if c.balance:
        rows.append(["Balance due", c.balance])
    return [
        p(c.pharmacy_name, H1),
        p(f"{c.pharmacy_address} \u00b7 {c.pharmacy_phone}", SMALL),
        docs.spacer(8),
        p(f"Receipt {c.receipt_number}", BODY, bold_prefix="Receipt:"),
        p(c.patient_name, BODY, bold_prefix="Patient:"),
        docs.spacer(6),
        table(rows, [w * 0.3, w * 0.7], header=False),
        docs.spacer(6),
        p(f"All amounts in {c.currency}.", SMALL),
    ]


def render_receipt(content: ReceiptContent) -> bytes:
    """The receipt on one letter page; byte-identical for identical input."""
    return docs.build(
        receipt_story(content),
        letter,
        f"Receipt {content.receipt_number}",
        f"Rx {content.rx_number}",
        f"{content.pharmacy_name} \u00b7 receipt {content.receipt_number}",
    )
