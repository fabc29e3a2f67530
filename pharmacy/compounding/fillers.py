"""Capsule fillers a patient may ask for, and the ones LDN must never use (DOMAIN.md §3)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Filler:
    code: str
    name: str
    allowed: bool
    note: str
    contains_lactose: bool = False


FILLERS: tuple[Filler, ...] = (
    Filler("mcc", "microcrystalline cellulose", True, "default; lactose-free"),
    Filler("lactose", "lactose monohydrate", True, "contains lactose", contains_lactose=True),
    Filler("sodium-bicarbonate", "sodium bicarbonate", True, "patient preference"),
    Filler("rice-flour", "rice flour", True, "lactose-free, sugar-free alternative"),
    Filler(
        "calcium-carbonate",
        "calcium carbonate",
        False,
        "avoid calcium carbonate with LDN [LDN pharmacist guidance]",
    ),
    Filler(
        "hpmc",
        "hypromellose (slow release)",
        False,
        "LDN must be immediate release: never a slow-release filler",
    ),
)

FILLERS_BY_CODE = {filler.code: filler for filler in FILLERS}
ALLOWED_FILLER_CODES = tuple(filler.code for filler in FILLERS if filler.allowed)


def filler_problem(code: str) -> str | None:
    """Why a filler code cannot be used, or None when it can."""
    filler = FILLERS_BY_CODE.get(code)
    if filler is None:
        return f"unknown filler; choose one of {', '.join(ALLOWED_FILLER_CODES)}"
    if not filler.allowed:
        return f"{filler.name} cannot be used: {filler.note}"
    return None
