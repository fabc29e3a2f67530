"""Benchmark the clinical screen (issue 20), run by ``bench/bench_engine.py [N]``.

One patient: 20 current medications as prescribers write them, 3 allergies (one an opioid)
and 1 condition, through ``run_screen`` (the opioid gate, the allergy note, naltrexone
duplicate therapy and the cautions). Target: under 1 ms for a new patient.

Every timed run screens a **new patient**: a medicine list drawn from the pools below with
doses and directions that make each text one the screen has never read (checked: no text
repeats across the whole benchmark), so no per-text result can be reused. Three cases:

- *new patient*: the words are everyday medicine words the pharmacy has read before (the
  warm-up patients read them), the texts are new: the main number;
- *new patient, cold*: every reading dropped before each run (every word read for the first
  time since the rules loaded, as on a fresh process): reported beside it;
- *the same patient again*: one list screened again (texts read before).

A floor measured in the same run (``sum(range(1000))``) gives the machine's speed.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable

from pharmacy.compounding.rules import DEFAULT_RULES
from pharmacy.compounding.screen import forget_words, run_screen

# Everyday medicines (names as written on US medication lists: generics and brands).
EVERYDAY = [
    "levothyroxine",
    "metformin",
    "lisinopril",
    "atorvastatin",
    "sertraline",
    "gabapentin",
    "omeprazole",
    "vitamin D3",
    "amlodipine",
    "Zyrtec",
    "montelukast",
    "oxybutynin ER",
    "hydroxyzine",
    "trazodone",
    "Ozempic",
    "fish oil",
    "Cymbalta",
    "magnesium glycinate",
    "losartan",
    "simvastatin",
    "rosuvastatin",
    "pantoprazole",
    "escitalopram",
    "bupropion XL",
    "fluoxetine",
    "hydrochlorothiazide",
    "furosemide",
    "metoprolol succinate",
    "carvedilol",
    "clopidogrel",
    "Eliquis",
    "warfarin",
    "prednisone",
    "albuterol inhaler",
    "Symbicort",
    "cetirizine",
    "loratadine",
    "famotidine",
    "tamsulosin",
    "finasteride",
    "meloxicam",
    "ibuprofen",
    "acetaminophen",
    "naproxen",
    "cyclobenzaprine",
    "tizanidine",
    "buspirone",
    "lamotrigine",
    "topiramate",
    "sumatriptan",
    "estradiol",
    "progesterone",
    "spironolactone",
    "Synthroid",
    "Armour Thyroid",
    "vitamin B12",
    "folic acid",
    "probiotic",
    "melatonin",
    "Lyrica",
    "duloxetine",
    "venlafaxine",
    "quetiapine",
    "aripiprazole",
    "methocarbamol",
    "levocetirizine",
    "Flonase nasal spray",
    "Wellbutrin",
    "Lexapro",
    "glipizide",
]
# One opioid (or a misspelt one) per patient, and one the patient is allergic to.
OPIOIDS = [
    "Percocet",
    "tramadoll",
    "Norco",
    "oxycodon",
    "Tylenol #3",
    "Suboxone film",
    "hydrocodone/APAP",
    "morfine ER",
    "Belbuca",
    "methadone",
]
ALLERGY_POOL = [
    "penicillin",
    "sulfa",
    "codeine (nausea)",
    "latex",
    "morphine (itching)",
    "amoxicillin",
    "shellfish",
    "iodine contrast",
    "erythromycin",
]
CONDITIONS = ["asthma", "fibromyalgia", "hypothyroidism", "type 2 diabetes", "depression"]
DIRECTIONS = [
    "daily",
    "BID",
    "TID",
    "qhs",
    "prn",
    "at bedtime",
    "twice daily",
    "weekly",
    "every morning",
    "as needed",
    "with food",
    "hs",
    "q8h",
    "",
]
UNITS = ["mg", "mcg", "mg", "mg", "IU", "mg ER", "mg tab", "mg cap"]

Patient = tuple[list[str], list[str], list[str]]


class Patients:
    """New patients, each text never seen before in this benchmark."""

    def __init__(self, seed: int = 20) -> None:
        self.rng = random.Random(seed)
        self.seen: set[str] = set()

    def _new(self, name: str) -> str:
        while True:
            dose = self.rng.choice(
                [
                    1,
                    2,
                    2.5,
                    5,
                    10,
                    12.5,
                    20,
                    25,
                    40,
                    50,
                    75,
                    100,
                    150,
                    200,
                    250,
                    300,
                    325,
                    400,
                    500,
                    600,
                    750,
                    800,
                    1000,
                    2000,
                ]
            )
            text = f"{name} {dose} {self.rng.choice(UNITS)} {self.rng.choice(DIRECTIONS)}"
            text = text.strip()
            if text not in self.seen:
                self.seen.add(text)
                return text

    def patient(self) -> Patient:
        names = self.rng.sample(EVERYDAY, 18) + self.rng.sample(OPIOIDS, 2)
        self.rng.shuffle(names)
        medications = [self._new(name) for name in names]
        allergies = self.rng.sample(ALLERGY_POOL, 3)
        return medications, allergies, [self.rng.choice(CONDITIONS)]


def _screen(patient: Patient) -> None:
    medications, allergies, conditions = patient
    run_screen(medications, allergies, DEFAULT_RULES, attested=True, conditions=conditions)


def _medians_us(
    step: Callable[[int], None], runs: int, before: Callable[[], None] | None = None
) -> tuple[float, float]:
    """Median wall-clock and median CPU time (this thread's) of ``runs`` steps, in µs.
    ``before`` runs untimed before each step. On a shared machine the wall clock also counts
    the time other processes held the core; the CPU time counts only this work."""
    wall, cpu = [], []
    for i in range(runs):
        if before is not None:
            before()
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        step(i)
        wall.append(time.perf_counter_ns() - t0)
        cpu.append(time.thread_time_ns() - c0)
    return statistics.median(wall) / 1000, statistics.median(cpu) / 1000


def bench_screen(runs: int) -> None:
    load = os.getloadavg()[0]
    maker = Patients()
    _screen(maker.patient())  # builds the indexes once per rule table (untimed)
    for _ in range(50):
        _screen(maker.patient())  # warm-up: the pharmacy has read its everyday words
    new = [maker.patient() for _ in range(runs)]
    cold = [maker.patient() for _ in range(runs)]
    same = maker.patient()
    texts = [t for p in (*new, *cold) for t in p[0]]
    assert len(texts) == len(set(texts)), "a text repeated: the benchmark would reuse it"
    rows = [
        (
            "new patient: new texts, everyday words read before",
            _medians_us(lambda i: _screen(new[i]), runs),
        ),
        (
            "new patient, cold: every word read for the first time",
            _medians_us(lambda i: _screen(cold[i]), runs, lambda: forget_words(words=True)),
        ),
        ("the same patient again (texts read before)", _medians_us(lambda i: _screen(same), runs)),
    ]
    floor, floor_cpu = _medians_us(lambda i: sum(range(1000)), runs)
    print()
    print(
        f"| clinical screen, 20 medications ({runs} runs) | median µs | × floor | median CPU µs"
        " | × floor (CPU) | target |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, (us, cpu) in rows:
        print(
            f"| {name} | {us:.0f} | {us / floor:.0f}× | {cpu:.0f} | {cpu / floor_cpu:.0f}× "
            "| 1000 µs |"
        )
    print(
        f"| floor: sum(range(1000)) | {floor:.1f} | 1× | {floor_cpu:.1f} | 1× "
        "| (about 10 µs on an idle core) |"
    )
    print(
        f"\nload average (1 min) before the screen's runs: {load:.1f}, after: "
        f"{os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)"
    )
