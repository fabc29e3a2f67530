"""Text that labels print must be printable by the label font."""

from __future__ import annotations

from labels import unprintable
from pharmacy.errors import Invalid


def require_printable(field: str, text: str) -> None:
    """Refuse, where it is typed, text a label will have to print and cannot: found only
    at the print station, after the medicine was made, it would hold up the patient."""
    missing = unprintable(text)
    if missing:
        codes = ", ".join(f"U+{ord(c):04X}" for c in missing)
        raise Invalid(
            field,
            f"has characters the label printer cannot print ({codes}); enter it as it "
            "should appear on the label",
        )
