"""What the renderer prints: frozen dataclasses of plain values (str, int, date, Decimal).

The renderer never looks anything up: every text that appears on a label, leaflet,
worksheet or report arrives here. The ``DEFAULT_*`` texts are seeded defaults; callers
(the services, from data the pharmacy can change) may pass their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from labels.dose_chart import DoseChart

# --- default texts (data, not rules: callers may pass their own) -------------------------

#: The first is the short opioid warning the container label prints in its emphasised box
#: (DOMAIN.md §9); the others may move to an auxiliary sticker beside it where room is short.
DEFAULT_LDN_WARNINGS: tuple[str, ...] = (
    "Do not take opioid pain, cough or diarrhea medicines, because they may cause sudden "
    "withdrawal. Stop 3 days (72 hours) before surgery unless your doctor says otherwise.",
    "Tell every doctor, dentist and emergency staff that you take naltrexone.",
    "Vivid dreams or trouble sleeping may occur in the first weeks.",
)

SHAKE_WELL = "Shake well"
PROTECT_FROM_LIGHT = "Protect from light"
REFRIGERATE = "Refrigerate"

#: Auxiliary texts for the oral liquid (add ``REFRIGERATE`` where the BUD assumes it).
LIQUID_AUXILIARY: tuple[str, ...] = (SHAKE_WELL, PROTECT_FROM_LIGHT)
#: Auxiliary texts for a refrigerated oral liquid.
LIQUID_AUXILIARY_REFRIGERATED: tuple[str, ...] = (SHAKE_WELL, PROTECT_FROM_LIGHT, REFRIGERATE)

DEFAULT_LEAFLET_ABOUT: tuple[str, ...] = (
    "Low-dose naltrexone (LDN) is naltrexone hydrochloride taken in small doses, "
    "usually 0.5 mg to 4.5 mg once a day. It was prepared (compounded) for you by "
    "our pharmacy from your prescriber's prescription.",
    "Naltrexone blocks the effect of opioid medicines. At low doses it is used for "
    "other conditions; your prescriber has explained why it was prescribed for you.",
)

DEFAULT_HOW_TO_TAKE: tuple[str, ...] = (
    "Take your dose by mouth once a day at bedtime, at about the same time each night.",
    "Follow the dates in the schedule below: your dose may go up step by step. "
    "Do not change your dose without talking to your prescriber or pharmacist.",
    "If you miss a dose, skip it and take the next dose at the usual time. "
    "Do not take two doses at once.",
    "Use the last column to note how you slept and any symptoms; bring it to your "
    "next appointment.",
)

#: How to take a fixed dose: the same words, but nothing about a dose that goes up.
DEFAULT_HOW_TO_TAKE_FIXED: tuple[str, ...] = (
    DEFAULT_HOW_TO_TAKE[0],
    "Take the same dose every day, on the dates in the schedule below. Do not change your "
    "dose without talking to your prescriber or pharmacist.",
    *DEFAULT_HOW_TO_TAKE[2:],
)

DEFAULT_WASHOUT_TEXT: tuple[str, ...] = (
    "If you have been taking opioid medicines, do not start LDN until you have stopped "
    "them for long enough: about 7 to 10 days after short-acting opioids, 10 to 14 days "
    "after methadone, and about 14 days after buprenorphine. Ask us if you are unsure.",
    "Planned surgery or procedure: stop LDN about 72 hours (3 days) before, or as your "
    "surgeon or prescriber instructs, and tell the team you take naltrexone.",
    "In an emergency, tell the staff you take naltrexone: opioid pain medicines may not "
    "work as expected.",
)

DEFAULT_SIDE_EFFECTS: tuple[str, ...] = (
    "Vivid dreams or trouble sleeping, mostly in the first weeks. Taking the dose in the "
    "morning instead may help: ask your prescriber.",
    "Headache, nausea or tiredness, usually mild and short-lived.",
)

DEFAULT_CALL_US_WHEN: tuple[str, ...] = (
    "You are prescribed or need an opioid medicine (for pain, cough or diarrhea).",
    "You have surgery or a procedure planned.",
    "Side effects are bothering you or do not settle after the first weeks.",
    "You have yellowing of the skin or eyes, dark urine or pain in the upper right of "
    "your stomach.",
    "You have any question about your medicine or your dosing schedule.",
)


# --- shared -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pharmacy:
    name: str
    address: str
    phone: str


# --- patient label ------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelCaptions:
    """The fixed words of a patient label, in the label's language (the caller translates)."""

    compounded: str = "Compounded preparation"
    rx: str = "Rx"
    lot: str = "Lot"
    filled: str = "Filled"
    use_by: str = "Use by (BUD)"
    quantity: str = "Qty"
    refills: str = "Refills"
    storage: str = "Storage:"
    prescriber: str = "Prescriber:"
    tel: str = "Tel"
    continued: str = "(continued)"
    english: str = "English:"
    dates: str = "Dates:"


ENGLISH_CAPTIONS = LabelCaptions()


@dataclass(frozen=True)
class PatientLabelContent:
    """Everything on a patient (dispensing) label.

    ``directions``: the complete directions (a titration in the concise USP <17> sentence),
    always printed whole in the critical cluster. ``warnings[0]`` is the opioid warning,
    printed in a box with a pictogram on the label itself; the other warnings and the
    auxiliary texts print on the label where it has room, else on a sticker beside it.
    Printed where the stock has room, never instead: ``dated_directions`` (the steps with
    their dates) and, on a label in another language, ``english_directions`` and
    ``english_warning``. ``large_print``: the critical cluster at 14 pt or more.
    ``fill_date_text``/``bud_text``: the dates as the caller formats them for the language.
    """

    patient_name: str
    drug_line: str
    directions: Sequence[str]
    bud: date
    storage: str
    lot_number: str
    rx_number: str
    quantity: str
    refills_remaining: int
    fill_date: date
    prescriber: str
    pharmacy: Pharmacy
    warnings: tuple[str, ...] = DEFAULT_LDN_WARNINGS
    auxiliary: tuple[str, ...] = ()
    dated_directions: Sequence[str] = ()
    english_directions: Sequence[str] = ()
    english_warning: str = ""
    large_print: bool = False
    captions: LabelCaptions = ENGLISH_CAPTIONS
    fill_date_text: str = ""
    bud_text: str = ""
    #: What the barcode holds: it begins with the Rx number and identifies the fill
    #: (``RX100003-1``); the Rx number alone when not given.
    barcode_data: str | None = None


# --- batch (stock) label --------------------------------------------------------------------


@dataclass(frozen=True)
class BatchLabelContent:
    """A batch (stock) label: the batch as made, and apart from it what this container
    holds (``quantity_per_container``, e.g. a share of what remains on hand)."""

    preparation: str
    strength: str
    form: str
    quantity_per_container: str
    quantity_made: str  # the batch's total as made ("220 capsules", "105 mL")
    lot_number: str
    bud: date
    storage: str
    compounded_on: date
    pharmacy: Pharmacy
    containers: int = 1


# --- compounding worksheet ------------------------------------------------------------------


@dataclass(frozen=True)
class WorksheetComponent:
    item_name: str
    manufacturer: str
    manufacturer_lot: str
    expiry: date
    theoretical: str
    actual: str | None
    unit: str


@dataclass(frozen=True)
class WeightCheck:
    """Capsule weight check: ``sample`` capsules weighed one by one (mg)."""

    sample: int
    low_mg: Decimal | str
    high_mg: Decimal | str
    weights: Sequence[Decimal | str]
    out_of_tolerance: Sequence[int] = ()  # 0-based indexes into ``weights``
    target_mg: Decimal | str | None = None


@dataclass(frozen=True)
class WorksheetContent:
    lot_number: str
    formula_code: str
    formula_name: str
    formula_version: str | int
    strength: str
    dosage_form: str
    quantity_to_make: str
    compounded_at: str
    compounded_by: str | None
    checked_by: str | None
    steps: Sequence[str]
    components: Sequence[WorksheetComponent]
    weight_check: WeightCheck | None
    bud: date
    bud_basis: str
    storage: str
    deviations: Sequence[str]
    qc_results: Sequence[str]
    status: str
    pharmacy: Pharmacy


# --- patient leaflet ------------------------------------------------------------------------


@dataclass(frozen=True)
class LeafletCaptions:
    """The fixed words of the leaflet, in its language (the caller translates).
    ``use_by_advice`` holds ``{date}``; ``page_of`` ``{page}`` and ``{pages}``."""

    title: str = "Your low-dose naltrexone (LDN)"
    patient: str = "For:"
    medicine: str = "Medicine:"
    rx_number: str = "Rx number:"
    rx: str = "Rx"
    what_ldn_is: str = "What LDN is"
    how_to_take: str = "How to take it"
    in_english: str = "In English:"
    how_to_keep: str = "How to keep it"
    use_by: str = "Use by:"
    use_by_advice: str = "{date}. Do not use it after this date: ask us for a refill before then."
    storage: str = "Storage:"
    schedule: str = "Your dosing schedule"
    warnings: str = "Important warnings"
    cautions: str = "Your other medicines and conditions"
    washout: str = "Before you start, and before surgery"
    side_effects: str = "Possible side effects"
    call_us: str = "Call us or your prescriber when"
    calendar: str = "Daily calendar: note how you slept and any symptoms"
    step: str = "Step"
    start: str = "From"
    end: str = "To (including)"
    dose: str = "Dose at bedtime"
    amount: str = "How much"
    day: str = "Date"
    days: str = "Dates"
    taken: str = "Taken \u2713"
    sleep: str = "Sleep (dreams, waking)"
    symptoms: str = "Other symptoms"
    new_supply: str = "new supply"
    page_of: str = "Page {page} of {pages}"


ENGLISH_LEAFLET_CAPTIONS = LeafletCaptions()


@dataclass(frozen=True)
class ScheduleRow:
    start: date
    end: date
    dose: str  # "1.5 mg"
    amount: str  # "1 capsule" / "1.5 mL"
    # The dates as the caller writes them for the leaflet's language ("" : Jan 5, 2026).
    start_text: str = ""
    end_text: str = ""


@dataclass(frozen=True)
class LeafletContent:
    patient_name: str
    drug_line: str
    directions: Sequence[str]
    schedule: Sequence[ScheduleRow]
    pharmacy: Pharmacy
    warnings: tuple[str, ...] = DEFAULT_LDN_WARNINGS
    washout_text: Sequence[str] = DEFAULT_WASHOUT_TEXT
    side_effects: Sequence[str] = DEFAULT_SIDE_EFFECTS
    call_us_when: Sequence[str] = DEFAULT_CALL_US_WHEN
    rx_number: str = ""
    about: Sequence[str] = DEFAULT_LEAFLET_ABOUT
    how_to_take: Sequence[str] = DEFAULT_HOW_TO_TAKE
    # How to keep this fill, as its label says: the use-by date, storage and the auxiliary
    # texts (shake well, protect from light, refrigerate).
    bud: date | None = None
    storage: str = ""
    auxiliary: tuple[str, ...] = ()
    # Advice for the cautions the clinical screen raised (thyroid hormone, liver…): rule
    # texts, one paragraph each (DOMAIN.md §11).
    caution_advice: tuple[str, ...] = ()
    # The dose over time as a step chart (labels/dose_chart.py), under the schedule.
    dose_chart: DoseChart | None = None
    # In the patient's language (the caller translates): the fixed words, the use-by date
    # and each calendar day as written for it ("" or missing: English, "Jan 5, 2026" and
    # "Mon Jan 5"); on a leaflet in another language, the directions in English too.
    captions: LeafletCaptions = ENGLISH_LEAFLET_CAPTIONS
    bud_text: str = ""
    day_texts: Mapping[date, str] = field(default_factory=dict)
    english_directions: Sequence[str] = ()


# --- recall report --------------------------------------------------------------------------


class RecallBatch(NamedTuple):
    lot_number: str
    preparation: str
    status: str


@dataclass(frozen=True)
class RecallRow:
    patient_name: str
    patient_phone: str
    patient_address: str
    rx_number: str
    fill_date: date | str
    quantity: str
    batch_lot: str
    prescriber_name: str
    prescriber_phone: str


@dataclass(frozen=True)
class RecallReportContent:
    title: str
    subject: str  # what was recalled: ingredient lot + item, or a batch
    recalled_at: str
    recalled_by: str
    reason: str
    batches: Sequence[tuple[str, str, str]]  # (lot_number, preparation, status); RecallBatch fits
    rows: Sequence[RecallRow]
    pharmacy: Pharmacy
