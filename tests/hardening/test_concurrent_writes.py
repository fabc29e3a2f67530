"""Guarantees 3 and 5 in small: concurrent writers on PostgreSQL (where they truly run at
once) keep the audit chain linear and lose nothing. The full-size version with gunicorn is
bench/bench_load.py."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from .helpers import PASSWORD, dialect, rx_payload, submit

THREADS = 4
PER_THREAD = 8


def test_concurrent_intake_and_verify_keep_the_chain(api: Any) -> None:
    if dialect(api.app) != "postgresql":
        pytest.skip("SQLite serialises writers; concurrency is shown on PostgreSQL")
    from pharmacy.audit import verify_chain
    from pharmacy.models import AuditEvent, Prescription
    from pharmacy.services.uow import current_db

    to_verify = [submit(api, "drA", patient={"first_name": f"V{i}"})["id"] for i in range(6)]
    created: list[tuple[int, str]] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def prescriber(index: int) -> None:
        client = api.app.test_client()
        who = "drA" if index % 2 else "drB"
        headers = {"Authorization": f"Bearer {api.accounts[who].token}"}
        for n in range(PER_THREAD):
            response = client.post(
                "/api/v1/prescriptions", headers=headers,
                json=rx_payload(patient={"first_name": f"T{index}n{n}"}),
            )
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 201:
                    body = response.get_json()
                    created.append((body["id"], body["rx_number"]))

    def pharmacist() -> None:
        client = api.app.test_client()
        headers = {"Authorization": f"Bearer {api.accounts['pharm'].token}"}
        for rx_id in to_verify:
            response = client.post(
                f"/api/v1/prescriptions/{rx_id}/verify", headers=headers,
                json={"password": PASSWORD, "acknowledge_warnings": True},
            )
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=prescriber, args=(i,)) for i in range(THREADS)]
    threads.append(threading.Thread(target=pharmacist))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(status in (200, 201) for status in statuses), statuses
    assert len(created) == THREADS * PER_THREAD
    session = current_db().session_factory()
    try:
        stored = dict(session.execute(select(Prescription.id, Prescription.rx_number)).all())
        assert all(stored.get(rx_id) == number for rx_id, number in created)
        assert len({number for _, number in created}) == len(created)
        events = session.execute(
            select(func.count()).select_from(AuditEvent)
            .where(AuditEvent.action == "prescription.created")
        ).scalar_one()
        assert events == len(stored)
        verified = session.execute(
            select(func.count()).select_from(Prescription)
            .where(Prescription.status == "verified")
        ).scalar_one()
        assert verified == len(to_verify)
        assert verify_chain(session).ok
    finally:
        session.close()


def test_simultaneous_first_prescriptions_for_one_person_make_one_patient(api: Any) -> None:
    """Intake looks the patient up only after taking the Rx number, whose counter row stays
    locked until the transaction ends: a second intake for the same new person waits, then
    finds the record the first one committed instead of creating a twin."""
    if dialect(api.app) != "postgresql":
        pytest.skip("SQLite serialises writers; concurrency is shown on PostgreSQL")
    from pharmacy.models import Patient, Prescription
    from pharmacy.services.uow import current_db

    start = threading.Barrier(THREADS)
    results: list[tuple[int, int]] = []
    lock = threading.Lock()

    def prescriber(index: int) -> None:
        client = api.app.test_client()
        who = "drA" if index % 2 else "drB"
        headers = {"Authorization": f"Bearer {api.accounts[who].token}"}
        payload = rx_payload(patient={"first_name": "Simul", "last_name": "Taneous"})
        start.wait()
        response = client.post("/api/v1/prescriptions", headers=headers, json=payload)
        with lock:
            results.append((response.status_code, response.get_json()["patient"]["id"]))

    threads = [threading.Thread(target=prescriber, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in results] == [201] * THREADS
    session = current_db().session_factory()
    try:
        patients = session.execute(
            select(Patient.id).where(Patient.last_name == "Taneous")
        ).scalars().all()
        assert len(patients) == 1
        assert {patient_id for _, patient_id in results} == set(patients)
        linked = session.execute(
            select(func.count()).select_from(Prescription)
            .where(Prescription.patient_id == patients[0])
        ).scalar_one()
        assert linked == THREADS
    finally:
        session.close()
