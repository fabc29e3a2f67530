"""A fill's dispensing state as plain data: its status and who did each step when
(the steps themselves are in `services/dispensing`)."""

from __future__ import annotations

from typing import Any

from pharmacy.models import Fill


def label_barcode(fill: Fill) -> str:
    """What the patient label's barcode holds: the Rx number, then the fill (1-based), so a
    scan names the fill and still begins with the Rx number (``RX100003-1``)."""
    return f"{fill.prescription.rx_number}-{fill.fill_number + 1}"


def dispensing_fields(fill: Fill) -> dict[str, Any]:
    return {
        "status": fill.status,
        "label_barcode": label_barcode(fill),
        "labeled_at": fill.labeled_at,
        "product_verified_at": fill.product_verified_at,
        "ready_at": fill.ready_at,
        "handover": fill.handover,
        "dispensed_at": fill.dispensed_at,
        "collected_by": fill.collected_by_relation,
        "counselling_offered": fill.counselling_offered,
        "carrier": fill.carrier,
        "tracking_number": fill.tracking_number,
        "returned_at": fill.returned_at,
        "return_reason": fill.return_reason,
        "returned_to_batch": fill.returned_to_batch,
    }
