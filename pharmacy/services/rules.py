"""The rule numbers in force: the seeded defaults as changed by an admin."""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import DEFAULT_RULES, Rule, Rules
from pharmacy.errors import Invalid, NotFound
from pharmacy.models import RuleValue
from pharmacy.models._types import utcnow
from pharmacy.services.uow import query, use_case

# Parsed rules per engine, with the fingerprint of the rows they were parsed from. Every
# request checks the fingerprint (one small aggregate query, sent on the session's
# connection as a Core statement: nothing of it goes into the session), so a change made
# through any server is seen by every other at once; the rows are read and parsed again only
# when it moved.
_PARSED: weakref.WeakKeyDictionary[Engine, tuple[tuple[Any, ...], Rules]] = (
    weakref.WeakKeyDictionary()
)


# The rows' count, the sum of their versions and the newest change: any change an admin
# makes moves at least one of them.
FINGERPRINT = select(
    func.count(RuleValue.name).label("rules_count"),
    func.coalesce(func.sum(RuleValue.version), 0).label("rules_versions"),
    func.max(RuleValue.updated_at).label("rules_changed"),
)


def _fingerprint(session: Session) -> tuple[Any, ...]:
    return tuple(session.connection().execute(FINGERPRINT).one())


def current_rules(session: Session) -> Rules:
    """The rules in force: the seeded defaults as changed by an admin."""
    engine = session.get_bind()
    cached = _PARSED.get(engine)  # type: ignore[arg-type]
    fingerprint = _fingerprint(session)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    rows = session.execute(select(RuleValue)).scalars().all()
    rules = (
        Rules.from_records(
            Rule(name=row.name, value=row.value, unit=row.unit, source=row.source) for row in rows
        )
        if rows
        else DEFAULT_RULES
    )
    _PARSED[engine] = (fingerprint, rules)  # type: ignore[index]
    return rules


def seed_rules(session: Session) -> int:
    """Insert any default rule that has no row yet, and bring a default no one has changed
    up to this release (a longer opioid table, say); never overwrite an admin's change.
    Returns how many rows were added or brought up to date."""
    stored = {row.name: row for row in session.execute(select(RuleValue)).scalars()}
    touched = 0
    for rule in DEFAULT_RULES.as_records():
        row = stored.get(rule.name)
        if row is None:
            session.add(
                RuleValue(name=rule.name, value=rule.value, unit=rule.unit, source=rule.source)
            )
            touched += 1
            continue
        untouched = row.version == 1 and row.updated_by_user_id is None
        current = (row.value, row.unit, row.source) == (rule.value, rule.unit, rule.source)
        if current or not untouched:
            continue
        audit.record(
            session,
            audit.SYSTEM,
            "rule.release_updated",
            "rule",
            rule.name,
            before={"release": _release(stored)},
            after={"release": DEFAULT_RULES.version},
        )
        row.value, row.unit, row.source = rule.value, rule.unit, rule.source
        row.updated_at = utcnow()
        touched += 1
    return touched


def _release(stored: dict[str, RuleValue]) -> Any:
    row = stored.get("version")
    return None if row is None else row.value


def change_rule(session: Session, actor: Actor, name: str, value: Any, source: str) -> RuleValue:
    row = session.get(RuleValue, name)
    if row is None:
        raise NotFound(f"No rule named {name}.")
    before = {"value": row.value, "source": row.source, "version": row.version}
    candidate = [
        r if r.name != name else Rule(name=name, value=value, unit=r.unit, source=source)
        for r in current_rules(session).as_records()
    ]
    try:
        Rules.from_records(candidate)
    except FormulationError as error:
        broken = error.field.removeprefix("rules.")
        if broken == name:
            raise Invalid("value", f"{name} {error.message}") from error
        raise Invalid("value", f"with this value, {broken} {error.message}") from error
    except (ValueError, TypeError) as error:
        raise Invalid("value", f"not a valid value for {name}: {error}") from error
    row.value = value
    row.source = source
    row.version += 1
    row.updated_at = utcnow()
    row.updated_by_user_id = actor.user_id
    audit.record(
        session,
        actor,
        "rule.changed",
        "rule",
        name,
        before=before,
        after={"value": value, "source": source, "version": row.version},
    )
    return row


@query
def rules_in_force(session: Session) -> Rules:
    return current_rules(session)


@query
def rule_rows(session: Session) -> list[RuleValue]:
    return list(session.execute(select(RuleValue).order_by(RuleValue.name)).scalars())


@query
def rule_row(session: Session, name: str) -> RuleValue:
    row = session.get(RuleValue, name)
    if row is None:
        raise NotFound(f"No rule named {name}.")
    return row


@use_case
def update_rule(session: Session, actor: Actor, name: str, value: Any, source: str) -> RuleValue:
    """`change_rule` in its own transaction (it expects the caller's session)."""
    return change_rule(session, actor, name, value, source)
