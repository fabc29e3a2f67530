"""Which capsule fillers may be used, from the rules' filler table (DOMAIN.md §3)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pharmacy.compounding.rules import DEFAULT_RULES, Filler, Rules

# Other spellings a form or a prescriber may send for a filler code.
ALIASES = {
    "hpmc": "hypromellose",
    "methocel": "hypromellose",
    "avicel": "mcc",
    "avicel_ph_102": "mcc",
    "microcrystalline_cellulose": "mcc",
    "sodium_bicarb": "sodium_bicarbonate",
    "lactose_monohydrate": "lactose",
}


def normalize_filler_code(code: str) -> str:
    """``"Calcium-Carbonate"`` → ``"calcium_carbonate"``; ``"HPMC"`` → ``"hypromellose"``."""
    key = re.sub(r"[^a-z0-9]+", "_", code.strip().lower()).strip("_")
    return ALIASES.get(key, key)


def allergic_to_lactose(allergies: Sequence[str] | None) -> bool:
    """Whether a list of allergies, as typed, names lactose."""
    return "lactose" in " ".join(allergies or []).lower()


def find_filler(code: str, rules: Rules = DEFAULT_RULES) -> Filler | None:
    """The rules' filler for a code, whatever its spelling, or None."""
    return rules.filler(normalize_filler_code(code))


def usable_fillers(rules: Rules = DEFAULT_RULES) -> list[Filler]:
    """Fillers a prescriber may ask for: all but those marked `never`."""
    return [filler for filler in rules.fillers if filler.status != "never"]


def filler_problem(code: str, rules: Rules = DEFAULT_RULES) -> str | None:
    """Why a filler cannot be used at all, or None when it can."""
    filler = find_filler(code, rules)
    if filler is None:
        known = ", ".join(f.code for f in usable_fillers(rules))
        return f"unknown filler '{code}'; choose one of {known}"
    if filler.status == "never":
        return f"{filler.name} cannot be used: {filler.note}"
    return None


def filler_caution(code: str, rules: Rules = DEFAULT_RULES) -> str | None:
    """A warning a pharmacist must acknowledge for a filler to avoid, or None."""
    filler = find_filler(code, rules)
    if filler is not None and filler.status == "avoid":
        return f"Filler {filler.name}: {filler.note}."
    return None
