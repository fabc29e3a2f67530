"""Sample content for the label tests (plain data, no app, no database)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

from labels import (
    LIQUID_AUXILIARY_REFRIGERATED,
    BatchLabelContent,
    LeafletContent,
    PatientLabelContent,
    Pharmacy,
    RecallBatch,
    RecallReportContent,
    RecallRow,
    ScheduleRow,
    WeightCheck,
    WorksheetComponent,
    WorksheetContent,
)

PHARMACY = Pharmacy(
    "Riverside Compounding Pharmacy",
    "120 Main Street, Suite 4, Springfield, IL 62701",
    "(217) 555-0142",
)

FIXED = PatientLabelContent(
    patient_name="Zoë Łukasiewicz-Nguyễn",
    drug_line="Naltrexone HCl 4.5 mg capsule",
    directions=["Take 1 capsule (4.5 mg) by mouth at bedtime."],
    bud=date(2026, 6, 30),
    storage="Store at room temperature (20–25 °C). Keep dry.",
    lot_number="260105-C-003",
    rx_number="1002345",
    quantity="30 capsules",
    refills_remaining=2,
    fill_date=date(2026, 1, 5),
    prescriber="Dr. Amelia Hart, MD",
    pharmacy=PHARMACY,
)

TITRATION = PatientLabelContent(
    patient_name="Ольга Петрова",
    drug_line="Naltrexone HCl 1 mg/mL oral liquid",
    directions=[
        "Take 1.5 mL (1.5 mg) by mouth at bedtime for 14 days, then 3 mL (3 mg) at bedtime "
        "for 14 days, then 4.5 mL (4.5 mg) at bedtime. Use the 5 mL oral syringe provided."
    ],
    dated_directions=[
        "Jan 5 to Jan 18: take 1.5 mL (1.5 mg).",
        "Jan 19 to Feb 1: take 3 mL (3 mg).",
        "From Feb 2: take 4.5 mL (4.5 mg).",
    ],
    bud=date(2026, 2, 4),
    storage="Refrigerate (2–8 °C). Protect from light.",
    lot_number="260105-L-001",
    rx_number="RX-1002346",
    quantity="150 mL",
    refills_remaining=0,
    fill_date=date(2026, 1, 5),
    prescriber="Dr. Rahul Mehta",
    pharmacy=PHARMACY,
    auxiliary=LIQUID_AUXILIARY_REFRIGERATED,
)

# The most common LDN prescription (issue 19): 1.5 mg capsules, 1 then 2 then 3 at bedtime.
CAPSULE_TITRATION = dataclasses.replace(
    FIXED,
    drug_line="Naltrexone HCl 1.5 mg capsule",
    directions=[
        "Take 1 capsule by mouth at bedtime for 14 days, then 2 capsules at bedtime for 14 "
        "days, then 3 capsules at bedtime."
    ],
    dated_directions=[
        "Jan 5 to Jan 18: take 1 capsule (1.5 mg).",
        "Jan 19 to Feb 1: take 2 capsules (3 mg).",
        "From Feb 2: take 3 capsules (4.5 mg).",
    ],
    quantity="132 capsules",
    rx_number="RX100003",
)

LONG_NAME = PatientLabelContent(
    patient_name=(
        "Maximiliana Alexandrina Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh "
        "de la Cruz y Montgomery"
    ),
    drug_line="Naltrexone HCl 1.5 mg capsule",
    directions=["Take 1 capsule (1.5 mg) by mouth at bedtime."],
    bud=date(2026, 7, 1),
    storage="Store at room temperature (20–25 °C).",
    lot_number="260102-C-011",
    rx_number="1009999",
    quantity="90 capsules",
    refills_remaining=5,
    fill_date=date(2026, 1, 2),
    prescriber="Dr. Siobhán Ní Bhriain-O'Donnell, DO, Integrative Medicine Associates",
    pharmacy=PHARMACY,
)

# A pharmacy name as long as real ones get: it wraps, it never squeezes the address out.
LONG_PHARMACY = dataclasses.replace(
    FIXED,
    pharmacy=Pharmacy(
        "Main Street Compounding Pharmacy & Wellness Center of Greater Springfield",
        "100 Main Street, Springfield, IL 62701",
        "(217) 555-0100",
    ),
)

PATIENT_SAMPLES = {
    "fixed": FIXED,
    "titration": TITRATION,
    "capsule-titration": CAPSULE_TITRATION,
    "long-name": LONG_NAME,
    "long-pharmacy": LONG_PHARMACY,
}


def titration_steps(n: int) -> list[str]:
    start = date(2026, 1, 5)
    out = []
    for i in range(n):
        a = start + timedelta(days=7 * i)
        b = a + timedelta(days=6)
        dose = Decimal("0.5") * (i + 1)
        out.append(
            f"{a:%b} {a.day}–{b:%b} {b.day}: Take {dose} mL ({dose} mg) by mouth at bedtime."
        )
    return out


BATCH = BatchLabelContent(
    preparation="Naltrexone HCl capsules (LDN)",
    strength="4.5 mg",
    form="capsule",
    quantity_per_container="100 capsules",
    quantity_made="330 capsules",
    lot_number="260105-C-003",
    bud=date(2026, 7, 4),
    storage="Room temperature (20–25 °C), tightly closed",
    compounded_on=date(2026, 1, 5),
    pharmacy=PHARMACY,
    containers=3,
)


def worksheet(steps: int = 8, status: str = "awaiting check") -> WorksheetContent:
    return WorksheetContent(
        lot_number="260105-C-003",
        formula_code="LDN-CAP-4.5",
        formula_name="Naltrexone HCl 4.5 mg capsules, MCC filler",
        formula_version=3,
        strength="4.5 mg",
        dosage_form="capsule, size 3",
        quantity_to_make="33 capsules (30 + 10 % overage)",
        compounded_at="2026-01-05 09:42",
        compounded_by="Tech Tomás García",
        checked_by=None,
        steps=[
            f"Step {i + 1}: weigh, triturate and mix geometrically; record the actual weight "
            "and initial. " + ("Use the aliquot method. " if i == 2 else "")
            for i in range(steps)
        ],
        components=[
            WorksheetComponent(
                "Naltrexone HCl (API)",
                "Spectrum",
                "2AB1234",
                date(2027, 3, 31),
                "163.5",
                "163.6",
                "mg",
            ),
            WorksheetComponent(
                "Microcrystalline cellulose PH-102",
                "Medisca",
                "MCC-" + "9" * 40,
                date(2027, 12, 31),
                "2886.5",
                None,
                "mg",
            ),
            WorksheetComponent(
                "Capsule shells size 3, clear",
                "Capsugel",
                "CS-77",
                date(2028, 1, 31),
                "33",
                "33",
                "each",
            ),
        ],
        weight_check=WeightCheck(
            10,
            Decimal("81.0"),
            Decimal("99.0"),
            [Decimal("90.1"), "89.7", "100.2", "90.0"],
            (2,),
            Decimal("90.0"),
        ),
        bud=date(2026, 7, 4),
        bud_basis="USP <795> non-aqueous (capsules): 180 days",
        storage="Room temperature",
        deviations=["Capsule 3 over weight: re-weighed, discarded and replaced."],
        qc_results=["Appearance: conforms", "Weight check: 1 of 4 out of range (see above)"],
        status=status,
        pharmacy=PHARMACY,
    )


def leaflet(weeks: int = 3) -> LeafletContent:
    start = date(2026, 1, 5)
    schedule = [
        ScheduleRow(
            start + timedelta(days=14 * i),
            start + timedelta(days=14 * i + 13),
            f"{Decimal('1.5') * (i + 1)} mg",
            f"{Decimal('1.5') * (i + 1)} mL",
        )
        for i in range(weeks)
    ]
    return LeafletContent(
        patient_name="Ольга Петрова",
        drug_line="Naltrexone HCl 1 mg/mL oral liquid",
        directions=list(TITRATION.directions),
        schedule=schedule,
        pharmacy=PHARMACY,
        rx_number="RX-1002346",
    )


def recall(rows: int = 5) -> RecallReportContent:
    return RecallReportContent(
        title="Recall: naltrexone HCl lot 2AB1234",
        subject="Ingredient lot 2AB1234 (Naltrexone HCl, Spectrum)",
        recalled_at="2026-02-10 14:05",
        recalled_by="Pharmacist Dana Kim",
        reason="Supplier notice: assay out of specification.",
        batches=[
            RecallBatch("260105-C-003", "Naltrexone HCl 4.5 mg capsules", "recalled"),
            ("260106-L-001", "Naltrexone HCl 1 mg/mL oral liquid", "recalled"),
        ],
        rows=[
            RecallRow(
                f"Patient Nº{i} Ölander-Smythe",
                f"(217) 555-{1000 + i}",
                f"{i} Long Road Apartment {i}, Springfield, IL 62701",
                f"10{i:05d}",
                date(2026, 1, 6),
                "30 capsules",
                "260105-C-003",
                "Dr. Amelia Hart",
                "(217) 555-0199",
            )
            for i in range(rows)
        ],
        pharmacy=PHARMACY,
    )
