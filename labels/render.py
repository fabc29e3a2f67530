"""All renderers in one place: content dataclasses in, PDF bytes out."""

from __future__ import annotations

from labels.batch import render_batch_labels
from labels.leaflet import render_leaflet
from labels.patient import render_patient_label, render_patient_labels
from labels.recall import render_recall_report
from labels.worksheet import render_worksheet

__all__ = [
    "render_batch_labels",
    "render_leaflet",
    "render_patient_label",
    "render_patient_labels",
    "render_recall_report",
    "render_worksheet",
]
