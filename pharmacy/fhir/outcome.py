"""Refusals at the FHIR edge, and every error under /fhir as an OperationOutcome whose
`issue.expression` names the FHIRPath of what was wrong."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.operationoutcome import OperationOutcome
from flask import Response

from pharmacy.fhir.codes import MIMETYPE

# HTTP statuses as the OperationOutcome issue type that goes with them.
ISSUE_CODE_BY_STATUS = {
    400: "structure",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "business-rule",
    429: "throttled",
    503: "transient",
}
MAX_ISSUES = 50


@dataclass(frozen=True)
class Issue:
    diagnostics: str
    expression: tuple[str, ...] = ()
    code: str = "invalid"
    severity: str = "error"

    def as_json(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = list(self.expression)
        return issue


class FhirError(Exception):
    """What the FHIR edge refuses, with the HTTP status and the issues."""

    def __init__(self, status: int, issues: Sequence[Issue]) -> None:
        super().__init__("; ".join(issue.diagnostics for issue in issues))
        self.status = status
        self.issues = list(issues)


def refuse(
    status: int, diagnostics: str, expression: str | None = None, code: str = ""
) -> FhirError:
    """One issue: `raise refuse(422, "…", "Bundle.entry[2].resource.intent")`."""
    return FhirError(
        status,
        [
            Issue(
                diagnostics,
                (expression,) if expression else (),
                code or ISSUE_CODE_BY_STATUS.get(status, "processing"),
            )
        ],
    )


def fhirpath(root: str, location: Sequence[int | str]) -> str:
    """A pydantic error location as FHIRPath: `('entry', 2, 'resource', 'name', 0,
    'given')` → `Bundle.entry[2].resource.name[0].given`. Primitive extensions (`_x`,
    `x__ext`) name their element; locations that are not element names are dropped."""
    path = root
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
            continue
        name = part.removesuffix("__ext").lstrip("_")
        if name == "resource_type":
            name = "resourceType"
        if name.isidentifier():
            path += f".{name}"
    return path


def issues_from_validation(
    errors: Iterable[Mapping[str, Any]], root: str = "Bundle", prefix: Sequence[int | str] = ()
) -> list[Issue]:
    """pydantic's errors (fhir.resources validation) as issues. Only the message and the
    path: never the value, which may be patient data."""
    issues = []
    for error in errors:
        location = (*prefix, *error.get("loc", ()))
        message = str(error.get("msg", "invalid"))[:300]
        kind = str(error.get("type", ""))
        code = "required" if kind == "missing" else "structure" if "type" in kind else "value"
        issues.append(Issue(message, (fhirpath(root, location),), code))
        if len(issues) >= MAX_ISSUES:
            break
    return issues


def fhir_json(
    resource_json: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    response = Response(resource_json, status=status, mimetype=MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def outcome_response(status: int, issues: Sequence[Issue]) -> Response:
    outcome = OperationOutcome.model_validate(
        {"issue": [issue.as_json() for issue in issues] or [Issue("Failed.").as_json()]}
    )
    return fhir_json(outcome.model_dump_json(), status)


def outcome_for_error(
    status: int, message: str, errors: Mapping[str, Sequence[str]] | None = None
) -> Response:
    """Any error the app's one error map meets under /fhir: the message, and each field's
    messages as issues of their own."""
    code = ISSUE_CODE_BY_STATUS.get(status, "exception" if status >= 500 else "processing")
    issues = [Issue(message, (), code)]
    for name, messages in (errors or {}).items():
        issues.extend(Issue(f"{name}: {text}", (), code) for text in messages)
    return outcome_response(status, issues[:MAX_ISSUES])
