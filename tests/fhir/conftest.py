"""Fixtures of the FHIR endpoint's tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fhir.bundles import FHIR_JSON


class Fhir:
    """Posts and reads FHIR as one of the `api` fixture's accounts."""

    def __init__(self, api: Any) -> None:
        self.api = api

    def npi(self, username: str) -> str:
        from pharmacy.models import Prescriber
        from pharmacy.services.uow import read_session

        prescriber = read_session().get(Prescriber, self.api.accounts[username].prescriber_id)
        return str(prescriber.npi)

    def post(self, body: Any, as_: str = "drA", **kwargs: Any) -> Any:
        headers = {"Content-Type": FHIR_JSON, **kwargs.pop("headers", {})}
        import json

        return self.api.post("/fhir/r4", as_=as_, data=json.dumps(body), headers=headers, **kwargs)

    def get(self, path: str, as_: str = "drA", **kwargs: Any) -> Any:
        return self.api.get(path, as_=as_, **kwargs)


@pytest.fixture
def fhir(api: Any) -> Fhir:
    return Fhir(api)


def issue_paths(response: Any) -> list[str]:
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome", body
    return [path for issue in body["issue"] for path in issue.get("expression", [])]
