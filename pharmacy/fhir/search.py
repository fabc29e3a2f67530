"""The search parameters the endpoint understands; any other is refused (400) rather than
silently ignored, so a client never reads an unfiltered list as a filtered one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from pharmacy.db import MAX_ID
from pharmacy.fhir.codes import MIMETYPE, STATUSES_FOR_SEARCH
from pharmacy.fhir.outcome import refuse

FORMATS = ("json", "application/json", MIMETYPE)
DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 100_000


@dataclass(frozen=True)
class RequestSearch:
    patient_id: int | None
    statuses: tuple[str, ...] | None
    status_text: str | None
    offset: int
    count: int

    def links(self, base_url: str, total: int) -> dict[str, str]:
        def at(offset: int) -> str:
            params: dict[str, str | int] = {}
            if self.patient_id is not None:
                params["patient"] = f"Patient/{self.patient_id}"
            if self.status_text:
                params["status"] = self.status_text
            params.update({"_count": self.count, "_offset": offset})
            return f"{base_url}?{urlencode(params)}"

        links = {"self": at(self.offset)}
        if self.offset + self.count < total:
            links["next"] = at(self.offset + self.count)
        if self.offset > 0:
            links["previous"] = at(max(self.offset - self.count, 0))
        return links


def _only(args: Mapping[str, str], known: tuple[str, ...]) -> None:
    for name in args:
        if name not in (*known, "_format"):
            raise refuse(
                400,
                f"Unknown search parameter '{name}'; known: {', '.join(known)}.",
                code="not-supported",
            )
    if args.get("_format", "json") not in FORMATS:
        raise refuse(406, "Only JSON is served (_format json).", code="not-supported")


def _id(value: str, kind: str, name: str) -> int:
    text = value.removeprefix(f"{kind}/")
    if not text.isdigit() or not text.isascii() or int(text) > MAX_ID or int(text) < 1:
        raise refuse(400, f"'{name}' is a {kind} id, e.g. {kind}/12.", code="value")
    return int(text)


def _whole(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = args.get(name)
    if text is None:
        return default
    if not text.isdigit() or not text.isascii() or not low <= int(text) <= high:
        raise refuse(400, f"'{name}' is a whole number from {low} to {high}.", code="value")
    return int(text)


def request_query(args: Mapping[str, str]) -> RequestSearch:
    _only(args, ("patient", "status", "_count", "_offset"))
    patient = args.get("patient")
    status_text = args.get("status")
    statuses: tuple[str, ...] | None = None
    if status_text is not None:
        statuses = ()
        for code in status_text.split(","):
            if code not in STATUSES_FOR_SEARCH:
                raise refuse(
                    400,
                    f"'status' is one or more of {', '.join(sorted(STATUSES_FOR_SEARCH))}.",
                    code="value",
                )
            statuses += STATUSES_FOR_SEARCH[code]
    return RequestSearch(
        patient_id=_id(patient, "Patient", "patient") if patient is not None else None,
        statuses=statuses,
        status_text=status_text,
        offset=_whole(args, "_offset", 0, 0, MAX_OFFSET),
        count=_whole(args, "_count", DEFAULT_COUNT, 1, MAX_COUNT),
    )


def dispense_query(args: Mapping[str, str]) -> int:
    _only(args, ("prescription",))
    prescription = args.get("prescription")
    if prescription is None:
        raise refuse(
            400,
            "Search MedicationDispense by 'prescription' (a MedicationRequest id).",
            code="required",
        )
    return _id(prescription, "MedicationRequest", "prescription")
