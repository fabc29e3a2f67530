"""Guarantee 2: the role × route matrix.

`ACCESS` below is the one declared table of who may call what. The test enumerates every
rule in `app.url_map` (API and pages): a route whose endpoint is missing here fails, a
route whose `@allow(...)` differs from the table fails, and every route is then called as
every role and anonymously to show the declaration is enforced (403 for a role outside the
table, 401 or a redirect to sign-in for no one, never a 403 for a role inside it).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import url_for
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter, UUIDConverter

from pharmacy.auth import PUBLIC, declared_roles

ADMIN = "admin"
PHARM = "pharmacist"
TECH = "technician"
PRESC = "prescriber"
ALL = frozenset({ADMIN, PHARM, TECH, PRESC})
STAFF = frozenset({PHARM, TECH})
PUB = PUBLIC

# endpoint -> the roles that may call it (PUB: anyone, signed in or not).
# Keep this current: a new route fails test_every_route_is_declared until it is listed.
ACCESS: dict[str, frozenset[str]] = {
    "static": PUB,
    "api-docs.openapi_json": PUB,
    "auth.token": PUB,
    "auth.revoke": ALL,
    "prescriptions.create": frozenset({PHARM, PRESC}),
    "prescriptions.index": frozenset({PHARM, PRESC, TECH}),
    "prescriptions.show": frozenset({PHARM, PRESC, TECH}),
    "prescriptions.verify": frozenset({PHARM}),
    "prescriptions.reject": frozenset({PHARM}),
    "prescriptions.override_hold": frozenset({PHARM}),
    "prescriptions.void": frozenset({PHARM}),
    "prescriptions.correct": frozenset({PHARM}),
    "prescribers.list_prescribers": STAFF,
    "formulations.quote": STAFF,
    "items.list_items": frozenset({ADMIN, PHARM, TECH}),
    "items.add_item": frozenset({ADMIN}),
    "items.set_item_active": frozenset({ADMIN}),
    "formulas.list_formulas": frozenset({ADMIN, PHARM, TECH}),
    "formulas.show_formula": frozenset({ADMIN, PHARM, TECH}),
    "formulas.formula_versions": frozenset({ADMIN, PHARM, TECH}),
    "formulas.revise_formula": frozenset({PHARM}),
    "ingredient_lots.receive": STAFF,
    "ingredient_lots.index": frozenset({ADMIN, PHARM, TECH}),
    "ingredient_lots.show": frozenset({ADMIN, PHARM, TECH}),
    "ingredient_lots.release": frozenset({PHARM}),
    "ingredient_lots.reject": frozenset({PHARM}),
    "ingredient_lots.recall_lot": frozenset({PHARM}),
    "ingredient_lots.trace_lot": STAFF,
    "batches.create": STAFF,
    "batches.preview": STAFF,
    "batches.suggest": STAFF,
    "batches.index": frozenset({ADMIN, PHARM, TECH}),
    "batches.show": frozenset({ADMIN, PHARM, TECH}),
    "batches.record": STAFF,
    "batches.release": frozenset({PHARM}),
    "batches.reject": frozenset({PHARM}),
    "batches.clear_quarantine": frozenset({PHARM}),
    "batches.recall_batch": frozenset({PHARM}),
    "batches.trace_batch": STAFF,
    "fills.create_fill": STAFF,
    "fills.list_fills": STAFF,
    "recalls.index": frozenset({PHARM}),
    "recalls.show": frozenset({PHARM}),
    "recalls.recall_csv": frozenset({PHARM}),
    "web.admin_users": frozenset({ADMIN}),
    "web.admin_user_active": frozenset({ADMIN}),
    "web.admin_pharmacy": frozenset({ADMIN}),
    "web.admin_rules": frozenset({ADMIN}),
    "web.admin_rule": frozenset({ADMIN}),
    "web.login": PUB,
    "web.logout": ALL,
    "web.home": ALL,
    "web.new_batch": STAFF,
    "web.batch": STAFF,
    "web.find_batch": STAFF,
    "web.record_batch": STAFF,
    "web.release_batch": frozenset({PHARM}),
    "web.reject_batch": frozenset({PHARM}),
    "web.clear_quarantine": frozenset({PHARM}),
    "web.fill_prescription": STAFF,
    "web.fill": STAFF,
    "web.new_prescription": frozenset({PRESC}),
    "web.prescriber_home": frozenset({PRESC}),
    "web.pharmacist_home": frozenset({PHARM}),
    "web.phone_order": frozenset({PHARM}),
    "web.prescription": frozenset({PHARM, PRESC, TECH}),
    "web.verify": frozenset({PHARM}),
    "web.reject": frozenset({PHARM}),
    "web.override_hold": frozenset({PHARM}),
    "web.preview_directions": frozenset({PHARM, PRESC}),
    "web.recall": frozenset({PHARM}),
    "web.recall_start": frozenset({PHARM}),
    "web.recall_detail": frozenset({PHARM}),
    "web.recall_csv": frozenset({PHARM}),
    "web.lots": STAFF,
    "web.lot": STAFF,
    "web.release_lot": frozenset({PHARM}),
    "web.reject_lot": frozenset({PHARM}),
    "web.admin_catalog": frozenset({ADMIN, PHARM}),
    "web.formula": frozenset({ADMIN, PHARM, TECH}),
    "web.revise_formula": frozenset({PHARM}),
    "web.admin_catalog_add": frozenset({ADMIN}),
    "web.admin_catalog_active": frozenset({ADMIN}),
    "web.bench": STAFF,
    # money (issue 24): no costs for a technician; a prescriber their own prescriptions
    "money.prescription_price": frozenset({ADMIN, PHARM, PRESC}),
    "money.fill_receipt": STAFF,
    "money.batch_cost": frozenset({ADMIN, PHARM}),
    "money.monthly": frozenset({ADMIN, PHARM}),
    "money.monthly_csv": frozenset({ADMIN, PHARM}),
    "web.monthly_report": frozenset({ADMIN, PHARM}),
    "web.fill_receipt": STAFF,
    # labels and documents
    "printing.fill_label": STAFF,
    "printing.fill_leaflet": STAFF,
    "printing.batch_labels": STAFF,
    "printing.batch_worksheet": STAFF,
    "printing.recall_report": frozenset({PHARM}),
    "printing.print_queue": STAFF,
    "printing.print_queued": STAFF,
    "printing.print_log": STAFF,
    "web.print_label": STAFF,
    "web.print_leaflet": STAFF,
    "web.print_worksheet": STAFF,
    "web.print_batch_labels": STAFF,
    "web.print_queue": STAFF,
    "web.recall_pdf": frozenset({PHARM}),
    # Dispensing (issue 21): only a pharmacist verifies the product; staff print and
    # hand over; a prescriber sees the dispensing history of their own prescriptions.
    "dispensing.verify_product": frozenset({PHARM}),
    "dispensing.ready": STAFF,
    "dispensing.pickup": STAFF,
    "dispensing.shipment": STAFF,
    "dispensing.return_to_stock": STAFF,
    "dispensing.will_call": STAFF,
    "dispensing.will_call_search": STAFF,
    "dispensing.shipping": STAFF,
    "dispensing.history": frozenset({PHARM, TECH, PRESC}),
    "dispensing.print_label": STAFF,
    "dispensing.print_leaflet": STAFF,
    "dispensing.print_batch_labels": STAFF,
    "dispensing.printers": frozenset({ADMIN, PHARM, TECH}),
    "dispensing.add_printer": frozenset({ADMIN}),
    "dispensing.weight_correction": STAFF,
    "web.verify_product_page": frozenset({PHARM}),
    "web.dispensing_desk": STAFF,
    "web.fill_ready": STAFF,
    "web.fill_pickup": STAFF,
    "web.fill_shipment": STAFF,
    "web.fill_return_to_stock": STAFF,
    "web.choose_station": STAFF,
    "web.print_label_to_station": STAFF,
    "web.admin_printers": frozenset({ADMIN}),
    # FHIR R4
    "fhir.transaction": frozenset({PHARM, PRESC}),
    "fhir.metadata": PUB,
    "fhir.read_medication_request": frozenset({PHARM, PRESC, TECH}),
    "fhir.search_medication_requests": frozenset({PHARM, PRESC, TECH}),
    "fhir.search_medication_dispenses": frozenset({PHARM, PRESC, TECH}),
    # admin pages
    "web.admin_user_role": frozenset({ADMIN}),
    "web.admin_user_password": frozenset({ADMIN}),
    # Search, patient profiles, today's work and refills (issue 22): a prescriber only
    # their own patients and prescriptions (the services filter), staff everything.
    "search.find": frozenset({PHARM, PRESC, TECH}),
    "patients.index": frozenset({PHARM, PRESC, TECH}),
    "patients.show": frozenset({PHARM, PRESC, TECH}),
    "work.today": frozenset({PHARM, TECH}),
    "work.refills_due": frozenset({PHARM, PRESC, TECH}),
    "work.refill_queue": frozenset({PHARM, PRESC, TECH}),
    "work.request_refill": frozenset({PHARM, PRESC}),
    "work.close_request": frozenset({PHARM}),
    "web.search_page": frozenset({PHARM, PRESC, TECH}),
    "web.patient": frozenset({PHARM, PRESC, TECH}),
    "web.refills_page": frozenset({PHARM, TECH}),
    "web.work_list": frozenset({PHARM, TECH}),
    "web.record_refill_request": frozenset({PHARM, PRESC}),
    "web.close_refill_request": frozenset({PHARM}),
    "web.favicon": PUB,
}

# Calling these ends the caller's own token or session, so they get a fresh one each time.
ENDS_SESSION = {"auth.revoke", "web.logout"}
ROLE_ACCOUNT = {ADMIN: "admin", PHARM: "pharm", TECH: "tech", PRESC: "drA"}


def _roles_text(roles: frozenset[str]) -> str:
    if roles == PUB:
        return "PUB"
    return "frozenset({" + ", ".join(repr(r) for r in sorted(roles)) + "})"


def test_every_route_is_declared(app: Any) -> None:
    missing = []
    mismatched = []
    for rule in app.url_map.iter_rules():
        declared = declared_roles(app, rule.endpoint)
        if rule.endpoint not in ACCESS:
            suggestion = _roles_text(declared) if declared is not None else "frozenset({...})"
            missing.append(f'    "{rule.endpoint}": {suggestion},  # {rule.rule}')
        elif declared != ACCESS[rule.endpoint]:
            mismatched.append(
                f"  {rule.endpoint} ({rule.rule}): the view declares "
                f"{_roles_text(declared) if declared is not None else 'nothing'}, "
                f"the table says {_roles_text(ACCESS[rule.endpoint])}"
            )
    message = ""
    if missing:
        message += (
            "Routes with no entry in the access table. Decide who may call each, decorate the "
            "view with @allow(...) or @public, and add to ACCESS in "
            "tests/hardening/test_access_matrix.py:\n" + "\n".join(missing) + "\n"
        )
    if mismatched:
        message += (
            "Routes whose @allow(...) differs from the access table (fix whichever is wrong):\n"
            + "\n".join(mismatched)
        )
    assert not message, message


def test_no_stale_entries(app: Any) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    # Web pages may be absent when pharmacy.web is not installed.
    stale = sorted(e for e in set(ACCESS) - endpoints if not e.startswith("web."))
    assert not stale, f"ACCESS lists endpoints that no longer exist; remove them: {stale}"


def _path(app: Any, rule: Rule) -> str:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)  # noqa: SLF001
        if isinstance(converter, UUIDConverter):
            values[name] = uuid.UUID(int=1)
        elif isinstance(converter, NumberConverter):
            values[name] = 1
        else:
            values[name] = "x"
    with app.test_request_context():
        return str(url_for(rule.endpoint, **values))


def _fresh_token(api: Any, username: str) -> str:
    from .helpers import PASSWORD

    response = api.client.post(
        "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200
    return str(response.get_json()["token"])


def _calls(app: Any) -> list[tuple[str, str, str]]:
    calls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in ACCESS:
            continue  # test_every_route_is_declared reports it
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            calls.append((rule.endpoint, method, _path(app, rule)))
    return calls


def test_roles_are_enforced_on_every_route(api: Any) -> None:
    app = api.app
    problems = []
    for endpoint, method, path in _calls(app):
        allowed = ACCESS[endpoint]
        for role, username in ROLE_ACCOUNT.items():
            if endpoint in ENDS_SESSION:
                token = _fresh_token(api, username)
            else:
                token = api.accounts[username].token
            response = api.client.open(
                path,
                method=method,
                headers={"Authorization": f"Bearer {token}"},
                json={} if method in ("POST", "PUT", "PATCH") else None,
            )
            status = response.status_code
            if allowed == PUB or role in allowed:
                if status in (401, 403) or status >= 500:
                    problems.append(f"{method} {path} as {role}: {status}, expected access")
            elif status != 403:
                problems.append(f"{method} {path} as {role}: {status}, expected 403")
        anonymous = api.client.open(
            path, method=method, json={} if method in ("POST", "PUT", "PATCH") else None
        )
        if allowed != PUB:
            if path.startswith(("/api/", "/fhir/")):
                ok = anonymous.status_code == 401
            else:
                ok = anonymous.status_code in (302, 303) and "login" in anonymous.location
            if not ok:
                problems.append(f"{method} {path} anonymous: {anonymous.status_code}")
        elif anonymous.status_code >= 500:
            problems.append(f"{method} {path} anonymous: {anonymous.status_code}")
    assert not problems, "\n".join(problems)


def test_denied_calls_are_audited(api: Any) -> None:
    from sqlalchemy import select

    from pharmacy.models import AuditEvent
    from pharmacy.services.uow import read_session

    response = api.post("/api/v1/prescriptions/1/verify", as_="tech", json={"password": "x"})
    assert response.status_code == 403
    events = read_session().execute(
        select(AuditEvent).where(AuditEvent.action == "access.denied")
    ).scalars().all()
    assert [e.entity_id for e in events] == ["prescriptions.verify"]


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer nope", "Basic abc", "bearer x y"])
def test_bad_tokens_are_401(api: Any, header: str) -> None:
    response = api.client.get("/api/v1/prescriptions", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["code"] == 401


def test_revoked_token_is_refused(api: Any) -> None:
    token = _fresh_token(api, "pharm")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/prescriptions", headers=headers).status_code == 200
    assert api.client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert api.client.get("/api/v1/prescriptions", headers=headers).status_code == 401


def test_tokens_are_stored_hashed(api: Any) -> None:
    from sqlalchemy import select

    from pharmacy.models import ApiToken
    from pharmacy.services.uow import read_session

    stored = set(read_session().execute(select(ApiToken.token_hash)).scalars())
    for account in api.accounts.values():
        assert account.token not in stored
        assert all(account.token not in value for value in stored)
