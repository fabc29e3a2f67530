"""Patient directions after USP <17>: numerals, no Latin, dose apart from timing (§7)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import DEFAULT_RULES, Rules
from pharmacy.compounding.titration import TitrationStep, dated_schedule, units_per_dose
from pharmacy.compounding.units import format_ml, plain, round_ml

FORMS = ("capsule", "liquid")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _take(dosage_form: str, dose_mg: Decimal, per_unit: Decimal, field: str) -> str:
    if dosage_form == "capsule":
        n = units_per_dose(dose_mg, per_unit, field=field)
        return f"Take {n} capsule{'s' if n != 1 else ''} ({plain(dose_mg)} mg)"
    if dosage_form == "liquid":
        if per_unit <= 0:
            raise FormulationError(
                "concentration_mg_per_ml", "the concentration must be more than 0 mg/mL"
            )
        volume = dose_mg / per_unit
        if round_ml(volume) != volume:
            raise FormulationError(
                "concentration_mg_per_ml",
                f"{plain(dose_mg)} mg at {plain(per_unit)} mg/mL is not a measurable volume",
            )
        return f"Take {format_ml(volume)} mL ({plain(dose_mg)} mg)"
    raise FormulationError("dosage_form", f"dosage form must be one of {', '.join(FORMS)}")


def _per_unit(
    dosage_form: str, strength_mg: Decimal | None, concentration_mg_per_ml: Decimal | None
) -> Decimal:
    if dosage_form == "capsule":
        if strength_mg is None:
            raise FormulationError("strength_mg", "the capsule strength is required")
        return strength_mg
    if concentration_mg_per_ml is None:
        raise FormulationError("concentration_mg_per_ml", "the concentration is required")
    return concentration_mg_per_ml


def fixed_directions(
    dosage_form: str,
    dose_mg: Decimal,
    strength_mg: Decimal | None = None,
    concentration_mg_per_ml: Decimal | None = None,
    rules: Rules = DEFAULT_RULES,
) -> str:
    """E.g. ``"Take 3 capsules (4.5 mg) by mouth at bedtime."``."""
    per_unit = _per_unit(dosage_form, strength_mg, concentration_mg_per_ml)
    return f"{_take(dosage_form, dose_mg, per_unit, 'dose_mg')} {rules.directions_route_timing}."


def format_day(d: date, with_year: bool = True) -> str:
    text = f"{_MONTHS[d.month - 1]} {d.day}"
    return f"{text}, {d.year}" if with_year else text


def _date_range(start: date, end: date) -> str:
    if start == end:
        return format_day(start)
    if start.year == end.year:
        return f"{format_day(start, with_year=False)} to {format_day(end)}"
    return f"{format_day(start)} to {format_day(end)}"


def titration_directions(
    dosage_form: str,
    steps: Sequence[TitrationStep],
    strength_or_concentration: Decimal,
    start: date | None = None,
    rules: Rules = DEFAULT_RULES,
) -> list[str]:
    """One line per step: ``"Days 1 to 14: Take 1 capsule (1.5 mg) by mouth at bedtime."``,
    or with a start date ``"Nov 22 to Dec 5, 2026: ..."``."""
    if not steps:
        raise FormulationError("titration", "a titration plan needs at least one step")
    lines = []
    first_day = 1
    schedule = dated_schedule(steps, start) if start is not None else None
    for i, step in enumerate(steps):
        if step.days < 1:
            raise FormulationError("titration", f"step {i + 1}: days must be at least 1")
        last_day = first_day + step.days - 1
        if schedule is not None:
            when = _date_range(schedule[i].start, schedule[i].end)
        elif step.days == 1:
            when = f"Day {first_day}"
        else:
            when = f"Days {first_day} to {last_day}"
        take = _take(dosage_form, step.dose_mg, strength_or_concentration, "titration")
        lines.append(f"{when}: {take} {rules.directions_route_timing}.")
        first_day = last_day + 1
    return lines


def directions_text(
    dosage_form: str,
    steps: Sequence[TitrationStep],
    strength_or_concentration: Decimal,
    start: date | None = None,
    rules: Rules = DEFAULT_RULES,
) -> str:
    """The whole directions on one line: a fixed dose alone, or every titration step."""
    if len(steps) == 1:
        per = strength_or_concentration
        return fixed_directions(
            dosage_form,
            steps[0].dose_mg,
            strength_mg=per if dosage_form == "capsule" else None,
            concentration_mg_per_ml=per if dosage_form == "liquid" else None,
            rules=rules,
        )
    return " ".join(
        titration_directions(dosage_form, steps, strength_or_concentration, start, rules)
    )


# --- the container label's wording, in the patient's language (DOMAIN.md §7, §9) -----------


def _texts(rules: Rules, language: str) -> dict[str, str]:
    """The direction templates of ``language`` (English's route and timing from its rule)."""
    if language not in rules.direction_texts:
        known = ", ".join(sorted(rules.direction_texts))
        raise FormulationError("patient.language", f"no directions in {language!r}; known: {known}")
    texts = dict(rules.direction_texts[language])
    if language == "en" or "route_timing" not in texts:
        texts["route_timing"] = rules.directions_route_timing
    return texts


def _amounts(
    dosage_form: str, dose_mg: Decimal, per_unit: Decimal, t: dict[str, str]
) -> dict[str, str]:
    """The placeholders of one dose: capsules counted, or the volume; and the mg."""
    _take(dosage_form, dose_mg, per_unit, "titration")  # the same checks as the long form
    values = {"mg": plain(dose_mg), "route_timing": t["route_timing"], "timing": t["timing"]}
    if dosage_form == "capsule":
        n = units_per_dose(dose_mg, per_unit, field="titration")
        values["amount"] = t["capsule_one" if n == 1 else "capsule_many"].format(count=n)
    else:
        values["ml"] = format_ml(dose_mg / per_unit)
        values["amount"] = f"{values['ml']} mL"
    return values


def concise_directions(
    dosage_form: str,
    steps: Sequence[TitrationStep],
    per_unit: Decimal,
    rules: Rules = DEFAULT_RULES,
    language: str = "en",
    syringe_ml: int | None = None,
) -> str:
    """The whole directions in one sentence, as the container label prints them (USP <17>):
    ``"Take 1 capsule by mouth at bedtime for 14 days, then 2 capsules at bedtime for 14
    days, then 3 capsules at bedtime."``; a liquid names its oral syringe."""
    if not steps:
        raise FormulationError("titration", "a plan needs at least one step")
    t = _texts(rules, language)
    kind = "capsule" if dosage_form == "capsule" else "liquid"
    if len(steps) == 1:
        text = t[f"take_{kind}"].format(**_amounts(dosage_form, steps[0].dose_mg, per_unit, t))
    else:
        parts = []
        for i, step in enumerate(steps):
            if step.days < 1:
                raise FormulationError("titration", f"step {i + 1}: days must be at least 1")
            role = "first" if i == 0 else "last" if i == len(steps) - 1 else "next"
            days = t["days_one" if step.days == 1 else "days_many"].format(days=step.days)
            values = _amounts(dosage_form, step.dose_mg, per_unit, t)
            parts.append(t[f"{role}_{kind}"].format(days=days, **values))
        text = t["joiner"].join(parts)
    if dosage_form == "liquid" and syringe_ml is not None:
        text += " " + t["syringe"].format(syringe=syringe_ml)
    return text


def dated_directions(
    dosage_form: str,
    steps: Sequence[TitrationStep],
    per_unit: Decimal,
    start: date,
    format_date: Callable[[date], str],
    rules: Rules = DEFAULT_RULES,
    language: str = "en",
) -> list[str]:
    """A line per dated step (``"Jan 5 to Jan 18: take 1 capsule (1.5 mg)."``), the last
    one open-ended; dates as ``format_date`` writes them in the patient's language."""
    t = _texts(rules, language)
    schedule = dated_schedule(steps, start)
    lines = []
    for i, (step, entry) in enumerate(zip(steps, schedule, strict=True)):
        values = _amounts(dosage_form, step.dose_mg, per_unit, t)
        amount = f"{values['amount']} ({values['mg']} mg)"
        if i == len(steps) - 1:
            lines.append(t["dated_last"].format(start=format_date(entry.start), amount=amount))
        else:
            lines.append(
                t["dated_step"].format(
                    start=format_date(entry.start), end=format_date(entry.end), amount=amount
                )
            )
    return lines
