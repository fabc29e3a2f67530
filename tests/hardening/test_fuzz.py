"""Guarantee 1: bad input never breaks the API.

schemathesis generates requests for every operation in the app's own
`/api/v1/openapi.json`, in process against the WSGI app, on a fresh database, as a
pharmacist and as a prescriber: valid data (positive) and schema-violating data
(negative). Every response must be below 500, and positive responses must match the
documented status codes, content types and schemas. The examples per operation are bounded
so the suite stays fast; FUZZ_EXAMPLES raises the bound for a longer local run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pharmacy.services.uow import current_db

from .helpers import submit

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Revoking the token the fuzzer signs in with would turn the rest of the run into 401s.
SKIP = {("DELETE", "/api/v1/auth/token")}


def _operations(schema: Any) -> list[Any]:
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) not in SKIP:
            operations.append(operation)
    return operations


def _run(operation: Any, mode: Any, headers: dict[str, str], failures: list[str]) -> None:
    strategy = operation.as_strategy(generation_mode=mode)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        # The fixture's app context outlives requests: end the session as a real request's
        # teardown does, so one failure is reported once and cannot poison the next case.
        current_db().remove()
        if response.status_code >= 500:
            failures.append(
                f"{mode.value} {case.method} {case.formatted_path} -> {response.status_code}: "
                f"body={case.body!r} query={case.query!r}"
            )
            return
        if mode == schemathesis.GenerationMode.POSITIVE:
            try:
                case.validate_response(response, checks=POSITIVE_CHECKS, headers=headers)
            except Exception as error:  # noqa: BLE001 - collect every failure, report together
                failures.append(f"{case.method} {case.formatted_path}: {str(error)[:1500]}")

    run()


@pytest.mark.parametrize("role", ["pharm", "drA"])
def test_fuzz_every_operation(api: Any, role: str) -> None:
    submit(api, "drA")  # something to find, so ids 1.. exist
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api.app)
    headers = {"Authorization": f"Bearer {api.accounts[role].token}"}
    operations = _operations(schema)
    assert len(operations) >= 7
    failures: list[str] = []
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _run(operation, mode, headers, failures)
    assert not failures, "\n\n".join(failures[:20])
