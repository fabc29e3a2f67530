"""Server-rendered pages: the prescriber portal, the pharmacist workbench, the technician
bench and the admin pages. Views are thin: they turn a form into the dict the marshmallow
schema loads, call one service function, and render the result or the errors beside the
fields."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask, g, request
from flask_login import LoginManager  # type: ignore[import-untyped]
from flask_wtf.csrf import CSRFProtect  # type: ignore[import-untyped]

from pharmacy.auth import token_only
from pharmacy.compounding.units import plain
from pharmacy.web.blueprint import bp
from pharmacy.web.session import WebUser, current_web_user

csrf = CSRFProtect()
login_manager = LoginManager()


def register_web(app: Flask) -> None:
    # Import the view modules so their routes land on the blueprint (once per process).
    from pharmacy.services.label_stocks import container_label_stocks, label_stocks
    from pharmacy.web import (  # noqa: F401
        admin,
        auth_views,
        batches,
        dispensing,
        pharmacist,
        prescriber,
        preview,
        printing_views,
        recall,
        reports,
        search_views,
        stock,
        technician,
    )

    # The API authenticates with bearer tokens, never the cookie, so CSRF applies to the
    # pages only: check it ourselves for every non-/api request (this also covers API
    # blueprints other engineers add later).
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)

    @app.before_request
    def _csrf_for_pages() -> None:
        if not app.config.get("WTF_CSRF_ENABLED", True):
            return
        if token_only(request.path) or request.endpoint in (None, "static"):
            return
        csrf.protect()

    @app.teardown_request
    def _forget_request_values(_error: BaseException | None) -> None:
        # The CSRF token and the signed-in user are cached on `g`. Flask reuses an app
        # context already pushed (a test, a CLI command), so drop them with the request
        # rather than let the next request see another browser's values.
        for name in ("csrf_token", "_login_user"):
            g.pop(name, None)

    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    login_manager.session_protection = None  # the server-side session is the authority
    login_manager.user_loader(_load_user)
    login_manager.request_loader(lambda _request: current_web_user())

    app.register_blueprint(bp)
    app.jinja_env.globals["nav_for"] = _nav_for
    app.jinja_env.globals["sign_in_alerts"] = sign_in_alerts
    app.jinja_env.filters["num"] = _num
    app.jinja_env.globals["label_stocks"] = label_stocks
    app.jinja_env.globals["container_label_stocks"] = container_label_stocks
    app.jinja_env.globals["web_endpoints"] = lambda: set(app.view_functions)
    app.jinja_env.globals["filler_name"] = _filler_name
    app.jinja_env.filters["units"] = _units
    app.jinja_env.filters["role_name"] = _role_name
    app.jinja_env.filters["count"] = count
    app.jinja_env.filters["field_label"] = field_label
    app.jinja_env.filters["plain_message"] = plain_message
    search_views.register_globals(app)


ROLE_NAMES = {"api": "Naltrexone (API)", "capsule_shell": "Capsule shells"}

# How the pages name a field the services report by its API name.
FIELD_LABELS = {
    "strength_mg": "Strength (mg per capsule)",
    "concentration_mg_per_ml": "Concentration (mg/mL)",
    "dose_mg": "Dose (mg)",
    "days_supply": "Days' supply",
    "syringe_ml": "Syringe (mL)",
    "lot_ids": "Lots",
    "batch_id": "Batch",
    "prescription_id": "Prescription",
    "formula_code": "Master formula",
    "formula_version": "Formula version",
    "acknowledge_bud_warning": "Beyond-use date",
    "acknowledge_opioid_update": "Opioid review",
    "acknowledge_recalled_sources": "Recalled sources",
    "acknowledge_deviations": "Deviations",
    "quantity_per_container": "Quantity per container",
    "tablet_powder_mg": "Tablet powder (mg per tablet)",
}


def field_label(name: str) -> str:
    """`strength_mg` → `Strength (mg per capsule)`; `patient.last_name` → `Patient last name`;
    a field without a label of its own reads as words."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    words = name.replace(".", " ").replace("_", " ").split()
    return " ".join(words).capitalize() if words else name


def plain_message(message: str) -> str:
    """A service message that starts with the API name of its field (`strength_mg: …`)
    starts with the field's label instead."""
    head, sep, rest = message.partition(": ")
    if sep and head and " " not in head and (head in FIELD_LABELS or "_" in head or "." in head):
        return f"{field_label(head)}: {rest}"
    return message


def _role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role.replace("_", " ").capitalize())


def count(n: int, noun: str, plural_noun: str | None = None) -> str:
    """`1 batch`, `2 batches`, `0 fills`."""
    return f"{n} {noun if n == 1 else (plural_noun or noun + 's')}"


def _units(amount: object, unit: str) -> str:
    """`146 capsules`, `1 capsule`, `12919 mg`."""
    text = _num(amount)
    if unit in ("capsule", "tablet") and text != "1":
        unit += "s"
    return f"{text} {unit}"


def _filler_name(code: str) -> str:
    from pharmacy.compounding.fillers import find_filler
    from pharmacy.services.rules import rules_in_force

    filler = find_filler(code, rules_in_force())
    return filler.name if filler else code


def _num(value: object) -> str:
    """A quantity as a pharmacist writes it: 1.5, 30, 0.25 (no trailing zeros)."""
    if value is None:
        return "—"
    return plain(Decimal(str(value)))


def _load_user(user_id: str) -> WebUser | None:
    user = current_web_user()
    if user is not None and user.get_id() == user_id:
        return user
    return None


NAV = {
    "prescriber": [
        ("web.prescriber_home", "My prescriptions"),
        ("web.new_prescription", "New prescription"),
        ("web.search_page", "Search"),
    ],
    "pharmacist": [
        ("web.pharmacist_home", "Workbench"),
        ("web.search_page", "Search"),
        ("web.refills_page", "Refills"),
        ("web.phone_order", "Phone/fax order"),
        ("web.lots", "Ingredient lots"),
        ("web.recall", "Recall"),
        ("web.admin_catalog", "Formulas"),
        ("web.bench", "Bench"),
        ("web.monthly_report", "Report"),
        ("web.dispensing_desk", "Dispensing"),
    ],
    "technician": [
        ("web.bench", "Bench"),
        ("web.search_page", "Search"),
        ("web.lots", "Ingredient lots"),
        ("web.print_queue", "Print queue"),
        ("web.dispensing_desk", "Dispensing"),
        ("web.refills_page", "Refills"),
    ],
    "admin": [
        ("web.admin_users", "Users"),
        ("web.admin_pharmacy", "Pharmacy details"),
        ("web.admin_rules", "Rules"),
        ("web.admin_catalog", "Ingredient catalog"),
        ("web.admin_printers", "Print stations"),
        ("web.monthly_report", "Report"),
    ],
}


def _nav_for(role: str) -> list[tuple[str, str]]:
    from flask import current_app

    return [(ep, label) for ep, label in NAV.get(role, []) if f"{ep}" in current_app.view_functions]


__all__ = ["register_web", "WebUser"]


def sign_in_alerts() -> list[dict[str, object]]:
    """The admin banner: accounts whose failed sign-ins reached the alert ceiling."""
    from pharmacy.services.sign_in_throttle import alerts_for_banner

    return alerts_for_banner()
