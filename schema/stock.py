"""Catalog, ingredient lots, formulas, batches, fills, trace and recall: what the API takes
and what it returns.

Each resource has its module (:mod:`schema.items`, :mod:`schema.formulas`,
:mod:`schema.lots`, :mod:`schema.batches`, :mod:`schema.fills`, :mod:`schema.trace`); this
module gathers them for the views that import them from here.
"""

from __future__ import annotations

from schema.batches import (
    BATCH_STATUSES,
    ActualIn,
    BatchIn,
    BatchOut,
    BatchPreviewOut,
    BatchQuery,
    BatchReleaseIn,
    ClearQuarantineIn,
    ComponentOut,
    RecordIn,
    WeightCheckOut,
)
from schema.fills import FillIn, FillOut, PersonRef
from schema.formulas import FormulaOut, FormulaRevisionIn
from schema.items import ItemActiveIn, ItemIn, ItemOut, ItemQuery
from schema.lots import (
    ASSAY_BASES,
    EXPIRY,
    FORMS,
    LOT_STATUSES,
    CoaIn,
    CoaOut,
    LotIn,
    LotOut,
    LotPasswordIn,
    LotQuery,
    StockReasonIn,
    SuggestOut,
    SuggestQuery,
)
from schema.trace import (
    BatchTraceOut,
    LotTraceOut,
    RecallOut,
    RecallSummary,
    TraceBatch,
    TraceComponent,
    TraceFill,
    TraceLotRef,
    TracePatient,
    TracePrescriber,
)

__all__ = [
    "ASSAY_BASES",
    "BATCH_STATUSES",
    "EXPIRY",
    "FORMS",
    "LOT_STATUSES",
    "ActualIn",
    "BatchIn",
    "BatchOut",
    "BatchPreviewOut",
    "BatchQuery",
    "BatchReleaseIn",
    "BatchTraceOut",
    "ClearQuarantineIn",
    "CoaIn",
    "CoaOut",
    "ComponentOut",
    "FillIn",
    "FillOut",
    "FormulaOut",
    "FormulaRevisionIn",
    "ItemActiveIn",
    "ItemIn",
    "ItemOut",
    "ItemQuery",
    "LotIn",
    "LotOut",
    "LotPasswordIn",
    "LotQuery",
    "LotTraceOut",
    "PersonRef",
    "RecallOut",
    "RecallSummary",
    "RecordIn",
    "StockReasonIn",
    "SuggestOut",
    "SuggestQuery",
    "TraceBatch",
    "TraceComponent",
    "TraceFill",
    "TraceLotRef",
    "TracePatient",
    "TracePrescriber",
    "WeightCheckOut",
]
