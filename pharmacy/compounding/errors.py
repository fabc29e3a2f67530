"""The one error the formulation engine raises."""

from __future__ import annotations


class FormulationError(ValueError):
    """A request the engine cannot formulate.

    ``field`` names the offending input field (the quote request's field name, e.g.
    ``"strength_mg"`` or ``"api.assay_percent"``); ``message`` is written for a pharmacist.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[FormulationError], tuple[str, str]]:
        return (type(self), (self.field, self.message))
