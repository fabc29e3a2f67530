"""The label stocks a print form offers."""

from __future__ import annotations

from labels.stocks import DEFAULT_STOCK, STOCKS


def label_stocks() -> list[tuple[str, str]]:
    """The label stocks a print form offers (thermal labels first, the default first)."""
    ordered = sorted(STOCKS.values(), key=lambda s: (s.code != DEFAULT_STOCK, s.kind != "thermal"))
    return [(stock.code, stock.name) for stock in ordered]
