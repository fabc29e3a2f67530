"""Load against the real app under gunicorn on PostgreSQL, over loopback: a scratch database
with seeded accounts, a gunicorn server, timed load from client threads, and the mixed
phase (prescribers submitting, pharmacists verifying, technicians filling) with the checks
that every accepted write is present afterwards.

Used by `test_load_behind_gunicorn.py` (correctness only) and by `bench/bench_load.py`
(which measures throughput and latency with the same pieces). Nothing here imports bench/.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "load password " + secrets.token_hex(4)

Work = Callable[["Stats", int], None]


# HTTP -----------------------------------------------------------------------------------


def request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    timeout: float = 30,
) -> tuple[int, Any, float]:
    """One request on a fresh connection, as a client that sends one and goes."""
    headers = {"Connection": "close"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        status = response.status
    finally:
        conn.close()
    elapsed = time.perf_counter() - start
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw[:200]
    return status, parsed, elapsed


def ok(result: tuple[int, Any, float], *expected: int) -> Any:
    status, body, _ = result
    if status not in expected:
        raise SystemExit(f"setup request failed: {status} {body}")
    return body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Server ---------------------------------------------------------------------------------


class Server:
    """gunicorn as `pharmacy serve` runs it (pharmacy/serving.py: gthread workers, their
    threads, keep-alive and timeouts), with 2 workers, serving `module` from the repository
    root."""

    def __init__(self, module: str, env: dict[str, str], name: str) -> None:
        from pharmacy.serving import THREADS_PER_WORKER, gunicorn_argv

        self.port = free_port()
        self.name = name
        self.log_path = Path(tempfile.gettempdir()) / f"load_{name}_{os.getpid()}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115
        bind = f"127.0.0.1:{self.port}"
        command = gunicorn_argv(str(BIN / "gunicorn"), bind, 2, THREADS_PER_WORKER, app=module)
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=self.log, stderr=self.log
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{name} did not start; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# Load -----------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # connection errors (no HTTP status at all)
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, latency: float) -> None:
        with self.lock:
            self.latencies.append(latency)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float) -> float:
        """The p-th percentile latency in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    @property
    def server_errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500)


def run_load(seconds: float, workers: list[Work]) -> Stats:
    """Each worker in its own thread, called again and again until `seconds` have passed."""
    stats = Stats()
    stop_at = time.perf_counter() + seconds

    def loop(work: Work) -> None:
        n = 0
        while time.perf_counter() < stop_at:
            try:
                work(stats, n)
            except (OSError, http.client.HTTPException):
                with stats.lock:
                    stats.errors += 1
            n += 1

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats.elapsed = time.perf_counter() - start
    return stats


def rx_body(tag: str, n: int) -> dict[str, Any]:
    """A prescription for a new patient each time (`tag` and `n` make the name unique)."""
    return {
        "patient": {
            "first_name": f"Load{tag}{n}",
            "last_name": "Bench",
            "date_of_birth": "1970-05-01",
            "phone": "(217) 555-0100",
            "address": "1 Bench Street",
            "current_medications": ["sertraline 50 mg"],
        },
        "dosage_form": "capsule",
        "strength_mg": "4.5",
        "dose_mg": "4.5",
        "days_supply": 30,
        "opioid_attestation": True,
    }


# Database and accounts ------------------------------------------------------------------


def scratch_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """A new empty database on `base_url`'s server, and the function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(base_url)
    name = f"load_driver_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def prepare(url: str, prescribers: int) -> dict[str, Any]:
    """Migrate, seed, and add the accounts (in process, before any server starts):
    `prescribers` prescribers as (username, prescriber id), two pharmacists and two
    technicians by username."""
    from pharmacy import migrate
    from pharmacy.app import create_app
    from pharmacy.audit import SYSTEM
    from pharmacy.seed import seed_reference_data
    from pharmacy.services import accounts
    from pharmacy.services.uow import current_db
    from tests.conftest import next_npi

    migrate.upgrade(url)
    secret = secrets.token_urlsafe(32)
    app = create_app({"DATABASE_URL": url, "PHARMACY_ENV": "production", "SECRET_KEY": secret})
    users: dict[str, Any] = {"prescribers": [], "pharmacists": [], "technicians": []}

    def add(username: str, role: str, full_name: str, **extra: Any) -> Any:
        return accounts.create_user(
            SYSTEM, username=username, password=PASSWORD, role=role, full_name=full_name, **extra
        )

    with app.app_context():
        with current_db().transaction() as session:
            seed_reference_data(session)
        for i in range(prescribers):
            user = add(f"drload{i}", "prescriber", f"Dr. Load {i}", npi=next_npi())
            users["prescribers"].append((user.username, user.prescriber_id))
        for i in range(2):
            users["pharmacists"].append(
                add(f"pharmload{i}", "pharmacist", f"Pharm Load {i}").username
            )
            users["technicians"].append(
                add(f"techload{i}", "technician", f"Tech Load {i}").username
            )
        current_db().dispose()
    return users


@contextmanager
def served_app(base_url: str, name: str, prescribers: int) -> Iterator[tuple[Server, str, Any]]:
    """The app under gunicorn as `pharmacy serve` runs it, on a scratch database of
    `base_url`'s server with `prepare`'s accounts: (server, database URL, accounts). The
    server is stopped (if the block has not stopped it) and the database dropped after."""
    url, drop = scratch_database(base_url)
    server = None
    try:
        users = prepare(url, prescribers)
        env = {
            "DATABASE_URL": url,
            "PHARMACY_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(32),
        }
        server = Server("wsgi:app", env, name)
        yield server, url, users
    finally:
        if server is not None and server.proc.poll() is None:
            server.stop()
        drop()


def token(port: int, username: str) -> str:
    credentials = {"username": username, "password": PASSWORD}
    body = ok(request(port, "POST", "/api/v1/auth/token", credentials), 200)
    return str(body["token"])


def stock_up(port: int, tech: str, pharm: str, batches: int) -> list[int]:
    """Receive and release lots, then make, record and release capsule batches."""
    far = (date.today() + timedelta(days=900)).strftime("%Y-%m")
    coa = {"assay_percent": 99.5, "assay_basis": "anhydrous", "water_percent": 0.5, "form": "hcl"}
    signature = {"password": PASSWORD}
    lots: list[tuple[str, int, str, dict[str, Any]]] = [
        ("naltrexone-hcl", 50, "g", {"coa": coa}),
        ("mcc", 5000, "g", {"pack_stats_mg": {"3": 95}}),
        ("capsule-3", 50000, "each", {}),
    ]
    for code, quantity, unit, extra in lots:
        lot: dict[str, Any] = {"item_code": code, "manufacturer": "Acme", "unit": unit}
        lot |= {"manufacturer_lot": f"M-{code}", "expiry": far, "quantity": quantity, **extra}
        created = ok(request(port, "POST", "/api/v1/ingredient-lots", lot, tech), 201)
        path = f"/api/v1/ingredient-lots/{created['id']}/release"
        ok(request(port, "POST", path, signature, pharm), 200)
    ids = []
    order = {"formula_code": "ldn-capsule-mcc", "strength_mg": 4.5, "quantity": 900}
    for _ in range(batches):
        batch = ok(request(port, "POST", "/api/v1/batches", order, tech), 201)
        actuals = [
            {"ingredient_lot_id": c["ingredient_lot_id"], "actual_mg": c["theoretical_amount"]}
            for c in batch["components"]
            if c["ingredient_lot_id"] is not None
        ]
        check = batch["weight_check"]
        weights = [check["theoretical_mg"]] * check["sample"] if check else []
        record = {"actuals": actuals, "capsule_weights_mg": weights}
        ok(request(port, "POST", f"/api/v1/batches/{batch['id']}/record", record, tech), 200)
        ok(request(port, "POST", f"/api/v1/batches/{batch['id']}/release", signature, pharm), 200)
        ids.append(batch["id"])
    return ids


# The mixed phase ------------------------------------------------------------------------


@dataclass
class Accepted:
    """What the server said it stored: each must be present afterwards."""

    created: dict[int, str] = field(default_factory=dict)  # id -> rx_number
    verified: set[int] = field(default_factory=set)
    fills: dict[int, tuple[int, int, Decimal]] = field(default_factory=dict)  # id->(rx,batch,q)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _prescriber(port: int, tok: str, i: int, accepted: Accepted, role: Stats) -> Work:
    def work(stats: Stats, n: int) -> None:
        path = "/api/v1/prescriptions"
        status, body, latency = request(port, "POST", path, rx_body(f"mix{i}x", n), tok)
        stats.add(status, latency)
        role.add(status, latency)
        if status == 201:
            with accepted.lock:
                accepted.created[body["id"]] = body["rx_number"]

    return work


def _pharmacist(port: int, tok: str, accepted: Accepted, role: Stats) -> Work:
    listing = "/api/v1/prescriptions?status=submitted&sort=created_at&per_page=5"
    signature = {"password": PASSWORD, "acknowledge_warnings": True}

    def work(stats: Stats, n: int) -> None:
        status, page, latency = request(port, "GET", listing, None, tok)
        stats.add(status, latency)
        if status != 200 or not page["items"]:
            time.sleep(0.02)
            return
        for item in page["items"]:
            path = f"/api/v1/prescriptions/{item['id']}/verify"
            status, _, latency = request(port, "POST", path, signature, tok)
            stats.add(status, latency)
            role.add(status, latency)
            if status == 200:
                with accepted.lock:
                    accepted.verified.add(item["id"])

    return work


def _technician(
    port: int, tok: str, offset: int, batch_ids: list[int], accepted: Accepted, role: Stats
) -> Work:
    listing = "/api/v1/prescriptions?status=verified&sort=created_at&per_page=5"

    def work(stats: Stats, n: int) -> None:
        status, page, latency = request(port, "GET", listing, None, tok)
        stats.add(status, latency)
        if status != 200 or not page["items"]:
            time.sleep(0.02)
            return
        for item in page["items"][offset::2] or page["items"]:
            batch = batch_ids[(item["id"] + offset) % len(batch_ids)]
            path = f"/api/v1/prescriptions/{item['id']}/fills"
            status, body, latency = request(
                port, "POST", path, {"batch_id": batch, "quantity": 30}, tok
            )
            stats.add(status, latency)
            role.add(status, latency)
            if status == 201:
                with accepted.lock:
                    accepted.fills[body["id"]] = (item["id"], batch, Decimal(30))

    return work


def mixed_phase(
    port: int, tokens: dict[str, list[str]], batch_ids: list[int], seconds: float
) -> tuple[Stats, Accepted, dict[str, Stats]]:
    """Up to 4 prescribers submitting, the pharmacists verifying (each with their
    e-signature) and the technicians filling from `batch_ids`, all at once for `seconds`.
    Returns every request's stats, what was accepted, and the writes' stats by role."""
    accepted = Accepted()
    per_role = {"submit": Stats(), "verify": Stats(), "fill": Stats()}
    workers: list[Work] = []
    for i, tok in enumerate(tokens["prescribers"][:4]):
        workers.append(_prescriber(port, tok, i, accepted, per_role["submit"]))
    for tok in tokens["pharmacists"]:
        workers.append(_pharmacist(port, tok, accepted, per_role["verify"]))
    for i, tok in enumerate(tokens["technicians"]):
        workers.append(_technician(port, tok, i, batch_ids, accepted, per_role["fill"]))
    total = run_load(seconds, workers)
    for stats in per_role.values():
        stats.elapsed = total.elapsed
    return total, accepted, per_role


def check_afterwards(url: str, accepted: Accepted, batch_ids: list[int]) -> list[str]:
    """Every accepted write is there; stock and the audit chain add up. Returns the
    problems found (none: all is well)."""
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    from pharmacy.audit import verify_chain
    from pharmacy.models import AuditEvent, Prescription
    from pharmacy.models.stock import Batch, Fill

    problems: list[str] = []
    engine = create_engine(url)
    with Session(engine) as session:
        rows = dict(session.execute(select(Prescription.id, Prescription.rx_number)).all())
        missing = [i for i, rx in accepted.created.items() if rows.get(i) != rx]
        if missing:
            problems.append(f"{len(missing)} accepted prescriptions missing: {missing[:5]}")
        statuses = dict(session.execute(select(Prescription.id, Prescription.status)).all())
        unverified = [i for i in accepted.verified if statuses.get(i) not in ("verified", "filled")]
        if unverified:
            problems.append(f"verified prescriptions not verified: {unverified[:5]}")
        fills = {f.id: f for f in session.execute(select(Fill)).scalars()}
        for fill_id, (rx_id, batch_id, _quantity) in accepted.fills.items():
            row = fills.get(fill_id)
            if row is None or (row.prescription_id, row.batch_id) != (rx_id, batch_id):
                problems.append(f"accepted fill {fill_id} missing or wrong")
            elif statuses.get(rx_id) != "filled":
                problems.append(f"filled prescription {rx_id} is {statuses.get(rx_id)}")
        if len(fills) != len(accepted.fills):
            problems.append(f"{len(fills)} fills stored, {len(accepted.fills)} accepted")
        for batch_id in batch_ids:
            batch = session.get(Batch, batch_id)
            if batch is None:
                problems.append(f"batch {batch_id} missing")
                continue
            dispensed = session.execute(
                select(func.coalesce(func.sum(Fill.quantity), 0)).where(Fill.batch_id == batch_id)
            ).scalar_one()
            if batch.quantity_on_hand != batch.units_made - dispensed:
                problems.append(
                    f"batch {batch_id}: on hand {batch.quantity_on_hand} != made "
                    f"{batch.units_made} - dispensed {dispensed}"
                )
        created_events = session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "prescription.created")
        ).scalar_one()
        if created_events != len(rows):
            problems.append(f"{created_events} creation events for {len(rows)} prescriptions")
        check = verify_chain(session)
        if not check.ok:
            problems.append(f"audit chain broken at {check.first_broken_id}: {check.problem}")
    engine.dispose()
    return problems
