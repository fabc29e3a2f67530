"""Oral syringes: a dose volume on a syringe's graduations, choosing the syringe, and the
concentration to propose when a dose cannot be measured (DOMAIN §5)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.notes import Notes
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.units import format_ml, plain, round_ml


def on_graduation(volume_ml: Decimal, graduation_ml: Decimal) -> bool:
    """True when ``volume_ml`` is an exact whole number of graduations."""
    steps = volume_ml / graduation_ml
    return steps == steps.to_integral_value() and steps * graduation_ml == volume_ml


def fits_syringe(volume_ml: Decimal, syringe_ml: int, rules: Rules) -> bool:
    grad = rules.syringe_graduations_ml[syringe_ml]
    return 0 < volume_ml <= syringe_ml and on_graduation(volume_ml, grad)


def propose_concentration(
    doses_mg: Sequence[Decimal], rules: Rules, syringe_ml: int | None = None
) -> tuple[Decimal, int] | None:
    """A concentration from the rules' list (and a syringe) that fits every dose."""
    syringes = sorted(rules.syringe_graduations_ml)
    if syringe_ml is not None:
        syringes = [syringe_ml] + [s for s in syringes if s != syringe_ml]
    for s in syringes:
        for conc in rules.liquid_concentrations_mg_per_ml:
            if all(fits_syringe(d / conc, s, rules) for d in doses_mg):
                return conc, s
    return None


def _syringe_error(
    doses: Sequence[Decimal], conc: Decimal, syringe: int | None, rules: Rules
) -> FormulationError:
    problems = []
    too_big = False
    for d in doses:
        vol = d / conc
        shown = format_ml(vol) if round_ml(vol) == vol else f"{vol:.3f}…"
        if syringe is not None and vol > syringe:
            too_big = True
            problems.append(f"{plain(d)} mg is {shown} mL, more than a {syringe} mL syringe holds")
        elif syringe is not None and not fits_syringe(vol, syringe, rules):
            grad = rules.syringe_graduations_ml[syringe]
            problems.append(
                f"{plain(d)} mg is {shown} mL, not on the {format_ml(grad)} mL "
                f"graduations of a {syringe} mL syringe"
            )
    if syringe is None:
        problems.append(f"at {plain(conc)} mg/mL no oral syringe measures every dose")
    proposal = propose_concentration(doses, rules, syringe)
    if proposal is None:
        advice = "no listed concentration measures every dose; adjust the doses"
    else:
        p_conc, p_syr = proposal
        vols = ", ".join(f"{plain(d)} mg = {format_ml(d / p_conc)} mL" for d in doses)
        advice = f"use {plain(p_conc)} mg/mL with a {p_syr} mL syringe ({vols})"
    field_name = "syringe_ml" if too_big else "concentration_mg_per_ml"
    return FormulationError(field_name, f"{'; '.join(problems)}: {advice}")


def choose_syringe(
    syringe: int | None, doses: Sequence[Decimal], conc: Decimal, notes: Notes
) -> int:
    """The syringe asked for, or the smallest that measures every dose on its graduations."""
    rules = notes.rules
    notes.rule("syringe_graduations_ml")
    if syringe is not None and syringe not in rules.syringe_graduations_ml:
        allowed = ", ".join(str(s) for s in sorted(rules.syringe_graduations_ml))
        raise FormulationError(
            "syringe_ml", f"no {syringe} mL oral syringe is stocked: choose {allowed} mL"
        )
    if syringe is None:
        syringe = next(
            (
                s
                for s in sorted(rules.syringe_graduations_ml)
                if all(fits_syringe(d / conc, s, rules) for d in doses)
            ),
            None,
        )
        if syringe is None:
            notes.rule("liquid_concentrations_mg_per_ml")
            raise _syringe_error(doses, conc, None, rules)
    elif not all(fits_syringe(d / conc, syringe, rules) for d in doses):
        notes.rule("liquid_concentrations_mg_per_ml")
        raise _syringe_error(doses, conc, syringe, rules)
    return syringe
