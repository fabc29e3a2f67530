"""Sign in, sign out and the start page that sends each role to its workbench."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import g, redirect, request, session, url_for
from flask_login import login_user, logout_user  # type: ignore[import-untyped]
from werkzeug.wrappers import Response

from pharmacy.auth import WEB_SESSION_KEY, allow, public
from pharmacy.errors import TooManyAttempts, Unauthorized
from pharmacy.http_errors import status_for
from pharmacy.services import accounts
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import FormErrors, render_form
from pharmacy.web.session import WebUser

HOME = {
    "prescriber": "web.prescriber_home",
    "pharmacist": "web.pharmacist_home",
    "technician": "web.bench",
    "admin": "web.admin_users",
}
ALL_ROLES = ("admin", "pharmacist", "technician", "prescriber")


_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


def _safe_next(target: str | None) -> str | None:
    """Only a relative path on this site. Refused, as typed and after each round of URL
    decoding: a scheme or host, `//`, a backslash and any control character (browsers drop
    a tab or newline, so `/\t/evil.example` would become `//evil.example`)."""
    if not target or len(target) > 2000:
        return None
    seen = target
    for _ in range(5):  # `%252F` decodes twice; five rounds is far beyond any real path
        if _UNSAFE_IN_NEXT.search(seen) or not seen.startswith("/") or seen.startswith("//"):
            return None
        parts = urlsplit(seen)
        if parts.scheme or parts.netloc:
            return None
        decoded = unquote(seen)
        if decoded == seen:
            return target
        seen = decoded
    return None


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | tuple[str, int]:
    if g.get("actor") is not None and request.method == "GET":
        return redirect(url_for("web.home"))
    if request.method == "GET":
        return render_form("web/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        return render_form(
            "web/login.html", FormErrors({}, "Enter your username and password."), status=401,
            next=request.form.get("next", ""), values={"username": username},
        )
    try:
        actor, secret = accounts.sign_in(
            username,
            password,
            purpose="web",
            client=request.remote_addr,
        )
    except (Unauthorized, TooManyAttempts) as error:
        return render_form(
            "web/login.html", FormErrors({}, error.message), status=status_for(error),
            next=request.form.get("next", ""), values={"username": username},
        )
    # A fresh cookie session on sign-in, so no earlier value survives (session fixation).
    session.clear()
    session[WEB_SESSION_KEY] = secret
    g.actor = actor
    login_user(WebUser(actor))
    target = _safe_next(request.form.get("next")) or url_for(HOME.get(actor.role, "web.home"))
    return redirect(target)


@bp.route("/logout", methods=["POST"])
@allow(*ALL_ROLES)
def logout() -> Response:
    secret = session.get(WEB_SESSION_KEY)
    if secret:
        accounts.end_web_session(secret)
    logout_user()
    session.clear()
    return redirect(url_for("web.login"))


@bp.route("/")
@allow(*ALL_ROLES)
def home() -> Response:
    return redirect(url_for(HOME[g.actor.role]))
