"""What an API request's sign-in look-up reads for the use case after it (the rules'
fingerprint, a prescriber's own record): intake sends no statement of its own for them,
and nothing it answers is older than the request or changed by the request itself."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from pharmacy.models import Prescriber, RuleValue
from pharmacy.models._types import utcnow
from pharmacy.services import prescriptions as rx_service
from pharmacy.services import rules as rules_service
from pharmacy.services import sign_in_reads
from pharmacy.services.uow import current_db
from tests.api.test_prescriptions import fixed

PRESCRIPTIONS = "/api/v1/prescriptions"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often intake reads the rules' fingerprint and the prescriber on its own."""
    counted = {"fingerprint": 0, "prescriber": 0}

    def counting(name: str, real: Any) -> Any:
        def first(connection: Any, values: Any = None) -> Any:
            counted[name] += 1
            return real(connection) if values is None else real(connection, values)

        return first

    monkeypatch.setattr(
        rules_service._FINGERPRINT,
        "first",
        counting("fingerprint", rules_service._FINGERPRINT.first),
    )
    monkeypatch.setattr(
        rx_service._PRESCRIBER, "first", counting("prescriber", rx_service._PRESCRIBER.first)
    )
    return counted


def test_a_prescribers_intake_reads_rules_and_prescriber_with_its_sign_in(
    api: Any, reads: dict[str, int]
) -> None:
    """On PostgreSQL the sign-in and the use case share a transaction, and intake sends
    no statement of its own for either; on SQLite the sign-in's read transaction ends
    before the write lock is taken, and intake reads both in its own."""
    api.post(PRESCRIPTIONS, as_="drA", json=fixed())  # the rules are parsed once
    reads.update(fingerprint=0, prescriber=0)
    response = api.post(PRESCRIPTIONS, as_="drA", json=fixed(patient={"first_name": "Eve"}))
    assert response.status_code == 201, response.get_json()
    own = 1 if current_db().sqlite else 0
    assert reads == {"fingerprint": own, "prescriber": own}
    prescriber = response.get_json()["prescriber"]
    assert prescriber["id"] == api.accounts["drA"].prescriber_id
    assert prescriber["full_name"] == "Dr. Dra"
    assert set(prescriber) == set(sign_in_reads.PRESCRIBER_RECORD)


def test_a_sign_in_read_ends_with_its_transaction(app: Any, reads: dict[str, int]) -> None:
    session = current_db().session()
    rules_service.current_rules(session)
    fingerprint = rules_service._fingerprint(session)
    sign_in_reads.keep(session, sign_in_reads.RULES_FINGERPRINT, fingerprint)
    session.rollback()
    reads["fingerprint"] = 0
    rules_service.current_rules(session)
    assert reads["fingerprint"] == 1
    session.rollback()


def test_a_pharmacists_phone_order_reads_the_prescriber_it_names(
    api: Any, reads: dict[str, int]
) -> None:
    order = fixed(prescriber_id=api.accounts["drB"].prescriber_id, source="phone")
    response = api.post(PRESCRIPTIONS, as_="pharm", json=order)
    assert response.status_code == 201, response.get_json()
    assert reads["prescriber"] == 1
    assert response.get_json()["prescriber"]["id"] == api.accounts["drB"].prescriber_id


def test_each_request_signs_in_afresh(api: Any) -> None:
    """A prescriber's record and the rules changed between two requests: the second sees
    both changes."""
    assert api.post(PRESCRIPTIONS, as_="drA", json=fixed()).status_code == 201
    with current_db().transaction() as session:
        session.execute(
            update(Prescriber)
            .where(Prescriber.id == api.accounts["drA"].prescriber_id)
            .values(phone="(217) 555-0199")
        )
        session.execute(
            update(RuleValue)
            .where(RuleValue.name == "max_days_supply")
            .values(value=20, version=RuleValue.version + 1, updated_at=utcnow())
        )
    response = api.post(PRESCRIPTIONS, as_="drA", json=fixed(patient={"first_name": "Eve"}))
    assert response.status_code == 422
    assert "at most 20 days" in str(response.get_json()["errors"])
    days_20 = fixed(quantity=20, days_supply=20, patient={"first_name": "Eve"})
    response = api.post(PRESCRIPTIONS, as_="drA", json=days_20)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["prescriber"]["phone"] == "(217) 555-0199"


def test_a_sign_in_read_is_used_once(app: Any, reads: dict[str, int]) -> None:
    session = current_db().session()
    rules_service.current_rules(session)  # parsed and cached
    fingerprint = rules_service._fingerprint(session)
    reads["fingerprint"] = 0
    sign_in_reads.keep(session, sign_in_reads.RULES_FINGERPRINT, fingerprint)
    rules_service.current_rules(session)
    assert reads["fingerprint"] == 0
    rules_service.current_rules(session)
    assert reads["fingerprint"] == 1
    session.rollback()


def _change_max_days_supply(days: int) -> None:
    with current_db().transaction() as session:
        session.execute(
            update(RuleValue)
            .where(RuleValue.name == "max_days_supply")
            .values(value=days, version=RuleValue.version + 1, updated_at=utcnow())
        )


def test_rules_parsed_before_a_change_are_not_taken_for_it(app: Any) -> None:
    """The cache holds rules older than the sign-in read: they are parsed again from the
    rows, and cached under a fingerprint read with them."""
    session = current_db().session()
    rules_service.current_rules(session)  # 365 days, cached
    session.rollback()
    _change_max_days_supply(20)
    session = current_db().session()
    signed_in = rules_service._fingerprint(session)
    sign_in_reads.keep(session, sign_in_reads.RULES_FINGERPRINT, signed_in)
    assert rules_service.current_rules(session).max_days_supply == 20
    assert rules_service._PARSED[session.get_bind()][0] == signed_in
    session.rollback()


def test_a_sign_in_read_older_than_the_cache_reads_the_rules_now(app: Any) -> None:
    """Another request has parsed rules newer than this request's sign-in read: this one
    reads the fingerprint again and gets those newer rules, and the cache keeps them under
    their own fingerprint, never under the older one."""
    session = current_db().session()
    old = rules_service._fingerprint(session)
    session.rollback()
    _change_max_days_supply(20)
    session = current_db().session()
    rules_service.current_rules(session)  # another request: 20 days, cached
    new = rules_service._fingerprint(session)
    session.rollback()
    session = current_db().session()
    sign_in_reads.keep(session, sign_in_reads.RULES_FINGERPRINT, old)
    assert rules_service.current_rules(session).max_days_supply == 20
    assert rules_service._PARSED[session.get_bind()][0] == new != old
    session.rollback()


def test_another_prescribers_record_is_never_taken(api: Any) -> None:
    """A sign-in read names its prescriber; a use case acting for another reads its own."""
    from pharmacy.audit import Actor

    dr_a, dr_b = api.accounts["drA"], api.accounts["drB"]
    actor = Actor(dr_a.id, dr_a.username, "prescriber", prescriber_id=dr_a.prescriber_id)
    session = current_db().session()
    sign_in_reads.keep(
        session,
        sign_in_reads.PRESCRIBER,
        {"id": dr_b.prescriber_id, "full_name": "Dr. Drb", "npi": "", "phone": "", "address": ""},
    )
    prescriber, _source = rx_service._resolve_prescriber(session, actor, fixed())
    assert prescriber["id"] == dr_a.prescriber_id
    assert prescriber["full_name"] == "Dr. Dra"
    session.rollback()


def test_a_new_patients_intake_sends_three_statements_on_postgresql(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token look-up (with the rules and the prescriber, and BEGIN in its round
    trip), the Rx counter with the patient look-up (migration 0011), and the
    prescription's INSERT (with the patient's record, the audit head's lock and the
    events), then COMMIT: each fold is a round trip under load (bench/RESULTS.md, "Load"),
    so losing one fails here, not only there."""
    if current_db().sqlite:
        pytest.skip("SQLite runs in process and writes the patient on its own")
    from pharmacy.prebuilt import Prebuilt

    api.post(PRESCRIPTIONS, as_="drA", json=fixed())  # the rules are parsed once
    sent: list[str] = []
    real = Prebuilt._execute

    def counting(self: Prebuilt, connection: Any, values: Any) -> Any:
        sent.append(" ".join(str(self.statement).split())[:30])
        return real(self, connection, values)

    monkeypatch.setattr(Prebuilt, "_execute", counting)
    response = api.post(PRESCRIPTIONS, as_="drA", json=fixed(patient={"first_name": "Nova"}))
    assert response.status_code == 201, response.get_json()
    assert len(sent) == 3, sent
