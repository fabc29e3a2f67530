"""Load benchmark (not a test): gunicorn with 2 workers on PostgreSQL, loopback only.

1. Intake target: POST /api/v1/prescriptions at 8 connections against the bare Flask +
   marshmallow + SQLAlchemy insert endpoint of `bench/floor_app.py`, measured in the same
   run on the same database server, interleaved (floor, app, floor, app); the app must
   reach >= 60 % of the floor's requests/s with p99 <= 100 ms.
2. Mixed load: prescribers submitting, pharmacists verifying (with their e-signature),
   technicians filling from released batches, all at once for a bounded time: zero 5xx,
   every accepted write present afterwards, stock and audit chain consistent.

    .venv/bin/python bench/bench_load.py [--seconds 8] [--mixed-seconds 15] [--write]

Needs PostgreSQL on 127.0.0.1:5432 (BENCH_PG_URL to change; a scratch database is created
and dropped). `--write` replaces the "## Load" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench password " + secrets.token_hex(4)
CONNECTIONS = 8
TARGET_RATIO = 0.60
TARGET_P99_MS = 100.0


# HTTP -----------------------------------------------------------------------------------

def request(port: int, method: str, path: str, body: Any = None, token: str | None = None,
            timeout: float = 30) -> tuple[int, Any, float]:
    """One request on a fresh connection (gunicorn's sync workers close after each)."""
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


# Servers --------------------------------------------------------------------------------

THREADS = 1  # gunicorn --threads per worker (1: the sync worker)


class Server:
    def __init__(self, module: str, env: dict[str, str], name: str) -> None:
        self.port = free_port()
        self.name = name
        self.log = open(f"/tmp/bench_load_{name}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--threads", str(THREADS),
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "60",
             module],
            cwd=ROOT, env={**os.environ, **env}, stdout=self.log, stderr=self.log,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{name} did not start; see /tmp/bench_load_{name}.log")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


# Load -----------------------------------------------------------------------------------

@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
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
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    @property
    def server_errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500)


def run_load(seconds: float, workers: list[Callable[[Stats, int], None]]) -> Stats:
    stats = Stats()
    stop_at = time.perf_counter() + seconds

    def loop(work: Callable[[Stats, int], None], index: int) -> None:
        n = 0
        while time.perf_counter() < stop_at:
            try:
                work(stats, n)
            except (OSError, http.client.HTTPException):
                with stats.lock:
                    stats.errors += 1
            n += 1

    threads = [threading.Thread(target=loop, args=(w, i)) for i, w in enumerate(workers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats.elapsed = time.perf_counter() - start
    return stats


def rx_body(tag: str, n: int, prescriber_id: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
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
    if prescriber_id is not None:
        body["prescriber_id"] = prescriber_id
    return body


def floor_body(tag: str, n: int) -> dict[str, Any]:
    body = rx_body(tag, n)
    body.pop("opioid_attestation")
    body["opioid_attestation"] = True
    return body


# Database -------------------------------------------------------------------------------

def scratch_database() -> tuple[str, Callable[[], None]]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(PG)
    name = f"bench_load_{os.getpid()}"
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
    """Migrate, seed, and add the accounts (in process, before the servers start)."""
    from pharmacy import migrate
    from pharmacy.app import create_app
    from pharmacy.audit import SYSTEM
    from pharmacy.seed import seed_reference_data
    from pharmacy.services import accounts
    from pharmacy.services.uow import current_db
    from tests.conftest import next_npi

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "PHARMACY_ENV": "production",
                      "SECRET_KEY": secrets.token_urlsafe(32)})
    users: dict[str, Any] = {"prescribers": [], "pharmacists": [], "technicians": []}
    with app.app_context():
        with current_db().transaction() as session:
            seed_reference_data(session)
        for i in range(prescribers):
            user = accounts.create_user(SYSTEM, username=f"drload{i}", password=PASSWORD,
                                        role="prescriber", full_name=f"Dr. Load {i}",
                                        npi=next_npi())
            users["prescribers"].append((user.username, user.prescriber_id))
        for i in range(2):
            accounts.create_user(SYSTEM, username=f"pharmload{i}", password=PASSWORD,
                                 role="pharmacist", full_name=f"Pharm Load {i}")
            users["pharmacists"].append(f"pharmload{i}")
            accounts.create_user(SYSTEM, username=f"techload{i}", password=PASSWORD,
                                 role="technician", full_name=f"Tech Load {i}")
            users["technicians"].append(f"techload{i}")
        current_db().dispose()

    from sqlalchemy import create_engine

    from bench.floor_app import Base

    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return users


def token(port: int, username: str) -> str:
    body = ok(request(port, "POST", "/api/v1/auth/token",
                      {"username": username, "password": PASSWORD}), 200)
    return str(body["token"])


def stock_up(port: int, tech: str, pharm: str, batches: int) -> list[int]:
    """Receive and release lots, then make, record and release capsule batches."""
    far = (date.today() + timedelta(days=900)).strftime("%Y-%m")
    lots = []
    for code, quantity, unit, extra in [
        ("naltrexone-hcl", 50, "g", {"coa": {"assay_percent": 99.5, "assay_basis": "anhydrous",
                                               "water_percent": 0.5, "form": "hcl"}}),
        ("mcc", 5000, "g", {"pack_stats_mg": {"3": 95}}),
        ("capsule-3", 50000, "each", {}),
    ]:
        lot = ok(request(port, "POST", "/api/v1/ingredient-lots", {
            "item_code": code, "manufacturer": "Acme", "manufacturer_lot": f"M-{code}",
            "expiry": far, "quantity": quantity, "unit": unit, **extra}, tech), 201)
        ok(request(port, "POST", f"/api/v1/ingredient-lots/{lot['id']}/release",
                   {"password": PASSWORD}, pharm), 200)
        lots.append(lot["id"])
    ids = []
    for _ in range(batches):
        batch = ok(request(port, "POST", "/api/v1/batches", {
            "formula_code": "ldn-capsule-mcc", "strength_mg": 4.5, "quantity": 900}, tech), 201)
        actuals = [{"ingredient_lot_id": c["ingredient_lot_id"],
                    "actual_mg": c["theoretical_amount"]}
                   for c in batch["components"] if c["ingredient_lot_id"] is not None]
        check = batch["weight_check"]
        weights = [check["theoretical_mg"]] * check["sample"] if check else []
        ok(request(port, "POST", f"/api/v1/batches/{batch['id']}/record",
                   {"actuals": actuals, "capsule_weights_mg": weights}, tech), 200)
        ok(request(port, "POST", f"/api/v1/batches/{batch['id']}/release",
                   {"password": PASSWORD}, pharm), 200)
        ids.append(batch["id"])
    return ids


# Phases ---------------------------------------------------------------------------------

def intake_phase(port: int, tokens: list[str], seconds: float, tag: str) -> Stats:
    def worker(i: int) -> Callable[[Stats, int], None]:
        def work(stats: Stats, n: int) -> None:
            status, _, latency = request(port, "POST", "/api/v1/prescriptions",
                                         rx_body(f"{tag}w{i}x", n), tokens[i % len(tokens)])
            stats.add(status, latency)
        return work

    return run_load(seconds, [worker(i) for i in range(CONNECTIONS)])


def floor_phase(port: int, seconds: float, tag: str) -> Stats:
    def worker(i: int) -> Callable[[Stats, int], None]:
        def work(stats: Stats, n: int) -> None:
            status, _, latency = request(port, "POST", "/floor/prescriptions",
                                         floor_body(f"{tag}w{i}x", n))
            stats.add(status, latency)
        return work

    return run_load(seconds, [worker(i) for i in range(CONNECTIONS)])


@dataclass
class Accepted:
    created: dict[int, str] = field(default_factory=dict)  # id -> rx_number
    verified: set[int] = field(default_factory=set)
    fills: dict[int, tuple[int, int, Decimal]] = field(default_factory=dict)  # id->(rx,batch,q)
    lock: threading.Lock = field(default_factory=threading.Lock)


def mixed_phase(port: int, tokens: dict[str, list[str]], batch_ids: list[int],
                seconds: float) -> tuple[Stats, Accepted, dict[str, Stats]]:
    accepted = Accepted()
    per_role = {"submit": Stats(), "verify": Stats(), "fill": Stats()}

    def prescriber(tok: str, i: int) -> Callable[[Stats, int], None]:
        def work(stats: Stats, n: int) -> None:
            status, body, latency = request(port, "POST", "/api/v1/prescriptions",
                                            rx_body(f"mix{i}x", n), tok)
            stats.add(status, latency)
            per_role["submit"].add(status, latency)
            if status == 201:
                with accepted.lock:
                    accepted.created[body["id"]] = body["rx_number"]
        return work

    def pharmacist(tok: str) -> Callable[[Stats, int], None]:
        def work(stats: Stats, n: int) -> None:
            status, page, latency = request(
                port, "GET", "/api/v1/prescriptions?status=submitted&sort=created_at&per_page=5",
                None, tok)
            stats.add(status, latency)
            if status != 200 or not page["items"]:
                time.sleep(0.02)
                return
            for item in page["items"]:
                status, _, latency = request(
                    port, "POST", f"/api/v1/prescriptions/{item['id']}/verify",
                    {"password": PASSWORD, "acknowledge_warnings": True}, tok)
                stats.add(status, latency)
                per_role["verify"].add(status, latency)
                if status == 200:
                    with accepted.lock:
                        accepted.verified.add(item["id"])
        return work

    def technician(tok: str, offset: int) -> Callable[[Stats, int], None]:
        def work(stats: Stats, n: int) -> None:
            status, page, latency = request(
                port, "GET", "/api/v1/prescriptions?status=verified&sort=created_at&per_page=5",
                None, tok)
            stats.add(status, latency)
            if status != 200 or not page["items"]:
                time.sleep(0.02)
                return
            items = page["items"][offset::2] or page["items"]
            for item in items:
                batch = batch_ids[(item["id"] + offset) % len(batch_ids)]
                status, body, latency = request(
                    port, "POST", f"/api/v1/prescriptions/{item['id']}/fills",
                    {"batch_id": batch, "quantity": 30}, tok)
                stats.add(status, latency)
                per_role["fill"].add(status, latency)
                if status == 201:
                    with accepted.lock:
                        accepted.fills[body["id"]] = (item["id"], batch, Decimal(30))
        return work

    workers: list[Callable[[Stats, int], None]] = []
    workers += [prescriber(t, i) for i, t in enumerate(tokens["prescribers"][:4])]
    workers += [pharmacist(t) for t in tokens["pharmacists"]]
    workers += [technician(t, i) for i, t in enumerate(tokens["technicians"])]
    total = run_load(seconds, workers)
    for stats in per_role.values():
        stats.elapsed = total.elapsed
    return total, accepted, per_role


def check_afterwards(url: str, accepted: Accepted, batch_ids: list[int]) -> list[str]:
    """Every accepted write is there; stock and the audit chain add up."""
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
            dispensed = session.execute(
                select(func.coalesce(func.sum(Fill.quantity), 0)).where(Fill.batch_id == batch_id)
            ).scalar_one()
            if batch.quantity_on_hand != batch.units_made - dispensed:
                problems.append(f"batch {batch_id}: on hand {batch.quantity_on_hand} != made "
                                f"{batch.units_made} - dispensed {dispensed}")
        created_events = session.execute(
            select(func.count()).select_from(AuditEvent)
            .where(AuditEvent.action == "prescription.created")
        ).scalar_one()
        if created_events != len(rows):
            problems.append(f"{created_events} creation events for {len(rows)} prescriptions")
        check = verify_chain(session)
        if not check.ok:
            problems.append(f"audit chain broken at {check.first_broken_id}: {check.problem}")
    engine.dispose()
    return problems


# Report ---------------------------------------------------------------------------------

def line(name: str, stats: Stats) -> str:
    return (f"| {name} | {stats.count} | {stats.rps:.0f} | {stats.pct(50):.1f} | "
            f"{stats.pct(99):.1f} | {stats.server_errors} | "
            f"{', '.join(f'{k}: {v}' for k, v in sorted(stats.statuses.items()))} |")


def write_results(text: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    start = current.find("\n## Load\n")
    if start == -1:
        updated = current.rstrip("\n") + "\n\n" + text
    else:
        end = current.find("\n## ", start + 1)
        updated = current[: start + 1] + text + (current[end:] if end != -1 else "")
    path.write_text(updated.rstrip("\n") + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per intake round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mixed-seconds", type=float, default=15.0)
    parser.add_argument("--threads", type=int, default=1,
                        help="gunicorn threads per worker (1 = sync workers)")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()
    global THREADS
    THREADS = args.threads

    load_before = os.getloadavg()[0]
    url, drop = scratch_database()
    servers: list[Server] = []
    try:
        users = prepare(url, prescribers=CONNECTIONS)
        app_env = {"DATABASE_URL": url, "PHARMACY_ENV": "production",
                   "SECRET_KEY": secrets.token_urlsafe(32)}
        floor_env = {"FLOOR_DATABASE_URL": url}

        floors: list[Stats] = []
        apps: list[Stats] = []
        tokens: dict[str, list[str]] = {}
        for round_ in range(args.rounds):
            floor = Server("bench.floor_app:app", floor_env, "floor")
            servers.append(floor)
            floor_phase(floor.port, 1.0, f"warm{round_}")
            floors.append(floor_phase(floor.port, args.seconds, f"f{round_}"))
            floor.stop()

            app = Server("wsgi:app", app_env, "app")
            servers.append(app)
            if not tokens:
                tokens = {
                    "prescribers": [token(app.port, u) for u, _ in users["prescribers"]],
                    "pharmacists": [token(app.port, u) for u in users["pharmacists"]],
                    "technicians": [token(app.port, u) for u in users["technicians"]],
                }
            intake_phase(app.port, tokens["prescribers"], 1.0, f"warm{round_}")
            apps.append(intake_phase(app.port, tokens["prescribers"], args.seconds, f"a{round_}"))
            app.stop()

        # Each intake round runs right after its floor round: compare pairs (the machine's
        # load drifts), and take the median pair.
        paired = sorted(
            (a.rps / f.rps if f.rps else 0.0, i)
            for i, (f, a) in enumerate(zip(floors, apps, strict=True))
        )
        ratio, median_round = paired[len(paired) // 2]
        app_best = apps[median_round]

        app = Server("wsgi:app", app_env, "app")
        servers.append(app)
        batch_ids = stock_up(app.port, tokens["technicians"][0], tokens["pharmacists"][0], 3)
        mixed, accepted, per_role = mixed_phase(app.port, tokens, batch_ids, args.mixed_seconds)
        app.stop()
        problems = check_afterwards(url, accepted, batch_ids)
    finally:
        for server in servers:
            server.stop() if server.proc.poll() is None else None
        drop()

    intake_ok = ratio >= TARGET_RATIO and app_best.pct(99) <= TARGET_P99_MS
    no_5xx = all(s.server_errors == 0 for s in [*floors, *apps, mixed])
    verdict = "PASS" if intake_ok and no_5xx and not problems and mixed.errors == 0 else "FAIL"
    header = (
        "| phase | requests | req/s | p50 ms | p99 ms | 5xx | statuses |\n"
        "|---|---|---|---|---|---|---|"
    )
    report = "\n".join([
        "## Load",
        "",
        f"`bench/bench_load.py --threads {THREADS}`, {date.today().isoformat()}: gunicorn "
        + ("2 sync workers" if THREADS == 1 else f"2 gthread workers x {THREADS} threads")
        + ", "
        f"PostgreSQL on 127.0.0.1, {os.cpu_count()} CPUs ({platform.machine()}), "
        f"Python {platform.python_version()}; client threads on the same machine, a new "
        f"connection per request; load average {load_before:.1f} before the run (the "
        "machine is shared, so figures vary by +-30 % between runs). Verdict: **"
        + verdict + "**.",
        "",
        f"### Intake: POST /api/v1/prescriptions vs the floor, {CONNECTIONS} connections, "
        f"{args.rounds} interleaved rounds of {args.seconds:.0f} s (each intake round right "
        "after its floor round; the verdict uses the median pair)",
        "",
        header,
        *[line(f"floor round {i + 1}", s) for i, s in enumerate(floors)],
        *[line(f"intake round {i + 1}", s) for i, s in enumerate(apps)],
        "",
        f"Intake reaches **{ratio:.0%}** of the floor's requests/s in the median pair "
        f"(round {median_round + 1}; pairs: "
        + ", ".join(f"{a.rps / f.rps:.0%}" for f, a in zip(floors, apps, strict=True) if f.rps)
        + f"; target >= {TARGET_RATIO:.0%}); intake p99 in that round "
        f"**{app_best.pct(99):.1f} ms** (target <= "
        f"{TARGET_P99_MS:.0f} ms). The floor (`bench/floor_app.py`) validates the same body "
        "with marshmallow and inserts one row; intake also authenticates the bearer token, "
        "loads the rules, screens for opioids, writes the directions, finds or creates the "
        "patient, takes an Rx number and appends to the hash-chained audit trail.",
        "",
        f"### Mixed load, {args.mixed_seconds:.0f} s: 4 prescribers submitting, 2 pharmacists "
        "verifying (argon2 e-signature each), 2 technicians filling from 3 released batches",
        "",
        header,
        line("all requests", mixed),
        *[line(name, s) for name, s in per_role.items()],
        "",
        f"Accepted: {len(accepted.created)} prescriptions, {len(accepted.verified)} "
        f"verifications, {len(accepted.fills)} fills; connection errors: {mixed.errors}. "
        "Afterwards every accepted write was "
        + ("present, every batch's on-hand equals made minus dispensed, one creation event "
           "per prescription, and the audit chain verifies."
           if not problems else "NOT all present: " + "; ".join(problems)),
        "",
        "Where intake's time goes (`bench/profile_intake.py`: in process, interleaved with "
        "the floor app, then a step-by-step profile). Both servers are CPU-bound here: "
        "sampling /proc during the rounds, the two sync workers use ~1.2-1.4 of the 2 "
        "cores and PostgreSQL ~0.1-0.2; sampling pg_stat_activity, intake's sessions are "
        "mostly 'idle in transaction' (waiting for Python), ~6 % of the time waiting on the "
        "Rx counter or audit head lock, ~3 % on WAL sync. So the requests/s ratio follows "
        "the ratio of application CPU per request, which profile_intake puts at ~2.8-3x the "
        "floor's (3.2 ms against 1.1 ms on a quiet machine; 7.5x before this change set). "
        "Intake runs 10 statements in one transaction on one connection (token; rule "
        "fingerprint; prescriber; Rx counter; patient look-up and insert or update; the "
        "prescription insert; at commit the audit head lock, one INSERT for all of the "
        "transaction's chained events, and the head update) where the floor runs one "
        "INSERT; each costs ~0.15-0.3 ms of CPU in SQLAlchemy Core and psycopg on this "
        "machine. Cut in this change set: three connection checkouts per request to one (the "
        "token check and the unit of work share a transaction on PostgreSQL); 12 statements "
        "to 10 (events batched at commit); the ORM unit of work replaced by prebuilt Core "
        "statements for intake's inserts (a third less CPU); argument schemas built once "
        "per route; patients found through an index on lower(names) and date of birth; "
        "start-up objects frozen out of the garbage collector. 60 % would need intake at "
        "about 1.7x the floor's CPU: its ten required statements, the token check and the "
        "larger schemas leave no room for that in this design. What would reach it is one "
        "round trip: intake as a PostgreSQL stored procedure (counter, patient, "
        "prescription and hash-chained audit in PL/pgSQL) with a second implementation for "
        "SQLite; we judged two copies of the intake rules, one of them outside the tested "
        "Python services, a worse system than a slower endpoint, so this target is recorded "
        "as not met. Experiments during this change set: without the pool's pre-ping (one "
        "round trip fewer) the ratio did not move; without the Rx counter's lock it rose "
        "by ~6 points.",
        "",
        "409s are technicians racing for the same prescription (the loser is told it is "
        "already filled) and 422/409 on verify are pharmacists racing for the same one; "
        "neither leaves a partial row.",
        "",
    ])
    print(report)
    if args.write:
        write_results(report)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
