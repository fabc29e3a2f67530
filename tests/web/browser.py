"""A live server on 127.0.0.1 (the real app in a thread, on a fresh migrated and seeded
database) and headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
USERS = [
    ("admin", "admin", {"full_name": "Avery Admin"}),
    ("pharm", "pharmacist", {"full_name": "Pat Pharmacist, PharmD"}),
    ("pharm2", "pharmacist", {"full_name": "Quinn Checker, PharmD"}),
    ("tech", "technician", {"full_name": "Terry Technician, CPhT"}),
    ("drgrey", "prescriber", {"full_name": "Dr. Meredith Grey", "npi": "1234567893",
                              "phone": "(217) 555-0142"}),
]


def browser_missing(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(f"browser tests skipped: {reason} (REQUIRE_BROWSER=1 makes this a failure)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    app: Any

    def path(self, path: str) -> str:
        return self.url + path


def start_live_server(tmp: Path) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    from pharmacy import migrate
    from pharmacy.app import create_app
    from pharmacy.audit import SYSTEM
    from pharmacy.seed import seed_reference_data
    from pharmacy.services import accounts
    from pharmacy.services.uow import current_db

    url = f"sqlite:///{tmp / 'live.db'}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "PHARMACY_ENV": "testing", "SECRET_KEY": "live"})
    with app.app_context():
        with current_db().transaction() as session:
            seed_reference_data(session)
        for username, role, extra in USERS:
            accounts.create_user(SYSTEM, username=username, password=PASSWORD, role=role, **extra)
        current_db().remove()
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            current_db().dispose()


def launch_chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        browser_missing(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_missing("Playwright for Python is not installed")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                headless=True,
                args=CHROMIUM_ARGS,
            )
        except Exception as error:  # noqa: BLE001 - any launch failure means no browser
            browser_missing(f"Chromium did not start ({type(error).__name__}: {error})")
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, server: LiveServer, username: str, password: str = PASSWORD) -> None:
    page.goto(server.path("/login"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def sign_out(page: Any) -> None:
    page.click("#logout")
    page.wait_for_url("**/login")
