"""The aliquot method for a weighing below the balance's minimum weighable quantity (§4)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.units import (
    MG_STEP,
    ceil_to,
    format_mg,
    format_mg_exact,
    plain,
    round_mg,
)


@dataclass(frozen=True)
class AliquotPlan:
    """Weigh ``api_weigh_mg`` (A = k·W), dilute with ``diluent_mg`` (D) of filler to a
    triturate of ``triturate_mg`` (T = k·M) and take ``aliquot_mg`` (M): A·M/T = W.

    ``weigh_mg`` (W) is the exact amount the potency correction asks for; A, D, T and M are
    weighings, on the balance's 0.1 mg steps. Rounding A·k rather than W keeps the error in
    the delivered dose within 0.05 mg ÷ k (0.05 mg in A ≥ the MWQ: at most 0.04 % at 120 mg)
    where rounding W first would multiply its error by k (+8.5 % for a 0.25 mg capsule)."""

    weigh_mg: Decimal  # W, the amount the aliquot must deliver
    k: int
    api_weigh_mg: Decimal
    diluent_mg: Decimal
    triturate_mg: Decimal
    aliquot_mg: Decimal
    filler_brought_in_mg: Decimal
    derivation: list[str] = field(default_factory=list)

    @property
    def delivered_mg(self) -> Decimal:
        return self.api_weigh_mg * self.aliquot_mg / self.triturate_mg


def plan_aliquot(
    weigh_mg: Decimal, mwq_mg: Decimal, *, filler_available_mg: Decimal | None = None
) -> AliquotPlan | None:
    """Plan an aliquot for a weighing ``W`` below the MWQ, or ``None`` when ``W >= MWQ``.

    Default (DOMAIN §4): ``k = ceil(MWQ/W)``, ``M = MWQ``, ``T = k·M``, ``D = T − A``.
    Two adjustments keep every weighing at or above the MWQ:

    * when the diluent ``D = k·(M − W)`` would be below the MWQ, ``M`` is raised to
      ``W + MWQ/k`` (rounded up to 0.1 mg);
    * with ``filler_available_mg`` (the batch's filler ``F``): when the aliquot would bring in
      more filler than the batch needs, or leave a separate filler weighing below the MWQ,
      the aliquot becomes the whole fill (``M = W + F``), with ``k`` raised if needed so that
      the diluent ``k·F`` reaches the MWQ.
    """
    if weigh_mg <= 0:
        raise FormulationError("quantity", "the amount to weigh must be more than 0 mg")
    if mwq_mg <= 0:
        raise FormulationError("balance_mwq_mg", "the balance minimum must be more than 0 mg")
    if weigh_mg >= mwq_mg:
        return None
    w = weigh_mg
    shown = format_mg_exact(w)
    k = math.ceil(mwq_mg / w)
    m = mwq_mg
    lines = [
        f"{shown} mg is below the balance minimum of {format_mg(mwq_mg)} mg: use an aliquot",
        f"k = ceil({format_mg(mwq_mg)} ÷ {shown}) = {k}",
    ]
    if k * m - round_mg(k * w) < mwq_mg:
        m = max(mwq_mg, ceil_to(w + mwq_mg / k, MG_STEP))
        lines.append(
            f"Aliquot raised to {format_mg(m)} mg so that the diluent weighing "
            f"reaches {format_mg(mwq_mg)} mg"
        )
    if filler_available_mg is not None and filler_available_mg > 0:
        f = filler_available_mg
        brought = m - w
        if brought > f or 0 < f - brought < mwq_mg:
            m = round_mg(w + f)
            k = max(k, math.ceil(mwq_mg / f))
            lines.append(
                f"The aliquot carries all {format_mg(f)} mg of the batch filler: "
                f"M = {shown} + {format_mg(f)} = {format_mg(m)} mg, k = {k}"
            )
    # k·W ≥ MWQ, and the MWQ is on the 0.1 mg steps, so A stays at or above it.
    a = round_mg(k * w)
    t = k * m
    d = t - a
    lines += [
        f"A = {k} × {shown} = {format_mg(a)} mg naltrexone",
        f"T = {k} × {format_mg(m)} = {format_mg(t)} mg triturate; diluent D = T − A = "
        f"{format_mg(d)} mg",
        f"Take M = {format_mg(m)} mg of triturate: {format_mg(a)} × {format_mg(m)} ÷ "
        f"{format_mg(t)} = {format_mg_exact(a * m / t)} mg",
    ]
    return AliquotPlan(
        weigh_mg=w,
        k=k,
        api_weigh_mg=a,
        diluent_mg=d,
        triturate_mg=t,
        aliquot_mg=m,
        filler_brought_in_mg=m - w,
        derivation=lines,
    )


@dataclass(frozen=True)
class SolutionAliquotPlan:
    """The aliquot method for a liquid (DOMAIN §4 by volume): weigh ``api_weigh_mg``
    (A = k·W ≥ MWQ), dissolve it in water to ``stock_ml`` (S = k·s) of stock solution, and
    measure ``aliquot_ml`` (s) of it into the batch: A·s/S = W."""

    weigh_mg: Decimal
    k: int
    api_weigh_mg: Decimal
    stock_ml: Decimal
    aliquot_ml: Decimal
    derivation: list[str] = field(default_factory=list)

    @property
    def delivered_mg(self) -> Decimal:
        return self.api_weigh_mg * self.aliquot_ml / self.stock_ml

    @property
    def discarded_ml(self) -> Decimal:
        return self.stock_ml - self.aliquot_ml


def plan_solution_aliquot(
    weigh_mg: Decimal,
    mwq_mg: Decimal,
    *,
    batch_ml: Decimal,
    aliquot_volumes_ml: tuple[Decimal, ...],
) -> SolutionAliquotPlan | None:
    """Plan a stock-solution aliquot for a weighing ``W`` below the MWQ, or ``None`` when
    ``W >= MWQ`` or the batch is too small to take even the smallest measured volume.

    ``k = ceil(MWQ/W)`` as for powders; the measured volume ``s`` is the largest of
    ``aliquot_volumes_ml`` that is at most half the batch (it becomes part of the batch's
    water), and the stock is ``S = k·s``.
    """
    if weigh_mg <= 0:
        raise FormulationError("quantity", "the amount to weigh must be more than 0 mg")
    if weigh_mg >= mwq_mg:
        return None
    fitting = [v for v in sorted(aliquot_volumes_ml, reverse=True) if v * 2 <= batch_ml]
    if not fitting:
        return None
    w = weigh_mg
    shown = format_mg_exact(w)
    k = math.ceil(mwq_mg / w)
    a = round_mg(k * w)
    s = fitting[0]
    stock = k * s
    return SolutionAliquotPlan(
        weigh_mg=w,
        k=k,
        api_weigh_mg=a,
        stock_ml=stock,
        aliquot_ml=s,
        derivation=[
            f"{shown} mg is below the balance minimum of {format_mg(mwq_mg)} mg: use an "
            "aliquot of a stock solution",
            f"k = ceil({format_mg(mwq_mg)} ÷ {shown}) = {k}",
            f"A = {k} × {shown} = {format_mg(a)} mg naltrexone, dissolved to S = {k} × "
            f"{plain(s)} = {plain(stock)} mL",
            f"Measure s = {plain(s)} mL: {format_mg(a)} × {plain(s)} ÷ {plain(stock)} = "
            f"{format_mg_exact(a * s / stock)} mg",
        ],
    )
