"""Dispensing (DOMAIN.md §9): the fill's life after filling, the pharmacist's product
verification by scan, the hand-over queues (pick-up and shipping), and each fill's history.

One concept a module: `states` (the steps and their rules), `verification` (the scan
check and its e-signature), `queues` (will-call, shipping, the prescription's history).
"""

from pharmacy.services.dispensing.queues import (
    awaiting_verification,
    dispensing_history,
    shipping_queue,
    will_call_queue,
)
from pharmacy.services.dispensing.states import (
    mark_labeled,
    mark_ready,
    record_pickup,
    record_shipment,
    return_to_stock,
)
from pharmacy.services.dispensing.verification import verify_product

__all__ = [
    "awaiting_verification",
    "dispensing_history",
    "mark_labeled",
    "mark_ready",
    "record_pickup",
    "record_shipment",
    "return_to_stock",
    "shipping_queue",
    "verify_product",
    "will_call_queue",
]
