"""Every number and text the engine uses, as named data with a unit and a source.

The database stores these as rows (:meth:`Rules.as_records`) and an administrator may change
them; :meth:`Rules.from_records` turns rows back into a :class:`Rules`. Formulas elsewhere in
the engine never hold a rule number of their own: they read it from a :class:`Rules`.

- :mod:`.records`: the records a rule table is made of (a stored :class:`Rule`, fillers,
  BUD categories, vehicle components, opioid terms);
- :mod:`.defaults`: the seeded default of every rule, with its unit and source;
- :mod:`.model`: :class:`Rules` itself, its checks and look-ups, and :data:`DEFAULT_RULES`;
- :mod:`.codec`: each rule's value to and from the JSON the database stores.
"""

from pharmacy.compounding.rules.codec import JsonValue
from pharmacy.compounding.rules.model import DEFAULT_RULES, MAX_OVERAGE_PERCENT, Rules
from pharmacy.compounding.rules.records import (
    BudCategory,
    Filler,
    OpioidTerm,
    PriceListEntry,
    Rule,
    VehicleComponent,
)

__all__ = [
    "DEFAULT_RULES",
    "MAX_OVERAGE_PERCENT",
    "BudCategory",
    "Filler",
    "JsonValue",
    "OpioidTerm",
    "PriceListEntry",
    "Rule",
    "Rules",
    "VehicleComponent",
]
