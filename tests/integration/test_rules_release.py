"""A new rules release (a longer opioid table, say) reaches every database at the next
`pharmacy db upgrade`, except for the rules a pharmacy changed itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pharmacy.compounding import DEFAULT_RULES


def test_a_release_updates_only_the_rules_no_one_changed(api: Any, app: Any) -> None:
    from pharmacy.audit import SYSTEM, Actor
    from pharmacy.models import AuditEvent, RuleValue
    from pharmacy.seed import seed_reference_data
    from pharmacy.services.rules import current_rules, update_rule
    from pharmacy.services.uow import current_db

    account = api.accounts["admin"]
    admin = Actor(user_id=account.id, username="admin", role="admin")
    # An admin sets the balance's MWQ; the stored opioid table is an older release's.
    update_rule(admin, "balance_mwq_mg", "82", "our SOP 12: analytical balance")
    with current_db().transaction() as session:
        terms = session.get(RuleValue, "opioid_terms")
        terms.value = [t for t in terms.value if t["term"] != "Palexia"]
    with current_db().transaction() as session:
        assert "Palexia" not in {t.term for t in current_rules(session).opioid_terms}
        assert seed_reference_data(session) >= 1
    with current_db().transaction() as session:
        rules = current_rules(session)
        assert "Palexia" in {t.term for t in rules.opioid_terms}
        assert rules.opioid_terms == DEFAULT_RULES.opioid_terms
        assert str(rules.balance_mwq_mg) == "82"  # the admin's change stays
        events = session.execute(
            select(AuditEvent).where(AuditEvent.action == "rule.release_updated")
        ).scalars().all()
        assert [(e.entity_id, e.actor_name) for e in events] == [
            ("opioid_terms", SYSTEM.username)
        ]
        # Run again: nothing left to bring up to date.
        assert seed_reference_data(session) == 0
