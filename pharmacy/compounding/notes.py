"""What a quote gathers step by step: the rules it used, acknowledgements and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar, cast

from pharmacy.compounding.rules import Rules

T = TypeVar("T")


@dataclass
class Notes:
    """The rules a quote used (each described as it stands), the acknowledgements a
    pharmacist must give and the warnings, each in the order its step raised it."""

    rules: Rules
    used: dict[str, str] = field(default_factory=dict)
    acks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def rule(self, name: str) -> None:
        """Note that the rule ``name`` was used."""
        self.used[name] = self.rules.describe(name)

    def given_or_rule(self, given: T | None, name: str) -> T:
        """The value the request gave, or else the rule ``name`` (noted as used)."""
        if given is not None:
            return given
        self.rule(name)
        return cast(T, getattr(self.rules, name))
