"""The access log of `pharmacy serve` (gunicorn) names each request's path, never its query
string: a search or a patient list asked with a patient's name and date of birth leaves
neither in the log."""

from __future__ import annotations

import secrets

from tests.hardening import load_driver as load

NAME = "Quillfeather" + secrets.token_hex(3)
BORN = "1931-07-19"


def test_the_access_log_keeps_paths_not_what_was_searched(postgres_database: str) -> None:
    with load.served_app(postgres_database, "access_log", prescribers=1) as (server, _url, users):
        token = load.token(server.port, users["pharmacists"][0])
        searched = load.request(server.port, "GET", f"/api/v1/search?q={NAME}", token=token)
        listed = load.request(
            server.port, "GET", f"/api/v1/patients?q={NAME}&date_of_birth={BORN}", token=token
        )
        assert searched[0] == 200 and listed[0] == 200, (searched[:2], listed[:2])
        server.stop()
        log = server.log_path.read_text()
    # The requests were logged, by path and status...
    assert '"GET /api/v1/search HTTP/1.1" 200' in log, log
    assert '"GET /api/v1/patients HTTP/1.1" 200' in log, log
    # ...and what was asked is not there.
    assert NAME.lower() not in log.lower()
    assert BORN not in log
