"""Capsule fillers: which a patient may have, and why not (DOMAIN §3)."""

from __future__ import annotations

import re

from pharmacy.compounding.rules import DEFAULT_RULES, Filler, Rules

# Other spellings a form or a prescriber may send for a filler code.
ALIASES = {
    "hpmc": "hypromellose",
    "methocel": "hypromellose",
    "avicel": "mcc",
    "avicel_ph_102": "mcc",
    "microcrystalline_cellulose": "mcc",
    "cellulose": "mcc",
    "sodium_bicarb": "sodium_bicarbonate",
    "bicarbonate": "sodium_bicarbonate",
    "lactose_monohydrate": "lactose",
    "calcium": "calcium_carbonate",
}


def normalize_filler_code(code: str) -> str:
    """``"Calcium-Carbonate"`` → ``"calcium_carbonate"``; ``"HPMC"`` → ``"hypromellose"``."""
    key = re.sub(r"[^a-z0-9]+", "_", code.strip().lower()).strip("_")
    return ALIASES.get(key, key)


def find_filler(code: str, rules: Rules = DEFAULT_RULES) -> Filler | None:
    return rules.filler(normalize_filler_code(code))


def allowed_fillers(rules: Rules = DEFAULT_RULES) -> list[Filler]:
    return [f for f in rules.fillers if f.status == "ok"]


def filler_problem(code: str, rules: Rules = DEFAULT_RULES) -> str | None:
    """Why this filler cannot be used for LDN capsules, or ``None`` when it can.

    Refused: an unknown filler, a slow-release filler (LDN must be immediate release) and a
    filler to avoid (calcium carbonate).
    """
    allowed = ", ".join(f.code for f in allowed_fillers(rules))
    filler = find_filler(code, rules)
    if filler is None:
        return f"unknown filler '{code}': choose one of {allowed}"
    if filler.status == "never":
        return f"{filler.name} cannot be used: {filler.note}; choose one of {allowed}"
    if filler.status == "avoid":
        return f"{filler.name} should not be used: {filler.note}; choose one of {allowed}"
    return None
