"""Label stocks: sizes are data, looked up by code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from labels.errors import UnknownStock

POINTS_PER_INCH = 72.0


@dataclass(frozen=True)
class LabelStock:
    """One kind of label or paper the pharmacy prints on (sizes in inches)."""

    code: str
    name: str
    width_in: Decimal | float
    height_in: Decimal | float
    margin_in: Decimal | float
    kind: str = "thermal"  # "thermal" (one label per page) or "sheet" (letter paper)
    #: Offered for the container (patient) label: a label stock that can hold one at all,
    #: the complete directions and the boxed opioid warning with the critical cluster at
    #: 11 pt or more (DOMAIN.md §9). A stock that cannot is still used for batch labels;
    #: letter paper is not a label for a container (a named one still prints it).
    container_label: bool = True

    @property
    def width_pt(self) -> float:
        return float(self.width_in) * POINTS_PER_INCH

    @property
    def height_pt(self) -> float:
        return float(self.height_in) * POINTS_PER_INCH

    @property
    def margin_pt(self) -> float:
        return float(self.margin_in) * POINTS_PER_INCH

    @property
    def pagesize(self) -> tuple[float, float]:
        return (self.width_pt, self.height_pt)


DEFAULT_STOCK = "4x2.5"

STOCKS: dict[str, LabelStock] = {
    s.code: s
    for s in (
        LabelStock(
            "4x2.5", "4 × 2.5 in thermal label", Decimal("4"), Decimal("2.5"), Decimal("0.1")
        ),
        LabelStock(
            "4x3.5", "4 × 3.5 in thermal label", Decimal("4"), Decimal("3.5"), Decimal("0.1")
        ),
        # Too small for any container label (even one fixed dose in English needs about
        # 40 pt more at the floor: tests/unit/labels/test_stocks_offered.py measures it).
        LabelStock(
            "3x2",
            "3 × 2 in thermal label",
            Decimal("3"),
            Decimal("2"),
            Decimal("0.08"),
            container_label=False,
        ),
        LabelStock(
            "letter",
            "US letter paper (8.5 × 11 in)",
            Decimal("8.5"),
            Decimal("11"),
            Decimal("0.5"),
            kind="sheet",
            container_label=False,
        ),
    )
}


def get_stock(code: str | None = None) -> LabelStock:
    """Return the stock for ``code`` (the default stock when ``None``).

    Raises ``UnknownStock`` (a ``ValueError``) naming the allowed codes.
    """
    key = DEFAULT_STOCK if code is None else code
    try:
        return STOCKS[key]
    except KeyError:
        raise UnknownStock(key, tuple(STOCKS)) from None
