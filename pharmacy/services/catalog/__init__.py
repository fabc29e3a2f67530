"""The ingredient catalog and the master formulation records (DOMAIN.md §10).

Service functions (the web and label engineers may call them; all return ORM rows or plain
data, none commits outside its own use case):

- `list_items(actor=None, kind=None) -> list[Item]`
- `get_item(code) -> Item` (NotFound)
- `list_formulas(active_only=True) -> list[Formula]` — the newest version of each code
- `get_formula(code, version=None) -> Formula` — the newest active version by default
- `add_item(actor, data) -> Item`, `set_item_active(actor, code, active=, reason=)`
  — an admin's catalog maintenance, audited (items are never deleted)
- `seed_catalog(session) -> int`, `seed_formulas(session) -> int` — idempotent seeders
  run by `pharmacy.seed.seed_reference_data` after every upgrade.

The seed data and its seeders are in `seed`; the use cases in `items` (the catalog),
`formulas` (looking master formulas up) and `revisions` (new versions, their approvals).
"""

from pharmacy.services.catalog.formulas import formula_by_code, get_formula, list_formulas
from pharmacy.services.catalog.items import (
    ITEM_CODE,
    add_item,
    get_item,
    item_by_code,
    list_items,
    set_item_active,
)
from pharmacy.services.catalog.revisions import (
    COPIED,
    REVISABLE,
    REVISION_MEANING,
    Approval,
    formula_approvals,
    formula_versions,
    revise_formula,
)
from pharmacy.services.catalog.seed import (
    API_CODES,
    CATALOG,
    FAWCETT_REFERENCE,
    FORMULAS,
    QC_CAPSULE,
    QC_LIQUID,
    seed_catalog,
    seed_formulas,
)

__all__ = [
    "API_CODES",
    "CATALOG",
    "COPIED",
    "FAWCETT_REFERENCE",
    "FORMULAS",
    "ITEM_CODE",
    "QC_CAPSULE",
    "QC_LIQUID",
    "REVISABLE",
    "REVISION_MEANING",
    "Approval",
    "add_item",
    "formula_approvals",
    "formula_by_code",
    "formula_versions",
    "get_formula",
    "get_item",
    "item_by_code",
    "list_formulas",
    "list_items",
    "revise_formula",
    "seed_catalog",
    "seed_formulas",
    "set_item_active",
]
