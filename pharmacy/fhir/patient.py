"""The Patient of an LDN order as the intake body's `patient`: name, birthDate, telecom,
address and the preferred language (`communication.language`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pharmacy.fhir.bundle import Entry
from pharmacy.fhir.mapping import (
    Mapped,
    concept_texts,
    not_kept_elements,
    refuse_modifier_extensions,
    unsupported,
)
from schema.prescriptions import PATIENT_LANGUAGES

PATIENT_HANDLED = {
    "name",
    "birthDate",
    "telecom",
    "address",
    "communication",
    "id",
    "meta",
    "text",
    "modifierExtension",
}
PATIENT_NOT_KEPT = {
    "gender": "not needed to compound or label LDN, and the record has no place for it",
    "identifier": "the pharmacy finds a person by name and date of birth",
    "extension": "no patient extension is known to the pharmacy",
}


def read_patient(entry: Entry, mapped: Mapped) -> None:
    patient, path = entry.resource, entry.path
    refuse_modifier_extensions(patient, path)
    details: dict[str, Any] = {}
    mapped.data["patient"] = details
    mapped.where["patient"] = path
    name_path, name = _name(patient, path)
    details["first_name"] = " ".join(name.given or ())
    details["last_name"] = name.family or ""
    mapped.where["patient.first_name"] = f"{name_path}.given"
    mapped.where["patient.last_name"] = f"{name_path}.family"
    if not isinstance(patient.birthDate, date):
        raise unsupported(f"{path}.birthDate", "Give the full date of birth (YYYY-MM-DD).")
    details["date_of_birth"] = patient.birthDate.isoformat()
    mapped.where["patient.date_of_birth"] = f"{path}.birthDate"
    _telecom(patient, path, details, mapped)
    _address(patient, path, details, mapped)
    _language(patient, path, details, mapped)
    not_kept_elements(patient, path, PATIENT_HANDLED, PATIENT_NOT_KEPT, mapped)


def _name(patient: Any, path: str) -> tuple[str, Any]:
    names = list(patient.name or ())
    for index, name in enumerate(names):
        if name.use == "official":
            return f"{path}.name[{index}]", name
    if not names:
        raise unsupported(f"{path}.name", "Give the patient's name (family and given).")
    return f"{path}.name[0]", names[0]


def _telecom(patient: Any, path: str, details: dict[str, Any], mapped: Mapped) -> None:
    phones = [
        (index, point)
        for index, point in enumerate(patient.telecom or ())
        if point.system == "phone" and point.value
    ]
    if phones:
        index, point = phones[0]
        details["phone"] = point.value
        mapped.where["patient.phone"] = f"{path}.telecom[{index}].value"
    for index in range(len(patient.telecom or ())):
        if not phones or index != phones[0][0]:
            mapped.not_kept(
                f"{path}.telecom[{index}]", "the record keeps one phone number (the first)."
            )


def _address(patient: Any, path: str, details: dict[str, Any], mapped: Mapped) -> None:
    addresses = [(index, a) for index, a in enumerate(patient.address or ()) if a.use != "old"]
    if not addresses:
        return
    index, address = addresses[0]
    for other in range(len(patient.address)):
        if other != index:
            mapped.not_kept(f"{path}.address[{other}]", "the record keeps one address.")
    if address.text:
        text = address.text
    else:
        place = " ".join(p for p in (address.state, address.postalCode) if p)
        parts = [*(address.line or ()), address.city, place, address.country]
        text = ", ".join(p for p in parts if p)
    details["address"] = text
    mapped.where["patient.address"] = f"{path}.address[{index}]"


def _language(patient: Any, path: str, details: dict[str, Any], mapped: Mapped) -> None:
    """The preferred language (the one marked preferred, else the first)."""
    communications = list(patient.communication or ())
    if not communications:
        return
    index = next((i for i, c in enumerate(communications) if c.preferred), 0)
    where = f"{path}.communication[{index}].language"
    language = communications[index].language
    code = next((c.code for c in language.coding or () if c.code), None)
    words = concept_texts(language)
    if code is None and not words:
        raise unsupported(where, "Give the language as a BCP-47 code (e.g. 'es') or text.")
    if code is not None:
        language = code.strip().lower().split("-")[0]
    else:
        language = "en" if words[0].strip().lower() == "english" else ""
    if language not in PATIENT_LANGUAGES:
        raise unsupported(
            where,
            "Labels and leaflets print in "
            f"{', '.join(PATIENT_LANGUAGES)} (BCP-47 codes) only: the order is refused rather "
            "than labelled in a language the patient may not read; call the pharmacy to "
            "arrange it.",
        )
    details["language"] = language
    mapped.where["patient.language"] = where
