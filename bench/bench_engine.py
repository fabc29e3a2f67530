"""Benchmark the pure formulation engine (not a test): ``python bench/bench_engine.py [N]``.

Times ``compute_quote`` for a capsule and a liquid quote (median µs over N runs) against a
floor: the same number of plain ``Decimal`` multiplications as the quote's core arithmetic
(an estimate, ``FLOOR_OPS``), so the table shows what the engine's checks, derivation text
and worksheet cost on top of the bare math. Prints a markdown table.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_screen import bench_screen  # noqa: E402

from pharmacy.compounding.quote import QuoteRequest, compute_quote  # noqa: E402
from pharmacy.compounding.rules import DEFAULT_RULES  # noqa: E402
from pharmacy.compounding.salts import ApiSource  # noqa: E402
from pharmacy.compounding.titration import TITRATION_TEMPLATES  # noqa: E402

TODAY = date(2026, 11, 22)
# Multiplications/divisions in the core formulas (salt + potency, units, pack stat, aliquot,
# weight check, BUD for a capsule; dose volumes, graduations, volume, vehicle for a liquid).
FLOOR_OPS = {"capsule": 30, "liquid": 40}

CASES = {
    "capsule": QuoteRequest(
        "capsule",
        30,
        strength_mg=Decimal("1.5"),
        api=ApiSource(
            form="hcl_dihydrate",
            assay_percent=Decimal("99.5"),
            assay_basis="anhydrous",
            water_percent=Decimal("8.71"),
        ),
        component_expiries=[date(2027, 6, 30)],
    ),
    "liquid": QuoteRequest(
        "liquid",
        None,
        concentration_mg_per_ml=Decimal("1"),
        preserved=True,
        titration=TITRATION_TEMPLATES["standard-1.5"],
        component_expiries=[date(2027, 6, 30)],
    ),
}


def median_us(fn: object, runs: int) -> float:
    assert callable(fn)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return statistics.median(samples) / 1000


def floor_fn(ops: int) -> object:
    a, b = Decimal("148.5"), Decimal("1.095379")

    def run() -> None:
        x = a
        for _ in range(ops):
            x = x * b

    return run


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(
        f"| quote | median µs ({runs} runs) | floor µs ({'/'.join(map(str, FLOOR_OPS.values()))}"
        " Decimal ×) | ratio |"
    )
    print("|---|---:|---:|---:|")
    for name, req in CASES.items():
        compute_quote(req, DEFAULT_RULES, TODAY)  # warm up
        quote_us = median_us(lambda req=req: compute_quote(req, DEFAULT_RULES, TODAY), runs)
        floor_us = median_us(floor_fn(FLOOR_OPS[name]), runs)
        print(f"| {name} | {quote_us:.1f} | {floor_us:.2f} | {quote_us / floor_us:.0f}× |")
    bench_screen(runs)


if __name__ == "__main__":
    main()
