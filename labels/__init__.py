"""PDF rendering for the LDN pharmacy: frozen dataclasses in, PDF bytes out.

Imports only reportlab, python-barcode and the standard library. The same input always
gives byte-identical output. Text is never truncated: content that cannot fit its stock
raises ``LabelDoesNotFit``.
"""

from labels.content import (
    DEFAULT_CALL_US_WHEN,
    DEFAULT_HOW_TO_TAKE,
    DEFAULT_LDN_WARNINGS,
    DEFAULT_LEAFLET_ABOUT,
    DEFAULT_SIDE_EFFECTS,
    DEFAULT_WASHOUT_TEXT,
    ENGLISH_CAPTIONS,
    ENGLISH_LEAFLET_CAPTIONS,
    LIQUID_AUXILIARY,
    LIQUID_AUXILIARY_REFRIGERATED,
    PROTECT_FROM_LIGHT,
    REFRIGERATE,
    SHAKE_WELL,
    BatchLabelContent,
    LabelCaptions,
    LeafletCaptions,
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
from labels.errors import LabelDoesNotFit, LabelError, UnknownStock, UnsupportedCharacters
from labels.fonts import unprintable
from labels.render import (
    render_batch_labels,
    render_leaflet,
    render_patient_label,
    render_patient_labels,
    render_recall_report,
    render_worksheet,
)
from labels.stocks import DEFAULT_STOCK, STOCKS, LabelStock, get_stock
from labels.zpl import render_batch_labels_zpl, render_patient_label_zpl

__all__ = [
    "unprintable",
    "DEFAULT_CALL_US_WHEN",
    "DEFAULT_HOW_TO_TAKE",
    "DEFAULT_LDN_WARNINGS",
    "DEFAULT_LEAFLET_ABOUT",
    "DEFAULT_SIDE_EFFECTS",
    "DEFAULT_STOCK",
    "DEFAULT_WASHOUT_TEXT",
    "LIQUID_AUXILIARY",
    "LIQUID_AUXILIARY_REFRIGERATED",
    "PROTECT_FROM_LIGHT",
    "REFRIGERATE",
    "SHAKE_WELL",
    "STOCKS",
    "ENGLISH_CAPTIONS",
    "ENGLISH_LEAFLET_CAPTIONS",
    "LabelCaptions",
    "BatchLabelContent",
    "LabelDoesNotFit",
    "LabelError",
    "LabelStock",
    "LeafletCaptions",
    "LeafletContent",
    "PatientLabelContent",
    "Pharmacy",
    "RecallBatch",
    "RecallReportContent",
    "RecallRow",
    "ScheduleRow",
    "UnknownStock",
    "UnsupportedCharacters",
    "WeightCheck",
    "WorksheetComponent",
    "WorksheetContent",
    "get_stock",
    "render_batch_labels",
    "render_batch_labels_zpl",
    "render_leaflet",
    "render_patient_label",
    "render_patient_label_zpl",
    "render_patient_labels",
    "render_recall_report",
    "render_worksheet",
]
