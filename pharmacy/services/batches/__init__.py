"""Compounding batches: amounts from the engine for the ACTUAL chosen lots, lots suggested
first-expiry-first-out, the compounding record (actuals, weight check, deviations) and the
pharmacist's final check (DOMAIN.md §2-§6, §10).

Service functions (web and label engineers):

- `create_batch(actor, data, today) -> dict` — data: formula_code, strength_mg |
  concentration_mg_per_ml, quantity, lot_ids?, manufacturer_lots?, source_batch_ids?,
  capsule_size?, dose_basis?, dose_mg?, prescription_id?. Returns `batch_data(...)`.
- `preview_batch(actor, data, today) -> dict` — the same computation, nothing saved.
- `suggest_lots(formula_code, today, capsule_size=None) -> dict[role, list[lot dict]]` (FEFO)
- `record_batch(actor, batch_id, actuals, capsule_weights_mg, today, yield_units=None)`
- `release_batch(actor, batch_id, password, today, acknowledge_deviations=False)`
- `reject_batch(actor, batch_id, reason)`
- `get_batch(actor, batch_ref, today) -> dict`; `batch_ref` is an id or a lot number
- `list_batches(actor, status=None, formula_code=None, today) -> list[dict]`
- `batch_worksheet_data(batch_id, today) -> dict` — everything a worksheet / batch label
  prints: formula (code, version, name, steps, container, QC), lot number, BUD, storage,
  components with manufacturer, lot, expiry, theoretical and actual amounts, calculation
  steps, weight check, capsule weights, deviations, who compounded / checked and when.
- `batch_data(batch, today) -> dict` — the plain view every other function returns.

The modules: `planning` (a plan per dosage form for the chosen sources, and its BUD),
`lot_choice` (named lots checked, the others tried FEFO until the plan has the stock),
`stock_moves` (taking from and giving back to lots and batches), `prescription_fit` (a
batch made for one patient's prescription), `lifecycle` (create, record, release, reject,
clear quarantine) and `queries` (look-ups, plain views, lists, preview, worksheet data).
"""

from pharmacy.services.batches.lifecycle import (
    CLEAR_QUARANTINE_MEANING,
    LOT_NUMBER,
    RELEASE_MEANING,
    clear_quarantine,
    create_batch,
    record_batch,
    reject_batch,
    release_batch,
)
from pharmacy.services.batches.lot_choice import MAX_FEFO_TRIES, plan_batch
from pharmacy.services.batches.planning import HUNDRED, PLANNERS, Plan, PlannedComponent, Source
from pharmacy.services.batches.prescription_fit import batch_has_lactose
from pharmacy.services.batches.queries import (
    _ref_clause,
    batch_by_ref,
    batch_data,
    batch_state,
    batch_worksheet_data,
    component_data,
    get_batch,
    list_batches,
    locked_batch,
    preview_batch,
    suggest_lots,
)
from pharmacy.services.batches.stock_moves import try_take_from_batch

__all__ = [
    "CLEAR_QUARANTINE_MEANING",
    "HUNDRED",
    "LOT_NUMBER",
    "MAX_FEFO_TRIES",
    "PLANNERS",
    "RELEASE_MEANING",
    "Plan",
    "PlannedComponent",
    "Source",
    "_ref_clause",
    "batch_by_ref",
    "batch_data",
    "batch_has_lactose",
    "batch_state",
    "batch_worksheet_data",
    "clear_quarantine",
    "component_data",
    "create_batch",
    "get_batch",
    "list_batches",
    "locked_batch",
    "plan_batch",
    "preview_batch",
    "record_batch",
    "reject_batch",
    "release_batch",
    "suggest_lots",
    "try_take_from_batch",
]
