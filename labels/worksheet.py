"""Compounding record (worksheet) on letter paper."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.pagesizes import letter  # type: ignore[import-untyped, unused-ignore]

from labels import docs
from labels.common import fmt_date
from labels.content import WeightCheck, WorksheetContent
from labels.docs import CELL, CELL_ALERT, CELL_BOLD, H1, H2, SMALL, p, table

_BLANK = "\u00a0"  # an empty cell to write in


def _blank_line(label: str, width: float) -> Any:
    return docs.table(
        [[label, _BLANK, "Date / time", _BLANK]],
        [width * 0.22, width * 0.40, width * 0.14, width * 0.24],
        header=False,
        extra=[("TOPPADDING", (0, 0), (-1, -1), 12)],
    )


def worksheet_story(c: WorksheetContent) -> list[Any]:
    w = docs.frame_width(letter)
    story: list[Any] = [_heading(c, w), docs.spacer(6), _batch_fields(c, w)]
    # A heading is kept with what it introduces, never left alone at the foot of a page.
    story.append(docs.keep(p("Components", H2), _components(c, w)))
    story.append(docs.keep(p("Steps", H2), _steps(c, w)))
    if c.weight_check is not None:
        story += _weight_check(c.weight_check, w)
    qc = list(c.qc_results) or ["None recorded."]
    story.append(docs.keep(p("Quality control", H2), table([["Result"], *[[r] for r in qc]], [w])))
    dev = list(c.deviations) or ["None recorded."]
    story.append(docs.keep(p("Deviations", H2), table([["Deviation"], *[[d] for d in dev]], [w])))
    story.append(
        docs.keep(
            p("Signatures", H2),
            _blank_line(f"Compounded by: {c.compounded_by or ''}", w),
            docs.spacer(4),
            _blank_line(f"Checked by (pharmacist): {c.checked_by or ''}", w),
        )
    )
    return story


def _heading(c: WorksheetContent, w: float) -> Any:
    """Title, pharmacy and status on the left; the lot number's barcode on the right."""
    head_left = [
        p("Compounding record", H1),
        p(f"{c.pharmacy.name} \u00b7 {c.pharmacy.address} \u00b7 {c.pharmacy.phone}", SMALL),
        p(f"Status: {c.status}", CELL_BOLD),
    ]
    code = docs.barcode_drawing(c.lot_number, w * 0.38, 0.45 * 72, "lot number")
    lot_cell = [code, p(f"Lot {c.lot_number}", CELL_BOLD)]
    return docs.table(
        [[head_left, lot_cell]],
        [w * 0.58, w * 0.42],
        header=False,
        extra=[("GRID", (0, 0), (-1, -1), 0, colors.white), ("ALIGN", (1, 0), (1, 0), "RIGHT")],
    )


def _batch_fields(c: WorksheetContent, w: float) -> Any:
    """The batch's particulars, two label-value pairs a row."""
    half = w / 2
    fields = [
        ("Lot number", c.lot_number),
        ("Formula", f"{c.formula_code} \u2014 {c.formula_name} (version {c.formula_version})"),
        ("Strength", c.strength),
        ("Dosage form", c.dosage_form),
        ("Quantity to make", c.quantity_to_make),
        ("Compounded at", c.compounded_at),
        ("Compounded by", c.compounded_by or ""),
        ("Checked by", c.checked_by or ""),
        ("BUD", f"{fmt_date(c.bud)} \u2014 {c.bud_basis}"),
        ("Storage", c.storage),
    ]
    rows = []
    for i in range(0, len(fields), 2):
        row: list[Any] = []
        for label, value in fields[i : i + 2]:
            row += [p(label, CELL_BOLD), p(value or _BLANK, CELL)]
        rows.append(row)
    return docs.table(rows, [half * 0.32, half * 0.68] * 2, header=False)


def _components(c: WorksheetContent, w: float) -> Any:
    """Each component's lot and expiry, theoretical and actual amount, and initials."""
    comp_rows: list[list[Any]] = [
        ["Item", "Manufacturer", "Mfr lot", "Expiry", "Theoretical", "Actual", "Initials"]
    ]
    for comp in c.components:
        actual = f"{comp.actual} {comp.unit}" if comp.actual is not None else _BLANK
        comp_rows.append(
            [
                comp.item_name,
                comp.manufacturer,
                comp.manufacturer_lot,
                fmt_date(comp.expiry),
                f"{comp.theoretical} {comp.unit}",
                actual,
                _BLANK,
            ]
        )
    comp_widths = [w * f for f in (0.22, 0.16, 0.13, 0.12, 0.13, 0.13, 0.11)]
    return table(comp_rows, comp_widths)


def _steps(c: WorksheetContent, w: float) -> Any:
    """The numbered steps, each with room for who did it and who checked it."""
    step_rows: list[list[Any]] = [["#", "Step", "Done by", "Checked by"]]
    for i, step in enumerate(c.steps, 1):
        step_rows.append([str(i), step, _BLANK, _BLANK])
    step_widths = [w * 0.05, w * 0.69, w * 0.13, w * 0.13]
    return table(step_rows, step_widths)


def _weight_check(wc: WeightCheck, w: float) -> list[Any]:
    """The acceptable range, each capsule's weight (out of range in alert), blank rows for
    the capsules still to weigh."""
    target = f", target {wc.target_mg} mg" if wc.target_mg is not None else ""
    story: list[Any] = [
        p("Weight check", H2),
        p(
            f"Weigh {wc.sample} capsules one by one. Acceptable range "
            f"{wc.low_mg}\u2013{wc.high_mg} mg{target}.",
            CELL,
        ),
    ]
    bad = set(wc.out_of_tolerance)
    wrows: list[list[Any]] = [["Capsule", "Weight (mg)", "Result"]]
    for i, weight in enumerate(wc.weights):
        if i in bad:
            wrows.append([str(i + 1), p(str(weight), CELL_ALERT), p("OUT OF RANGE", CELL_ALERT)])
        else:
            wrows.append([str(i + 1), str(weight), "within range"])
    for i in range(len(wc.weights), wc.sample):
        wrows.append([str(i + 1), _BLANK, _BLANK])
    story.append(table(wrows, [w * 0.15, w * 0.25, w * 0.25]))
    return story


def render_worksheet(content: WorksheetContent) -> bytes:
    """The compounding record of one batch on letter paper (as many pages as needed)."""
    return docs.build(
        worksheet_story(content),
        letter,
        f"Compounding record lot {content.lot_number}",
        f"{content.formula_code} v{content.formula_version}",
        f"Compounding record \u00b7 lot {content.lot_number} \u00b7 {content.pharmacy.name}",
    )
