"""Malformed FHIR never breaks the endpoint: valid example orders mutated at random (a
value replaced by any JSON, a key dropped or added, a resource replaced) and random bodies
are answered below 500, with an OperationOutcome or a transaction-response Bundle."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fhir.bundles import (
    FHIR_JSON,
    bundle,
    liquid_request,
    medication_request,
    statement,
    titration_request,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
NPI = "1234567893"  # replaced by the signed-in prescriber's

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "",
            "HS",
            "mg",
            "mL",
            "d",
            "order",
            "active",
            "Patient",
            "urn:uuid:x",
            "1.5",
            "-1",
            "1e400",
            "2026-13-40",
        ]
    )
)
any_json = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


@st.composite
def mutated(draw: Any) -> Any:
    base = draw(
        st.sampled_from(
            [
                bundle(NPI),
                bundle(NPI, request=titration_request()),
                bundle(NPI, request=liquid_request()),
                bundle(NPI, statement("oxycodone 5 mg")),
                bundle(NPI, request=medication_request(extension=[])),
            ]
        )
    )
    body = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(body) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = body
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(any_json)
        elif action == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(any_json)
        else:
            parent.append(draw(any_json))
    return body


def _check(fhir: Any, body: Any, as_: str) -> None:
    text = json.dumps(body).replace(NPI, fhir.npi("drA"))
    response = fhir.api.post("/fhir/r4", as_=as_, data=text, headers={"Content-Type": FHIR_JSON})
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:500])
    answer = response.get_json()
    assert response.mimetype == "application/fhir+json"
    expected = "Bundle" if response.status_code == 200 else "OperationOutcome"
    assert answer["resourceType"] == expected, answer


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def test_mutated_orders_never_break_the_endpoint(fhir: Any) -> None:
    @FUZZ
    @given(body=mutated(), as_=st.sampled_from(["drA", "pharm"]))
    def run(body: Any, as_: str) -> None:
        _check(fhir, body, as_)

    run()


def test_random_bodies_never_break_the_endpoint(fhir: Any) -> None:
    @FUZZ
    @given(
        body=any_json
        | st.fixed_dictionaries(
            {"resourceType": st.just("Bundle"), "type": st.just("transaction"), "entry": any_json}
        )
    )
    def run(body: Any) -> None:
        _check(fhir, body, "drA")

    run()
