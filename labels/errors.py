"""Errors raised by the label renderer. All are ``ValueError`` subclasses: bad input data."""

from __future__ import annotations


class LabelError(ValueError):
    """Base class of every error the renderer raises for content it cannot print."""


class UnknownStock(LabelError):
    """The label stock code is not one of the known stocks."""

    def __init__(self, code: str, allowed: tuple[str, ...]) -> None:
        self.code = code
        self.allowed = allowed
        super().__init__(f"unknown label stock {code!r}; allowed stocks: {', '.join(allowed)}")


class LabelDoesNotFit(LabelError):
    """The content cannot be laid out on the stock, even at the minimum font sizes.

    Nothing is ever truncated: the renderer raises this instead.
    """

    def __init__(self, stock_code: str, what: str) -> None:
        self.stock_code = stock_code
        self.what = what
        super().__init__(f"content does not fit on label stock {stock_code!r}: {what}")


class UnsupportedCharacters(LabelError):
    """The text holds characters the embedded font has no glyph for.

    They would print as empty boxes, so the renderer refuses instead.
    """

    def __init__(self, text: str, characters: str) -> None:
        self.text = text
        self.characters = characters
        # The text itself stays out of the message: it is often a patient's name.
        shown = ", ".join(f"U+{ord(c):04X}" for c in characters)
        super().__init__(f"the label font has no glyph for {shown}: the text cannot be printed")
