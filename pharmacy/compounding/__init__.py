"""The pure LDN formulation engine: standard library only, ``Decimal`` throughout.

Nothing in this package reads the clock, the database or the web request: every input,
including the date, is an argument, and every default number comes from :mod:`.rules`.
"""

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import DEFAULT_RULES, Rule, Rules

__all__ = ["DEFAULT_RULES", "FormulationError", "Rule", "Rules"]
