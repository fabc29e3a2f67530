"""The patient label of a fill: only a verified prescription filled from a released batch
is labelled."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from labels import PatientLabelContent, render_patient_label
from pharmacy.audit import Actor
from pharmacy.compounding.liquids import liquid_auxiliary
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.units import plain
from pharmacy.errors import Conflict, NotFound
from pharmacy.models import Batch, Fill, Prescription
from pharmacy.services.dispensing.states import mark_labeled
from pharmacy.services.fill_directions import (
    directions_start,
    label_directions,
    label_language_of,
)
from pharmacy.services.fills import fill_data
from pharmacy.services.printing import language, print_log, rendering
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import use_case

LABELLABLE_PRESCRIPTION_STATUSES = ("verified", "filled")


def labellable_fill(session: Session, fill_id: int, today: date) -> Fill:
    fill = session.get(Fill, fill_id)
    if fill is None:
        raise NotFound("No such fill.")
    rx: Prescription = fill.prescription
    batch: Batch = fill.batch
    if rx.status not in LABELLABLE_PRESCRIPTION_STATUSES:
        raise Conflict(
            f"The prescription is {rx.status}; only a verified prescription is labelled."
        )
    if batch.status != "released":
        raise Conflict(
            f"Batch {batch.lot_number} is {batch.status}; only a released batch is labelled."
        )
    return fill


def _storage_and_auxiliary(
    rx: Prescription, storage: str, rules: Rules
) -> tuple[str, tuple[str, ...]]:
    """The storage line and the auxiliary texts, storage printed once: a refrigerated
    liquid's storage is the refrigerate text, which then is not repeated among the others."""
    if rx.dosage_form != "liquid":
        return storage, ()
    auxiliary = list(liquid_auxiliary(storage, rules))
    fridge = rules.liquid_texts.get("refrigerate", "")
    if fridge and fridge in auxiliary:
        auxiliary.remove(fridge)
        storage = fridge
    return storage, tuple(auxiliary)


def _warnings(rules: Rules, language: str) -> tuple[str, ...]:
    if language == "en":
        return tuple(rules.label_warnings)
    return tuple(rules.label_warnings_translated[language])


def _quantity(rx: Prescription, data: dict[str, Any], lang: str) -> str:
    """The quantity with its unit in ``lang`` (``132 cápsulas``; mL in every language)."""
    if lang == "en" or rx.dosage_form != "capsule":
        return str(data["quantity_text"])
    return f"{plain(data['quantity'])} {language.gettext(lang, 'capsules')}"


def patient_label_content(session: Session, fill: Fill, today: date) -> PatientLabelContent:
    """The label's words in the patient's language: warning, direction, storage and auxiliary
    texts are the rules in force (data the pharmacy can change), fixed words come from the
    catalog, dates as Babel writes them; the layout is the renderer's. On a label in
    another language the English directions and warning follow where the stock has room."""
    rules = current_rules(session)
    start = directions_start(session, fill)
    data = fill_data(session, fill, today, rules, start=start)
    rx = fill.prescription
    lang = label_language_of(rx, rules)
    directions = label_directions(
        fill, rules, start, lang, lambda day: language.short_date(day, lang)
    )
    english = (
        label_directions(fill, rules, start, "en", lambda day: language.short_date(day, "en"))
        if lang != "en"
        else None
    )
    storage, auxiliary = _storage_and_auxiliary(rx, data["storage"], rules)
    storage = language.clinical_text(storage, rules, lang)
    auxiliary = tuple(language.clinical_text(text, rules, lang) for text in auxiliary)
    return PatientLabelContent(
        patient_name=data["patient"]["name"],
        drug_line=data["drug"],
        directions=[directions.concise],
        dated_directions=directions.dated,
        english_directions=[english.concise] if english else [],
        english_warning=rules.label_warnings[0] if english else "",
        bud=data["bud"],
        bud_text=language.long_date(data["bud"], lang),
        storage=storage,
        lot_number=data["lot_number"],
        rx_number=data["rx_number"],
        quantity=_quantity(rx, data, lang),
        refills_remaining=data["refills_remaining"],
        fill_date=data["filled_on"],
        fill_date_text=language.long_date(data["filled_on"], lang),
        prescriber=data["prescriber"]["name"],
        pharmacy=rendering.pharmacy_of(data["pharmacy"]),  # fill_data has read it already
        warnings=_warnings(rules, lang),
        auxiliary=auxiliary,
        large_print=fill.large_print,
        captions=language.captions(lang),
        barcode_data=data.get("label_barcode"),  # begins with the Rx number, names the fill
    )


@use_case
def patient_label(
    session: Session,
    actor: Actor,
    fill_id: int,
    *,
    stock_code: str | None,
    reason: str | None,
    today: date,
) -> bytes:
    fill = labellable_fill(session, fill_id, today)
    content = patient_label_content(session, fill, today)
    stock = rendering.patient_label_stock(content, stock_code)
    pdf = rendering.render(render_patient_label, content, stock)
    print_log.record(session, actor, "patient_label", fill.id, stock=stock.code, reason=reason)
    mark_labeled(session, actor, fill)
    return pdf
