"""The records a rule table is made of: a stored rule, and the rows inside the table rules.

Plain frozen values; how they are written as JSON is :mod:`.codec`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Rule:
    """One rule as the database stores it: a name, a JSON-ready value, its unit and source."""

    name: str
    value: object
    unit: str
    source: str


@dataclass(frozen=True)
class BudCategory:
    """A USP <795> default beyond-use-date category."""

    code: str
    label: str
    days: int
    storage: str


@dataclass(frozen=True)
class VehicleComponent:
    """One ingredient of a liquid vehicle formula.

    ``basis``: ``"w/v"`` (amount is % w/v: g per 100 mL, weighed in mg), ``"v/v"`` (% v/v,
    measured in mL) or ``"qs"`` (make up to the final volume).
    """

    code: str
    name: str
    percent: Decimal
    basis: str


@dataclass(frozen=True)
class Filler:
    """A capsule filler. ``status``: ``"ok"``, ``"avoid"`` (warn) or ``"never"`` (refuse)."""

    code: str
    name: str
    bulk_density_g_per_ml: Decimal | None
    status: str = "ok"
    note: str = ""
    contains_lactose: bool = False


@dataclass(frozen=True)
class OpioidTerm:
    """A name to screen medications for.

    ``drug_class``: ``short_acting`` | ``methadone`` | ``buprenorphine`` | ``long_acting``;
    ``severity``: ``stop`` (hard stop for verification) | ``warning``.
    """

    term: str
    ingredient: str
    drug_class: str = "short_acting"
    severity: str = "stop"
    note: str = ""
    kind: str = "generic"  # generic | brand | former brand | shorthand
    form: str = ""  # "", cough and cold, transdermal, nasal…
    source: str = ""


@dataclass(frozen=True)
class OpioidIngredient:
    """An ingredient the opioid gate knows: its RxNorm ingredient code (``None`` where RxNorm
    has none), its pharmacological class (agonist, partial agonist, antidiarrheal, other), the
    washout that applies (a key of ``washout_texts``), ``stop`` or ``warning``, and why."""

    name: str
    rxcui: str | None
    drug_class: str
    washout: str
    severity: str = "stop"
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class CautionRule:
    """A caution for LDN (DOMAIN.md §11): names (medicines, brands, conditions) that raise it,
    the RxNorm or ICD-10-CM codes that raise it, what the pharmacist is told, the advice the
    patient's leaflet adds, and whether a pharmacist must acknowledge it."""

    code: str
    title: str
    names: tuple[str, ...]
    codes: tuple[str, ...]
    pharmacist_text: str
    patient_advice: str
    acknowledge: bool
    source: str


@dataclass(frozen=True)
class PriceListEntry:
    """A price the pharmacy fixed for one preparation: a dosage form (``capsule`` or
    ``liquid``), a strength (mg per capsule or mg/mL) and a quantity (capsules or mL). It
    overrides the price the formula would give."""

    dosage_form: str
    strength: Decimal
    quantity: Decimal
    price: Decimal
