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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import AuditEvent, Formula, Item
from pharmacy.services.rules import current_rules
from pharmacy.services.signatures import check_signature
from pharmacy.services.uow import query, use_case

# code, name, kind, base unit, engine code, capsule size, contains lactose
CATALOG: tuple[tuple[str, str, str, str, str | None, str | None, bool], ...] = (
    ("naltrexone-hcl", "Naltrexone HCl powder (API)", "api_powder", "mg", "powder", None, False),
    (
        "naltrexone-50mg-tablet",
        "Naltrexone HCl 50 mg tablet",
        "api_tablet",
        "each",
        "tablets",
        None,
        True,
    ),
    ("mcc", "Microcrystalline cellulose (Avicel PH-102)", "filler", "mg", "mcc", None, False),
    ("lactose", "Lactose monohydrate", "filler", "mg", "lactose", None, True),
    ("sodium-bicarbonate", "Sodium bicarbonate", "filler", "mg", "sodium_bicarbonate", None, False),
    *(
        (
            f"capsule-{size}",
            f"Hard gelatin capsule shell, size {size}",
            "capsule_shell",
            "each",
            None,
            size,
            False,
        )
        for size in ("000", "00", "0", "1", "2", "3", "4", "5")
    ),
    ("purified-water", "Purified water", "vehicle", "mL", "purified_water", None, False),
    ("glycerol", "Glycerol (glycerin)", "vehicle", "mL", "glycerol", None, False),
    ("syrup", "Simple syrup", "vehicle", "mL", "syrup", None, False),
    ("ascorbic-acid", "Ascorbic acid", "excipient", "mg", "ascorbic_acid", None, False),
    ("sodium-benzoate", "Sodium benzoate", "preservative", "mg", "sodium_benzoate", None, False),
)

API_CODES = ["naltrexone-hcl", "naltrexone-50mg-tablet"]
FAWCETT_REFERENCE = (
    "Fawcett JM et al. Ann Pharmacother 1997;31:1291 (1 mg/mL with 0.5% ascorbic acid, "
    "0.1% sodium benzoate, 20% glycerol)"
)
QC_CAPSULE = [
    "Weight check: weigh min(10, units) capsules one by one; each within the tolerance of "
    "the theoretical fill weight",
    "Visual: uniform powder, capsules closed and clean",
]
QC_LIQUID = ["Visual: clear solution or uniform suspension, no particles", "Final volume checked"]

FORMULAS: tuple[dict[str, Any], ...] = (
    {
        "code": "ldn-capsule-mcc",
        "name": "Naltrexone HCl capsules in microcrystalline cellulose",
        "dosage_form": "capsule",
        "lot_letter": "C",
        "capsule_size": "3",
        "bud_category": "capsule",
        "ingredients": [
            {
                "role": "api",
                "item_codes": API_CODES,
                "salt_form": "naltrexone HCl (anhydrous basis, potency from the lot's CoA)",
            },
            {"role": "filler", "item_codes": ["mcc"]},
            {"role": "capsule_shell", "item_codes": ["capsule-3"]},
        ],
        "steps": [
            "Weigh the naltrexone (aliquot method below the balance minimum).",
            "Weigh the filler; mix geometrically until uniform.",
            "Fill and close the capsules; weight-check.",
        ],
        "container": "Amber plastic vial with child-resistant closure",
        "labeling": ["Do not use opioid medicines", "Compounded preparation"],
        "quality_checks": QC_CAPSULE,
        "reference": "DOMAIN.md §3 pack-stat method; USP <795>",
    },
    {
        "code": "ldn-liquid-1mg-preserved",
        "name": "Naltrexone HCl 1 mg/mL oral solution, preserved (Fawcett)",
        "dosage_form": "liquid",
        "lot_letter": "L",
        "preserved": True,
        "aqueous": True,
        "bud_category": "aqueous_preserved",
        "ingredients": [
            {"role": "api", "item_codes": API_CODES},
            {"role": "ascorbic_acid", "item_codes": ["ascorbic-acid"]},
            {"role": "sodium_benzoate", "item_codes": ["sodium-benzoate"]},
            {"role": "glycerol", "item_codes": ["glycerol"]},
            {"role": "purified_water", "item_codes": ["purified-water"]},
        ],
        "parameters": {"concentration_mg_per_ml": "1"},
        "steps": [
            "Dissolve ascorbic acid, sodium benzoate and the naltrexone in about half the water.",
            "Add the glycerol; make up to volume with purified water; mix well.",
        ],
        "container": "Amber glass bottle with oral syringes",
        "labeling": ["Shake well", "Protect from light", "Refrigerate"],
        "quality_checks": QC_LIQUID,
        "reference": FAWCETT_REFERENCE,
    },
    {
        "code": "ldn-liquid-1mg-unpreserved",
        "name": "Naltrexone HCl 1 mg/mL oral solution in purified water (unpreserved)",
        "dosage_form": "liquid",
        "lot_letter": "L",
        "preserved": False,
        "aqueous": True,
        "bud_category": "aqueous_unpreserved",
        "ingredients": [
            {"role": "api", "item_codes": API_CODES},
            {"role": "purified_water", "item_codes": ["purified-water"]},
        ],
        "parameters": {"concentration_mg_per_ml": "1"},
        "steps": ["Dissolve (or disperse) the naltrexone in purified water; make up to volume."],
        "container": "Amber glass bottle with oral syringes",
        "labeling": ["Shake well", "Refrigerate", "Discard at the BUD"],
        "quality_checks": QC_LIQUID,
        "reference": "USP <795> aqueous, not preserved",
    },
    {
        "code": "ldn-triturate-10pct",
        "name": "Naltrexone HCl 10 % w/w triturate in microcrystalline cellulose",
        "dosage_form": "triturate",
        "lot_letter": "T",
        "bud_category": "capsule",
        "ingredients": [
            {"role": "api", "item_codes": ["naltrexone-hcl"]},
            {"role": "filler", "item_codes": ["mcc"]},
        ],
        "parameters": {"api_fraction": "0.1"},
        "steps": ["Weigh the naltrexone and the MCC; triturate geometrically until uniform."],
        "container": "Amber glass jar, tightly closed",
        "labeling": ["Intermediate: for compounding only"],
        "quality_checks": ["Visual: uniform powder"],
        "reference": "DOMAIN.md §4 aliquot method (stock triturate)",
    },
)


def seed_catalog(session: Session) -> int:
    existing = set(session.execute(select(Item.code)).scalars())
    added = 0
    for code, name, kind, unit, engine, size, lactose in CATALOG:
        if code in existing:
            continue
        session.add(
            Item(
                code=code,
                name=name,
                kind=kind,
                base_unit=unit,
                engine_code=engine,
                capsule_size=size,
                contains_lactose=lactose,
            )
        )
        added += 1
    return added


def seed_formulas(session: Session) -> int:
    existing = set(session.execute(select(Formula.code)).scalars())
    added = 0
    for spec in FORMULAS:
        if spec["code"] in existing:
            continue
        session.add(Formula(version=1, weighing_tolerance_percent=Decimal(5), **spec))
        added += 1
    return added


ITEM_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")


def _engine_code_problem(data: dict[str, Any], rules: Any) -> tuple[str, str] | None:
    kind, engine_code = data["kind"], data.get("engine_code")
    if kind == "filler":
        if not engine_code or rules.filler(engine_code) is None:
            known = ", ".join(f.code for f in rules.fillers)
            return "engine_code", f"a filler names its filler rule (one of {known})"
        if rules.filler(engine_code).status == "never":
            return "engine_code", f"{rules.filler(engine_code).name} may never be used in LDN"
    if kind == "capsule_shell":
        if data.get("capsule_size") not in rules.capsule_volumes_ml:
            sizes = ", ".join(rules.capsule_volumes_ml)
            return "capsule_size", f"a capsule shell needs its size (one of {sizes})"
    elif data.get("capsule_size"):
        return "capsule_size", "only capsule shells have a size"
    return None


@use_case
def add_item(session: Session, actor: Actor, data: dict[str, Any]) -> Item:
    """Add a catalog item (an admin's task): lots can then be received as it."""
    code = data["code"]
    if not ITEM_CODE.fullmatch(code):
        raise Invalid("code", "use lowercase letters, digits and hyphens (2 to 60)")
    if session.execute(select(Item.id).where(Item.code == code)).first():
        raise Invalid("code", "another item has this code")
    expected_unit = {"capsule_shell": "each", "api_tablet": "each", "vehicle": "mL"}.get(
        data["kind"]
    )
    if expected_unit and data["base_unit"] != expected_unit:
        raise Invalid(
            "base_unit", f"a {data['kind'].replace('_', ' ')} is counted in {expected_unit}"
        )
    problem = _engine_code_problem(data, current_rules(session))
    if problem:
        raise Invalid(*problem)
    item = Item(
        code=code,
        name=data["name"],
        kind=data["kind"],
        base_unit=data["base_unit"],
        engine_code=data.get("engine_code"),
        capsule_size=data.get("capsule_size"),
        contains_lactose=bool(data.get("contains_lactose")),
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor,
        "item.added",
        "item",
        item.id,
        after={"code": code, "name": item.name, "kind": item.kind, "unit": item.base_unit},
    )
    return item


@use_case
def set_item_active(
    session: Session, actor: Actor, code: str, *, active: bool, reason: str
) -> Item:
    """Withdraw an item from use (no new lots are received as it) or bring it back."""
    item = session.execute(
        select(Item).where(Item.code == code).with_for_update()
    ).scalar_one_or_none()
    if item is None:
        raise NotFound(f"No catalog item {code}.")
    if item.active == active:
        raise Conflict(f"{item.name} is already {'active' if active else 'withdrawn'}.")
    item.active = active
    audit.record(
        session,
        actor,
        "item.activated" if active else "item.withdrawn",
        "item",
        item.id,
        before={"active": not active},
        after={"active": active},
        reason=reason,
    )
    return item


@query
def list_items(
    session: Session, kind: str | None = None, include_withdrawn: bool = False
) -> list[Item]:
    stmt = select(Item).order_by(Item.code)
    if not include_withdrawn:
        stmt = stmt.where(Item.active.is_(True))
    if kind:
        stmt = stmt.where(Item.kind == kind)
    return list(session.execute(stmt).scalars())


def item_by_code(session: Session, code: str, field: str = "item_code") -> Item:
    item = session.execute(select(Item).where(Item.code == code)).scalar_one_or_none()
    if item is None:
        raise Invalid(field, f"no catalog item has the code '{code}'")
    return item


@query
def get_item(session: Session, code: str) -> Item:
    item = session.execute(select(Item).where(Item.code == code)).scalar_one_or_none()
    if item is None:
        raise NotFound(f"No catalog item {code}.")
    return item


def _latest_versions(session: Session) -> Any:
    return (
        select(Formula.code, func.max(Formula.version).label("version"))
        .where(Formula.active.is_(True))
        .group_by(Formula.code)
        .subquery()
    )


@query
def list_formulas(session: Session) -> list[Formula]:
    latest = _latest_versions(session)
    stmt = (
        select(Formula)
        .join(latest, (Formula.code == latest.c.code) & (Formula.version == latest.c.version))
        .order_by(Formula.code)
    )
    return list(session.execute(stmt).scalars())


def formula_by_code(
    session: Session, code: str, version: int | None = None, field: str = "formula_code"
) -> Formula:
    stmt = select(Formula).where(Formula.code == code, Formula.active.is_(True))
    versions = list(session.execute(stmt.order_by(Formula.version.desc())).scalars())
    if not versions:
        known = ", ".join(sorted(session.execute(select(Formula.code).distinct()).scalars()))
        raise Invalid(field, f"no master formula '{code}'; known: {known}")
    if version is None:
        return versions[0]
    for formula in versions:
        if formula.version == version:
            return formula
    shown = ", ".join(str(f.version) for f in reversed(versions))
    raise Invalid("formula_version", f"{code} has no version {version}; its versions: {shown}")


@query
def get_formula(session: Session, code: str, version: int | None = None) -> Formula:
    try:
        return formula_by_code(session, code, version)
    except Invalid as error:
        which = f"{code} version {version}" if version else code
        raise NotFound(f"No master formula {which}.") from error


# What a revision may change. The ingredients, dosage form, capsule size and BUD category
# are what the formulation engine computes from: changing them makes a different
# preparation, a new master formula, not a new version of this one.
REVISABLE = (
    "name",
    "steps",
    "container",
    "labeling",
    "quality_checks",
    "reference",
    "weighing_tolerance_percent",
    "stability_days",
    "stability_storage",
    "stability_reference",
)
COPIED = (
    "code",
    "dosage_form",
    "lot_letter",
    "capsule_size",
    "preserved",
    "aqueous",
    "bud_category",
    "ingredients",
    "parameters",
)
REVISION_MEANING = (
    "I approve this version of the master formulation record; batches started from now on "
    "follow it."
)


def _named_formula(session: Session, code: str) -> Formula:
    """The newest version of the formula a URL names (404 when there is none)."""
    try:
        return formula_by_code(session, code)
    except Invalid as error:
        raise NotFound(f"No master formula {code}.") from error


def _stability_problem(values: dict[str, Any]) -> tuple[str, str] | None:
    days, reference = values["stability_days"], values["stability_reference"]
    if days is None:
        if reference or values["stability_storage"]:
            return "stability_days", "give the days of the stability override, or clear it"
        return None
    if not reference or len(reference.strip()) < 3:
        return "stability_reference", "a stability override needs its reference"
    return None


@use_case
def revise_formula(
    session: Session,
    actor: Actor,
    code: str,
    changes: dict[str, Any],
    *,
    password: str,
    reason: str,
    based_on_version: int | None = None,
) -> Formula:
    """A new version of a master formula, approved with the pharmacist's signature. The
    previous versions stay as they were: each batch keeps the version it was made with.
    `based_on_version` is the version the changes were made to (a form shows one); when
    another has been approved since, nothing is changed (409)."""
    current = _named_formula(session, code)
    # Lock the newest version, then look again: a revision approved meanwhile (by someone
    # whose lock we waited for) must not be overwritten by one built on what it replaced.
    session.execute(select(Formula.id).where(Formula.id == current.id).with_for_update())
    newest = session.execute(
        select(func.max(Formula.version)).where(Formula.code == code)
    ).scalar_one()
    expected = current.version if based_on_version is None else based_on_version
    if newest != expected:
        raise Conflict(
            f"Version {newest} of this formula has been approved since version {expected} "
            "was read; review it (reload the page) and make your changes to it.",
            {"based_on_version": [f"the current version is {newest}"]},
        )
    values = {name: getattr(current, name) for name in REVISABLE}
    proposed = {**values, **{k: v for k, v in changes.items() if k in REVISABLE}}
    for name in ("stability_storage", "stability_reference"):
        proposed[name] = proposed[name] or None
    # Clearing the days clears the whole override (the default BUD applies again), unless
    # a storage or reference was given with it: then it is the days that are missing.
    clearing = "stability_days" in changes and changes["stability_days"] is None
    if clearing and not (changes.get("stability_storage") or changes.get("stability_reference")):
        proposed["stability_storage"] = proposed["stability_reference"] = None
    changed = sorted(name for name in REVISABLE if proposed[name] != values[name])
    if not changed:
        raise Invalid("_schema", "nothing differs from the current version")
    problem = _stability_problem(proposed)
    if problem:
        raise Invalid(*problem)
    user = check_signature(session, actor, password)
    revision = Formula(
        version=newest + 1,
        active=True,
        **{name: getattr(current, name) for name in COPIED},
        **proposed,
    )
    session.add(revision)
    session.flush()
    audit.record(
        session,
        actor,
        "formula.revised",
        "formula",
        revision.id,
        before={"code": code, "version": current.version, **{k: values[k] for k in changed}},
        after={
            "code": code,
            "version": revision.version,
            **{k: proposed[k] for k in changed},
            "signature_name": user.full_name,
            "signature_meaning": REVISION_MEANING,
        },
        reason=reason,
    )
    return revision


@query
def formula_versions(session: Session, code: str) -> list[Formula]:
    """Every version of a master formula, newest first."""
    _named_formula(session, code)
    return list(
        session.execute(
            select(Formula).where(Formula.code == code).order_by(Formula.version.desc())
        ).scalars()
    )


@dataclass(frozen=True)
class Approval:
    signed_by: str
    reason: str | None


@query
def formula_approvals(session: Session, code: str) -> dict[int, Approval]:
    """Who approved each revised version of a formula, and why (from the audit trail;
    seeded first versions have none)."""
    versions = select(Formula.id, Formula.version).where(Formula.code == code)
    ids = dict(session.execute(versions).all())
    events = session.execute(
        select(AuditEvent.entity_id, AuditEvent.after, AuditEvent.reason).where(
            AuditEvent.action == "formula.revised",
            AuditEvent.entity_type == "formula",
            AuditEvent.entity_id.in_([str(i) for i in ids]),
        )
    ).all()
    return {
        ids[int(entity_id)]: Approval((after or {}).get("signature_name", ""), reason)
        for entity_id, after, reason in events
    }
