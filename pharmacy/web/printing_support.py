"""The print service as the pages use it. Printing needs the PDF renderer (`labels`);
where it is not installed the pages still work and simply offer no print buttons."""

from __future__ import annotations

from datetime import date
from typing import Any

from pharmacy.audit import Actor

try:
    from pharmacy.services import printing as _printing
except ImportError:  # pragma: no cover - only while the renderer is missing
    _printing = None  # type: ignore[assignment]

PRINTING = _printing is not None


def print_history(document: str, entity_id: int) -> list[dict[str, Any]]:
    if _printing is None:
        return []
    return list(_printing.print_history(document, entity_id))


def print_queue(actor: Actor, today: date) -> list[dict[str, Any]]:
    if _printing is None:
        return []
    return list(_printing.print_queue(actor, today=today))
