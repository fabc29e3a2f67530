"""Admin pages: users and roles, the pharmacy details printed on labels, and the rule
tables (BUD categories, overage, balance MWQ, label stocks…)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from marshmallow import fields, validate
from werkzeug.wrappers import Response

from pharmacy.auth import allow
from pharmacy.models import ROLES
from pharmacy.services import accounts, label_stocks, pharmacy_details, rules, staff
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import FormErrors, attempt, compact, load, render_form, text
from schema.common import StrictSchema, Text
from schema.prescriptions import PHONE


class UserIn(StrictSchema):
    username = Text(80, required=True, min_length=3)
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    full_name = Text(200, min_length=1)
    npi = Text(10)
    phone = Text(40, load_default="", validate=PHONE)
    address = Text(500, load_default="")


class PharmacyDetailsIn(StrictSchema):
    name = Text(200, required=True, min_length=1)
    address = Text(500, required=True, min_length=1, join_lines=", ")
    phone = Text(40, required=True, min_length=1, validate=PHONE)


class RuleIn(StrictSchema):
    value = fields.Raw(required=True)
    source = Text(1000, required=True, min_length=3)


@bp.route("/admin/users", methods=["GET", "POST"])
@allow("admin")
def admin_users() -> Response | tuple[str, int]:
    errors = None
    if request.method == "POST":
        data = compact({
            "username": text("username"), "password": request.form.get("password") or None,
            "role": text("role"), "full_name": text("full_name"), "npi": text("npi"),
            "phone": text("phone"), "address": text("address"),
        })
        try:
            loaded = load(UserIn(), data)
            user = attempt(lambda: accounts.create_user(g.actor, **loaded))
        except FormErrors as failed:
            errors = failed
        else:
            flash(f"User {user.username} ({user.role}) created.", "success")
            return redirect(url_for("web.admin_users"))
    values = {k: v for k, v in request.form.items() if k != "password"}
    return render_form(
        "web/admin_users.html", errors, values=values, users=staff.list_users(),
        roles=ROLES, staff_roles=staff.STAFF_ROLES,
    )


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@allow("admin")
def admin_user_active(user_id: int) -> Response:
    active = request.form.get("active") == "1"
    try:
        user = attempt(lambda: staff.set_user_active(g.actor, user_id, active=active))
    except FormErrors as failed:
        flash(failed.message, "error")
    else:
        flash(f"{user.username} is now {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("web.admin_users"))


class RoleIn(StrictSchema):
    role = fields.String(required=True, validate=validate.OneOf(staff.STAFF_ROLES))


class PasswordIn(StrictSchema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@allow("admin")
def admin_user_role(user_id: int) -> Response:
    try:
        data = load(RoleIn(), {"role": request.form.get("role", "")})
        user = attempt(lambda: staff.set_user_role(g.actor, user_id, role=data["role"]))
    except FormErrors as failed:
        flash(" ".join(m for ms in failed.errors.values() for m in ms) or failed.message, "error")
    else:
        flash(f"{user.username} is now {user.role}; their sessions were ended.", "success")
    return redirect(url_for("web.admin_users"))


@bp.route("/admin/users/<int:user_id>/password", methods=["POST"])
@allow("admin")
def admin_user_password(user_id: int) -> Response:
    try:
        data = load(PasswordIn(), {"password": request.form.get("password", "")})
        user = attempt(lambda: staff.reset_password(
            g.actor, user_id, password=data["password"]))
    except FormErrors as failed:
        flash("Password not changed: "
              + " ".join(m for ms in failed.errors.values() for m in ms), "error")
    else:
        flash(f"New password set for {user.username}; their sessions and tokens were ended.",
              "success")
    return redirect(url_for("web.admin_users"))


@bp.route("/admin/pharmacy", methods=["GET", "POST"])
@allow("admin")
def admin_pharmacy() -> Response | tuple[str, int]:
    errors = None
    if request.method == "POST":
        data = compact({name: text(name) for name in pharmacy_details.PHARMACY_FIELDS})
        try:
            loaded = load(PharmacyDetailsIn(), data)
            attempt(lambda: pharmacy_details.update_pharmacy_details(g.actor, loaded))
        except FormErrors as failed:
            errors = failed
        else:
            flash("Pharmacy details saved; new labels print them.", "success")
            return redirect(url_for("web.admin_pharmacy"))
        values = dict(request.form)
    else:
        row = pharmacy_details.pharmacy_details()
        values = {n: getattr(row, n) for n in pharmacy_details.PHARMACY_FIELDS} if row else {}
    return render_form("web/admin_pharmacy.html", errors, values=values)


def _shown_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return str(value)


def _is_table(value: Any) -> bool:
    return isinstance(value, (dict, list))


RULE_SECTIONS = {
    "1": "Doses and molecular weights",
    "2": "Ingredient potency",
    "3": "Capsules: sizes, fillers, overage, weight check",
    "4": "Weighing: balance minimum (MWQ)",
    "5": "Oral liquids",
    "6": "Beyond-use dates",
    "7": "Titration plans and directions",
    "8": "Opioid screening",
    "9": "Labels",
    "11": "Cautions and indications",
}
OTHER_RULES = "Other"


def _section(source: str) -> str:
    match = re.search(r"§(\d+)", source or "")
    return RULE_SECTIONS.get(match.group(1), OTHER_RULES) if match else OTHER_RULES


@bp.route("/admin/rules")
@allow("admin")
def admin_rules() -> str:
    grouped: dict[str, list[Any]] = {title: [] for title in RULE_SECTIONS.values()}
    grouped[OTHER_RULES] = []
    for row in rules.rule_rows():
        grouped[_section(row.source)].append(row)
    return render_template(
        "web/admin_rules.html", groups=[(t, rows) for t, rows in grouped.items() if rows],
        shown=_shown_value, is_table=_is_table, stocks=label_stocks.label_stocks(),
    )


def _typed_value(current: Any, raw: str) -> Any:
    """The admin's text in the stored value's own JSON type (tables are JSON)."""
    raw = raw.strip()
    if isinstance(current, (dict, list)):
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            message = f"Not valid JSON: {error.msg} at line {error.lineno}."
            raise FormErrors({"value": [message]}) from error
    if isinstance(current, bool):
        return raw.lower() in ("true", "1", "yes")
    if isinstance(current, int):
        try:
            return int(raw)
        except ValueError as error:
            raise FormErrors({"value": ["Must be a whole number."]}) from error
    return raw


@bp.route("/admin/rules/<name>", methods=["GET", "POST"])
@allow("admin")
def admin_rule(name: str) -> Response | tuple[str, int]:
    row = rules.rule_row(name)
    errors = None
    if request.method == "POST":
        try:
            loaded = load(RuleIn(), compact({
                "value": request.form.get("value", ""), "source": text("source"),
            }))
            value = _typed_value(row.value, loaded["value"])
            attempt(lambda: rules.update_rule(g.actor, name, value, loaded["source"]))
        except FormErrors as failed:
            errors = failed
        else:
            flash(f"Rule {name} changed; new calculations use it.", "success")
            return redirect(url_for("web.admin_rules") + f"#rule-{name}")
        values = dict(request.form)
    else:
        values = {"value": _shown_value(row.value), "source": row.source}
    return render_form(
        "web/admin_rule.html", errors, values=values, row=row, is_table=_is_table(row.value),
    )
