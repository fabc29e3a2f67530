"""Benchmark of the patient-label renderer against a floor (not a test).

(a) one patient label: median ms over 50 renders;
(b) 500 patient labels in one PDF via render_patient_labels: labels/s (median of 7 runs).

FLOOR: the same text lines (same fonts, sizes, positions) and the same merged barcode rects,
drawn straight onto a reportlab canvas with the same settings: no layout, no wrapping, no
fitting search. Targets: (a) <= 1.5 x floor, (b) >= 2/3 of the floor's labels/s.

Run:  .venv/bin/python bench/bench_labels.py [--write]   (--write updates bench/RESULTS.md)
"""

from __future__ import annotations

import dataclasses
import io
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from labels import (  # noqa: E402
    DEFAULT_STOCK,
    PatientLabelContent,
    Pharmacy,
    get_stock,
    render_patient_label,
    render_patient_labels,
)
from labels.common import Ops, new_canvas  # noqa: E402
from labels.patient import layout_patient_label  # noqa: E402

STOCK = get_stock(DEFAULT_STOCK)
PHARMACY = Pharmacy("Riverside Compounding Pharmacy",
                    "120 Main Street, Suite 4, Springfield, IL 62701", "(217) 555-0142")
FIRST = ["Zoë", "Ольга", "Maximilian", "Nguyễn", "Siobhán", "Amelia", "Łukasz", "José"]
LAST = ["Łukasiewicz-Nguyễn", "Петрова", "Featherstonehaugh", "García Márquez", "O'Donnell",
        "Smith", "Kowalski", "Ní Bhriain"]


def content(i: int) -> PatientLabelContent:
    strength = ("0.5", "1.5", "3", "4.5")[i % 4]
    return PatientLabelContent(
        patient_name=f"{FIRST[i % 8]} {LAST[(i * 3) % 8]} {i}",
        drug_line=f"Naltrexone HCl {strength} mg capsule",
        directions=[f"Take 1 capsule ({strength} mg) by mouth at bedtime."],
        bud=date(2026, 6, 30),
        storage="Store at room temperature (20–25 °C). Keep dry.",
        lot_number=f"260105-C-{i % 1000:03d}",
        rx_number=f"{1000000 + i}",
        quantity="30 capsules",
        refills_remaining=i % 6,
        fill_date=date(2026, 1, 5),
        prescriber="Dr. Amelia Hart, MD",
        pharmacy=PHARMACY,
    )


def floor_render(pages: Sequence[Ops]) -> bytes:
    """Draw pre-laid-out lines and bars: what any renderer of this label must at least do."""
    buf = io.BytesIO()
    canvas: Any = new_canvas(buf, STOCK.pagesize, "floor")
    for ops in pages:
        for font, size, x, y, s in ops.texts:
            canvas.setFont(font, size)
            canvas.drawString(x, y, s)
        for x1, y, x2, thickness in ops.rules:
            canvas.setLineWidth(thickness)
            canvas.line(x1, y, x2, y)
        for code, x, y, module, height in ops.codes:
            path = canvas.beginPath()
            x0 = x + 10 * module
            for start, length in code.bars:
                path.rect(x0 + start * module, y, length * module, height)
            canvas.drawPath(path, stroke=0, fill=1)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def timed_pair(ours: Callable[[], object], floor: Callable[[], object],
               repeat: int) -> tuple[float, float]:
    """Median seconds of each, runs interleaved so that machine load hits both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeat):
        for fn, out in ((ours, a), (floor, b)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return statistics.median(a), statistics.median(b)


def main() -> None:
    one = content(0)
    one_pages = layout_patient_label(one, STOCK)
    many = [content(i) for i in range(500)]
    # cold: first ever batch (empty width / wrap / barcode caches)
    t0 = time.perf_counter()
    render_patient_labels([dataclasses.replace(c, rx_number="9" + c.rx_number) for c in many],
                          STOCK)
    cold_500 = time.perf_counter() - t0
    many_pages = [p for c in many for p in layout_patient_label(c, STOCK)]

    for _ in range(5):  # warm up both paths
        render_patient_label(one, STOCK)
        floor_render(one_pages)

    a_ours, a_floor = (
        t * 1000
        for t in timed_pair(lambda: render_patient_label(one, STOCK),
                            lambda: floor_render(one_pages), 50)
    )
    b_ours, b_floor = (
        500 / t
        for t in timed_pair(lambda: render_patient_labels(many, STOCK),
                            lambda: floor_render(many_pages), 7)
    )
    cold_rate = 500 / cold_500

    a_ratio = a_ours / a_floor
    b_ratio = b_ours / b_floor
    rows = [
        ("(a) one patient label, median ms (50 renders)", f"{a_ours:.2f} ms", f"{a_floor:.2f} ms",
         f"{a_ratio:.2f}× floor", "≤ 1.5× floor", "PASS" if a_ratio <= 1.5 else "FAIL"),
        ("(b) 500 labels in one PDF, labels/s (median of 7)", f"{b_ours:.0f}/s", f"{b_floor:.0f}/s",
         f"{b_ratio:.2f} of floor", "≥ 0.67 of floor", "PASS" if b_ratio >= 2 / 3 else "FAIL"),
        ("(b') same, first batch with cold caches", f"{cold_rate:.0f}/s", f"{b_floor:.0f}/s",
         f"{cold_rate / b_floor:.2f} of floor", "(information)", ""),
    ]
    table = ["| measure | labels | floor | ratio | target | result |",
             "|---|---|---|---|---|---|"]
    table += ["| " + " | ".join(r) + " |" for r in rows]
    load = os.getloadavg()[0]
    machine = (f"Machine: {os.cpu_count()} CPUs (`nproc`), Python {platform.python_version()} "
               f"({platform.machine()}), stock {STOCK.code}; load average {load:.1f} during the "
               "run (other work shared the machine; labels and floor runs are interleaved so "
               "that load hits both alike).")
    command = "Command: `.venv/bin/python bench/bench_labels.py --write`"
    print("\n".join(table))
    print(machine)
    if "--write" in sys.argv:
        section = "\n".join([
            "## Labels", "",
            "Patient-label rendering (`labels/`) against a floor that draws the same text lines "
            "and the same merged barcode rectangles straight onto a reportlab canvas (same "
            "fonts, same canvas settings, no layout, wrapping or fit search).", "",
            *table, "", machine, command, "",
        ])
        path = ROOT / "bench" / "RESULTS.md"
        text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
        pattern = re.compile(r"^## Labels\n.*?(?=^## |\Z)", re.S | re.M)
        if pattern.search(text):
            text = pattern.sub(lambda _m: section + "\n", text)
        else:
            text = text.rstrip("\n") + "\n\n" + section
        path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
