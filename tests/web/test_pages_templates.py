"""Every template compiles; every page endpoint declares its roles; static files have no
inline script or style (the CSP forbids them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "pharmacy" / "templates"


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from pharmacy.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('tpl') / 'x.db'}"
    return create_app({"DATABASE_URL": url, "PHARMACY_ENV": "testing", "SECRET_KEY": "t"})


def test_every_template_compiles(bare_app: Any) -> None:
    names = [p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")]
    assert len(names) > 10
    for name in names:
        bare_app.jinja_env.get_template(name)


def test_every_page_declares_its_roles(bare_app: Any) -> None:
    from pharmacy.auth import declared_roles

    pages = [e for e in bare_app.view_functions if e.startswith("web.")]
    assert "web.login" in pages
    missing = [e for e in pages if declared_roles(bare_app, e) is None]
    assert not missing


def test_no_inline_scripts_styles_or_handlers() -> None:
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert "<style" not in html, path
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path


def test_error_pages_are_styled_and_say_what_happened(bare_app: Any) -> None:
    client = bare_app.test_client()
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Not found" in html and "/static/app.css" in html
