"""Recall report: every patient and prescriber to contact, on landscape letter paper."""

from __future__ import annotations

from typing import Any

from reportlab.lib.pagesizes import landscape, letter  # type: ignore[import-untyped, unused-ignore]

from labels import docs
from labels.common import fmt_date
from labels.content import RecallReportContent
from labels.docs import BODY, H1, H2, SMALL, p, table

_PAGE = landscape(letter)


def recall_story(c: RecallReportContent) -> list[Any]:
    w = docs.frame_width(_PAGE)
    patients = {(r.patient_name, r.patient_phone) for r in c.rows}
    story: list[Any] = [
        p(c.title, H1),
        p(f"{c.pharmacy.name} \u00b7 {c.pharmacy.address} \u00b7 {c.pharmacy.phone}", SMALL),
        docs.spacer(6),
        p(c.subject, BODY, bold_prefix="Recalled:"),
        p(f"{c.recalled_at} by {c.recalled_by}", BODY, bold_prefix="When / by:"),
        p(c.reason, BODY, bold_prefix="Reason:"),
        p(
            f"{len(c.batches)} batch(es), {len(c.rows)} fill(s), "
            f"{len(patients)} patient(s) to contact.",
            BODY,
            bold_prefix="Scope:",
        ),
        p("Batches affected", H2),
    ]
    brows: list[list[Any]] = [["Lot", "Preparation", "Status"]]
    brows.extend([lot, prep, status] for lot, prep, status in c.batches)
    if not c.batches:
        brows.append(["None", "", ""])
    story.append(table(brows, [w * 0.2, w * 0.6, w * 0.2]))
    story.append(p("Patients and prescribers to contact", H2))
    head = [
        "Patient",
        "Patient phone",
        "Address",
        "Rx",
        "Filled",
        "Qty",
        "Batch lot",
        "Prescriber",
        "Prescriber phone",
        "Contacted (date / by)",
    ]
    rows: list[list[Any]] = [head]
    for r in c.rows:
        rows.append(
            [
                r.patient_name,
                r.patient_phone,
                r.patient_address,
                r.rx_number,
                fmt_date(r.fill_date),
                r.quantity,
                r.batch_lot,
                r.prescriber_name,
                r.prescriber_phone,
                "",
            ]
        )
    if not c.rows:
        rows.append(["No dispensed fills found.", "", "", "", "", "", "", "", "", ""])
    fractions = (0.12, 0.10, 0.15, 0.07, 0.075, 0.07, 0.10, 0.11, 0.10, 0.105)
    story.append(table(rows, [w * f for f in fractions]))
    return story


def render_recall_report(content: RecallReportContent) -> bytes:
    """The recall contact list (landscape letter, as many pages as needed)."""
    return docs.build(
        recall_story(content),
        _PAGE,
        content.title,
        content.subject,
        f"{content.title} \u00b7 {content.subject} \u00b7 {content.pharmacy.name}",
    )
