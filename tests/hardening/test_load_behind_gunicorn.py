"""Guarantee 5 in CI: for a few seconds, prescribers submit, pharmacists verify (signing with
their password) and technicians fill from released batches, all at once, against the real app
under gunicorn as `pharmacy serve` runs it (2 gthread workers) on PostgreSQL over loopback. No
5xx and no connection error; afterwards every accepted write is present, every batch's stock
adds up, each prescription has one creation event and the audit chain verifies.

This test only checks correctness, never speed. `bench/bench_load.py` drives the same mixed
phase (from `load_driver`) for longer and measures it.
"""

from __future__ import annotations

from tests.hardening import load_driver as load

SECONDS = 6.0  # bounded: the load stops by itself


def test_mixed_load_behind_gunicorn_loses_nothing(postgres_database: str) -> None:
    # A scratch database of its own on the test server, dropped at the end.
    with load.served_app(postgres_database, "ci_mixed", prescribers=4) as (server, url, users):
        tokens = {
            "prescribers": [load.token(server.port, name) for name, _ in users["prescribers"]],
            "pharmacists": [load.token(server.port, name) for name in users["pharmacists"]],
            "technicians": [load.token(server.port, name) for name in users["technicians"]],
        }
        batch_ids = load.stock_up(
            server.port, tokens["technicians"][0], tokens["pharmacists"][0], batches=2
        )
        total, accepted, per_role = load.mixed_phase(server.port, tokens, batch_ids, SECONDS)
        server.stop()

        assert total.server_errors == 0, total.statuses
        assert total.errors == 0, "connection errors"
        # Every role got work done, so the checks below are about something.
        assert accepted.created and accepted.verified and accepted.fills, {
            role: stats.statuses for role, stats in per_role.items()
        }
        assert load.check_afterwards(url, accepted, batch_ids) == []
