"""What a FHIR order maps to: the intake body it builds, where each intake field came
from (so a refusal names the FHIRPath the sender wrote), and what was not kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pharmacy.fhir.outcome import Issue, refuse


@dataclass
class Mapped:
    """The intake body under construction (what schema/prescriptions.py PrescriptionIn
    loads), the FHIRPath each field came from, and informational notes."""

    data: dict[str, Any] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    notes: list[Issue] = field(default_factory=list)

    def put(self, name: str, value: Any, path: str) -> None:
        self.data[name] = value
        self.where[name] = path

    def not_kept(self, path: str, reason: str) -> None:
        self.notes.append(Issue(f"Not kept: {reason}", (path,), "informational", "information"))

    def path_for(self, field_name: str, fallback: str) -> str:
        """The FHIRPath an intake field name (`titration.1.dose_mg`) came from: the
        field's own, else its nearest parent's, else the fallback."""
        parts = field_name.split(".")
        while parts:
            found = self.where.get(".".join(parts))
            if found:
                return found
            parts.pop()
        return fallback


def number(value: Decimal) -> str:
    """A Decimal for the intake schema (a numeric string: exact, never a float)."""
    return format(value, "f")


def unsupported(path: str, why: str) -> Exception:
    return refuse(422, why, path, "not-supported")


def given(resource: Any) -> set[str]:
    """The elements the sender set on a resource or element."""
    return set(resource.model_fields_set) if resource is not None else set()


def not_kept_elements(
    resource: Any, path: str, handled: set[str], reasons: dict[str, str], mapped: Mapped
) -> None:
    """A note for every element the sender gave that the pharmacy does not keep."""
    for name in sorted(given(resource) - handled - {"resource_type", "fhir_comments"}):
        element = name.removesuffix("__ext")
        if element in handled:
            continue
        reason = reasons.get(element, "the pharmacy's record has no place for it")
        mapped.not_kept(f"{path}.{element}", f"{element}: {reason}.")


def refuse_modifier_extensions(resource: Any, path: str) -> None:
    """A modifier extension changes what the resource means; the pharmacy knows none."""
    if getattr(resource, "modifierExtension", None):
        raise unsupported(
            f"{path}.modifierExtension",
            "A modifierExtension changes the meaning of the resource and this pharmacy "
            "understands none, so the order cannot be read safely.",
        )


def concept_texts(concept: Any) -> list[str]:
    """The words of a CodeableConcept: its text, then each coding's display."""
    if concept is None:
        return []
    texts = [concept.text] if concept.text else []
    texts.extend(coding.display for coding in concept.coding or () if coding.display)
    return [text for text in texts if text.strip()]
