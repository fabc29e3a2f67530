"""Printing: patient labels, batch labels, worksheets, leaflets and recall reports.

Each function gathers plain data from the records, hands it to the pure renderer in
`labels/`, and writes the print log (and its audit event) in the same transaction, so a
document exists in the log exactly when it was produced. A second print of the same
document for the same record is a reprint and needs a reason.

- `patient_label(actor, fill_id, stock_code, reason, today) -> bytes`
- `leaflet(actor, fill_id, reason, today) -> bytes`
- `batch_labels(actor, batch_id, stock_code, containers, quantity_per_container, reason, today)`
- `worksheet(actor, batch_id, reason, today) -> bytes`
- `print_queue(actor, today) -> list[dict]`
- `print_queued_labels(actor, fill_ids, stock_code, today) -> bytes`
- `recall_report(actor, recall_id, reason, today) -> bytes` (the PDF twin of the recall CSV)
- `print_history(document, entity_id) -> list[dict]`
- `print_fill_label` / `print_batch_labels` / `print_leaflet(actor, …, printer=NAME)` send
  straight to a print station (`direct`, over `transport`: IPP via CUPS or ZPL on 9100);
  the stations themselves are `stations` (`add_station`, `list_stations`, …).

One module per document (`patient_labels`, `leaflets`, `batch_labelling`, `worksheets`,
`recall_reports`), the queue of labels waiting (`label_queue`), the print log with its
reprint rule (`print_log`), and what every document shares: the renderer's refusals, the
label stock and the pharmacy's details (`rendering`).
"""

from pharmacy.services.printing.batch_labelling import batch_labels
from pharmacy.services.printing.direct import print_batch_labels, print_fill_label, print_leaflet
from pharmacy.services.printing.label_queue import print_queue, print_queued_labels
from pharmacy.services.printing.leaflets import leaflet
from pharmacy.services.printing.patient_labels import (
    LABELLABLE_PRESCRIPTION_STATUSES,
    patient_label,
    patient_label_content,
)
from pharmacy.services.printing.print_log import print_history
from pharmacy.services.printing.recall_reports import recall_report
from pharmacy.services.printing.stations import add_station, list_stations, set_station_active
from pharmacy.services.printing.worksheets import worksheet, worksheet_content

__all__ = [
    "LABELLABLE_PRESCRIPTION_STATUSES",
    "add_station",
    "batch_labels",
    "leaflet",
    "list_stations",
    "patient_label",
    "patient_label_content",
    "print_batch_labels",
    "print_fill_label",
    "print_history",
    "print_leaflet",
    "print_queue",
    "print_queued_labels",
    "recall_report",
    "set_station_active",
    "worksheet",
    "worksheet_content",
]
