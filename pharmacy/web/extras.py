"""What the pages show from services that land later (quotes, batches, fills): each
function returns an empty result until its service exists."""

from __future__ import annotations

from typing import Any

from pharmacy.audit import Actor


def pharmacist_queues(actor: Actor) -> dict[str, Any]:
    return {}


def prescription_extras(actor: Actor, rx: Any) -> dict[str, Any]:
    return {}


def bench_extras(actor: Actor) -> dict[str, Any]:
    return {}
