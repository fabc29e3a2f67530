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

from pharmacy.compounding.quote import QuoteRequest, compute_quote  # noqa: E402
from pharmacy.compounding.rules import DEFAULT_RULES  # noqa: E402
from pharmacy.compounding.salts import ApiSource  # noqa: E402
from pharmacy.compounding.screen import forget_words, run_screen  # noqa: E402
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


# A patient with 20 current medications as prescribers write them: one opioid, one
# misspelt opioid, thyroid hormone, the rest everyday medicines (DOMAIN.md §8, issue 20).
MEDICATIONS = [
    "levothyroxine 100 mcg daily", "metformin 500 mg BID", "lisinopril 10 mg",
    "atorvastatin 40mg qhs", "sertraline 50 mg", "gabapentin 300 mg TID", "Percocet 5/325 prn",
    "omeprazole 20 mg", "vitamin D3 2000 IU", "amlodipine 5 mg", "Zyrtec 10 mg",
    "montelukast 10mg", "oxybutynin ER 10 mg", "hydroxyzine 25 mg prn", "trazodone 50 mg hs",
    "Ozempic 0.5 mg weekly", "fish oil 1000 mg", "tramadoll 50 mg", "Cymbalta 60 mg",
    "magnesium glycinate 400 mg",
]
ALLERGIES = ["penicillin", "sulfa", "codeine (nausea)"]


def screen_once(forget: str) -> object:
    def run() -> None:
        if forget:
            forget_words(words=forget == "words")
        run_screen(MEDICATIONS, ALLERGIES, DEFAULT_RULES, attested=True, conditions=["asthma"])

    return run


def bench_screen(runs: int) -> None:
    """The clinical screen of one patient (20 medications, 3 allergies, 1 condition):
    every word read afresh, the words read before (a pharmacy's dose words and common
    names recur) and the same texts again; target < 1 ms."""
    screen_once("")()  # builds the indexes once per rule table
    print()
    print(f"| clinical screen, 20 medications | median µs ({runs} runs) | target |")
    print("|---|---:|---:|")
    for name, forget in (
        ("cold: every word read afresh", "words"),
        ("words read before, new texts", "texts"),
        ("texts read before", ""),
    ):
        print(f"| {name} | {median_us(screen_once(forget), runs):.0f} | 1000 |")
    # A floor for the machine's speed in this run: busy shared cores slow every line alike.
    floor = median_us(lambda: sum(range(1000)), runs)
    print(f"| floor: sum(range(1000)) | {floor:.1f} | (about 10 on an idle core) |")


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
