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
    def __init__(self, module: str, env: dict[str, str], name: str,
                 root: Path = ROOT) -> None:
        # `root`: the checkout to serve (bench/ab_load.py serves a second one).
        self.port = free_port()
        self.name = name
        self.log = open(f"/tmp/bench_load_{name}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--threads", str(THREADS),
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "60",
             module],
            cwd=root, env={**os.environ, **env}, stdout=self.log, stderr=self.log,
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


# CPU accounting ---------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of one process, from /proc (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields_ = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields_[11]) + int(fields_[12])) / _TICK


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command name) of every process."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        found.append((int(entry), int(text.rsplit(")", 1)[1].split()[1]), name))
    return found


def _busy_seconds() -> float:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / _TICK  # all but idle and iowait


def wal_records(url: str) -> int:
    """PostgreSQL's count of WAL records written so far (pg_stat_wal, the whole server)."""
    import psycopg

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        row = conn.execute("SELECT wal_records FROM pg_stat_wal").fetchone()
    return int(row[0]) if row else 0


class CpuMeter:
    """CPU seconds spent during a phase by the server under test (gunicorn and its
    workers), PostgreSQL (every backend) and this client, and by the whole machine: per
    request, this is what the requests/s compete for on a machine where all of them share
    the same cores."""

    def __init__(self, server_pid: int) -> None:
        self.available = os.path.exists("/proc/stat")
        self.server_pid = server_pid
        self.start = self._sample() if self.available else {}

    def _groups(self) -> dict[str, list[int]]:
        processes = _processes()
        server = {self.server_pid} | {pid for pid, ppid, _ in processes if ppid == self.server_pid}
        return {
            "server": sorted(server),
            "postgres": [pid for pid, _, name in processes if name.startswith("postgres")],
            "client": [os.getpid()],
        }

    def _sample(self) -> dict[str, Any]:
        sample: dict[str, Any] = {"machine": _busy_seconds()}
        for group, pids in self._groups().items():
            sample[group] = {pid: _proc_cpu(pid) or 0.0 for pid in pids}
        return sample

    def per_request(self, requests: int) -> dict[str, float]:
        """Milliseconds of CPU per request for each group since the meter started."""
        if not self.available or not requests:
            return {}
        end = self._sample()
        result = {"machine": (end["machine"] - self.start["machine"]) * 1000 / requests}
        for group in ("server", "postgres", "client"):
            spent = sum(cpu - self.start[group].get(pid, 0.0) for pid, cpu in end[group].items())
            result[group] = spent * 1000 / requests
        return result


# Load -----------------------------------------------------------------------------------

@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    elapsed: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # ms of CPU per request, by group
    wal: float = 0.0  # PostgreSQL WAL records per request
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


# Load on one server for a number of seconds, its requests tagged: (seconds, tag) -> Stats.
Phase = Callable[[float, str], Stats]


def interleaved_rounds(
    phases: dict[str, tuple[Server, Phase]],
    *, rounds: int, seconds: float, slice_seconds: float, url: str,
) -> dict[str, list[Stats]]:
    """Rounds of load moving between running servers in short slices, so that the machine's
    drift (±30 % within a minute here) falls on all of them alike. Each slice is measured
    with its CPU and WAL per request; a round is its slices added up, per server."""
    slices = max(1, round(seconds / slice_seconds))
    results: dict[str, list[Stats]] = {kind: [] for kind in phases}
    for round_ in range(rounds):
        parts: dict[str, list[Stats]] = {kind: [] for kind in phases}
        for n in range(slices):
            for kind, (server, phase) in phases.items():
                meter, wal = CpuMeter(server.proc.pid), wal_records(url)
                stats = phase(slice_seconds, f"{kind}{round_}s{n}")
                stats.cpu = meter.per_request(stats.count)
                stats.wal = (wal_records(url) - wal) / max(stats.count, 1)
                parts[kind].append(stats)
        for kind in phases:
            results[kind].append(merged(parts[kind]))
    return results


def merged(parts: list[Stats]) -> Stats:
    """Slices of one kind of load as one: requests, time and CPU added up."""
    total = Stats()
    for part in parts:
        total.latencies.extend(part.latencies)
        for status, n in part.statuses.items():
            total.statuses[status] = total.statuses.get(status, 0) + n
        total.errors += part.errors
        total.elapsed += part.elapsed
    if total.count and all(part.cpu for part in parts):
        total.cpu = {key: sum(part.cpu[key] * part.count for part in parts) / total.count
                     for key in parts[0].cpu}
    if total.count:
        total.wal = sum(part.wal * part.count for part in parts) / total.count
    return total


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


def cpu_line(name: str, stats: Stats) -> str:
    cpu = stats.cpu
    if not cpu:
        return f"| {name} | - | - | - | - | {stats.wal:.1f} |"
    return (f"| {name} | {cpu['server']:.2f} | {cpu['postgres']:.2f} | {cpu['client']:.2f} | "
            f"{cpu['machine']:.2f} | {stats.wal:.1f} |")


def cpu_summary(floor: Stats, app: Stats) -> str:
    """The median round's CPU per request, intake against the floor, by group."""
    if not (floor.cpu and app.cpu):
        return "(CPU per request not sampled: no /proc on this machine.)"
    parts = [
        f"{label} {app.cpu[key] / floor.cpu[key]:.1f}x"
        for label, key in (("server", "server"), ("PostgreSQL", "postgres"),
                           ("client", "client"), ("whole machine", "machine"))
        if floor.cpu[key] > 0
    ]
    return ("In the median round intake used, per request, " + ", ".join(parts)
            + " the floor's CPU. With every process on the same cores, requests/s follows "
            "the whole machine's CPU per request: 60 % of the floor's rate needs at most "
            f"{1 / TARGET_RATIO:.2f}x.")


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
    parser.add_argument("--seconds", type=float, default=8.0,
                        help="per round, for each of the floor and intake")
    parser.add_argument("--slice", type=float, default=1.0,
                        help="seconds of load on one server before switching to the other")
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

        # Both servers run throughout, and the load alternates between them.
        floor = Server("bench.floor_app:app", floor_env, "floor")
        servers.append(floor)
        app = Server("wsgi:app", app_env, "app")
        servers.append(app)
        tokens = {
            "prescribers": [token(app.port, u) for u, _ in users["prescribers"]],
            "pharmacists": [token(app.port, u) for u in users["pharmacists"]],
            "technicians": [token(app.port, u) for u in users["technicians"]],
        }
        floor_phase(floor.port, 1.0, "warm")
        intake_phase(app.port, tokens["prescribers"], 1.0, "warm")

        measured = interleaved_rounds(
            {
                "floor": (floor, lambda seconds, tag: floor_phase(floor.port, seconds, tag)),
                "app": (app, lambda seconds, tag: intake_phase(
                    app.port, tokens["prescribers"], seconds, tag)),
            },
            rounds=args.rounds, seconds=args.seconds, slice_seconds=args.slice, url=url,
        )
        floors, apps = measured["floor"], measured["app"]
        app.stop()
        floor.stop()

        # Each round's floor and intake slices ran interleaved: compare them round by round,
        # and take the median round.
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
        f"{args.rounds} rounds of {args.seconds:.0f} s each (within a round, the load "
        f"alternates between the floor and intake every {args.slice:g} s, both servers "
        "running throughout; the verdict uses the median round)",
        "",
        header,
        *[line(f"floor round {i + 1}", s) for i, s in enumerate(floors)],
        *[line(f"intake round {i + 1}", s) for i, s in enumerate(apps)],
        "",
        f"Intake reaches **{ratio:.0%}** of the floor's requests/s in the median round "
        f"(round {median_round + 1}; rounds: "
        + ", ".join(f"{a.rps / f.rps:.0%}" for f, a in zip(floors, apps, strict=True) if f.rps)
        + f"; target >= {TARGET_RATIO:.0%}); intake p99 in that round "
        f"**{app_best.pct(99):.1f} ms** (target <= "
        f"{TARGET_P99_MS:.0f} ms). The floor (`bench/floor_app.py`) validates the same body "
        "with marshmallow and inserts one row; intake also authenticates the bearer token, "
        "loads the rules, screens for opioids, writes the directions, finds or creates the "
        "patient, takes an Rx number and appends to the hash-chained audit trail.",
        "",
        "CPU per request in the same rounds (ms; sampled from /proc: the gunicorn master and "
        "workers, every PostgreSQL process, this client, and the whole machine's busy time), "
        "and the WAL records PostgreSQL wrote per request (pg_stat_wal):",
        "",
        "| phase | server | PostgreSQL | client | machine | WAL records |",
        "|---|---|---|---|---|---|",
        *[cpu_line(f"floor round {i + 1}", s) for i, s in enumerate(floors)],
        *[cpu_line(f"intake round {i + 1}", s) for i, s in enumerate(apps)],
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
        cpu_summary(floors[median_round], app_best),
        "",
        "Why intake still costs more than the floor: it does work the floor leaves out. "
        "Per request it makes 4 round trips to PostgreSQL, as the floor makes 3 (BEGIN, "
        "INSERT, COMMIT): the token look-up, which also reads the rules' fingerprint and a "
        "prescriber's own record, with BEGIN in the same pipeline; the Rx counter with the "
        "patient look-up (one VOLATILE function whose look-up takes its own snapshot after "
        "the counter's lock, migration 0011); one INSERT of the prescription that also "
        "writes the patient's record, locks the audit chain head and appends the chained "
        "events, hashed in the database (`audit.appending_events`); COMMIT. PostgreSQL does "
        "more per request (three tables' rows and index entries, two audit events, their "
        "foreign keys and the head's trigger), and the worker runs the rules, the opioid "
        "screen, the directions, the access checks and the full request and response "
        "schemas of the API contract.",
        "",
        "Done for this target on 2026-12-02 (session of the afternoon), each judged by "
        "`bench/ab_load.py` against the day's starting commit c112993: the hot statements "
        "go through psycopg's libpq connection (`pharmacy/direct_postgres.py`: prepared once "
        "per connection, BEGIN pipelined with a transaction's first statement, COMMIT "
        "direct, waits with poll outside the GIL, each statement's SQL split for the server "
        "once; psycopg's own per-statement machinery cost about a quarter more CPU than the "
        "libpq calls, and psycopg caches the split only under 4 KB and 50 values); intake's "
        "audit events in its INSERT (one round trip fewer); the Rx number and the patient "
        "look-up in one round trip; the response dumped by a dumper worked out once per "
        "schema (`schema/fast_dump.py`) and valid requests loaded the short way with "
        "marshmallow's own field conversions and validators, anything invalid loaded by "
        "marshmallow itself (`schema/fast_load.py`; both property-tested against "
        "marshmallow); webargs reads the body the JSON guard parsed; the guard skips the "
        "search for NUL and lone surrogates in ASCII text without a backslash escape; "
        "Flask's per-hook coroutine check, the security headers and the JSON encoder each "
        "done once; two indexes no query used dropped (migration 0012). A/B: 63 % against "
        "55 % of the floor (rounds 62, 60, 64, 58, 71, 63 % against 52, 56, 56, 52, 62, "
        "55 %), machine CPU per request 1.51x against 1.77x the floor's. Earlier (until "
        "the morning of 2026-12-02): 11 round trips folded to 7 (the sign-in look-up reads "
        "the rules' fingerprint and the prescriber, `pharmacy/services/sign_in_reads.py`; "
        "the patient's record and the head's lock in the prescription's INSERT), intake's "
        "statements prebuilt (`pharmacy/prebuilt.py`), the head moved by the database "
        "(migration 0008), pings only after a second idle, one connection and transaction "
        "per request, start-up objects frozen out of the garbage collector.",
        "",
        "Where the rest goes: `bench/ab_load.py . --b-module bench.experiments.bound_app:app` "
        "serves `bench/experiments/bound_app.py`, the floor plus only the database work "
        "intake must do as raw statements; it reached about 81 % of the floor on "
        "2026-12-02 with PostgreSQL's CPU per request close to the app's, so what remains "
        "between the app and that bound is the worker's Python: Flask, flask-smorest and "
        "webargs, the schemas, the ORM session and the use case itself, with no single "
        "item above a tenth of a worker's time in a py-spy profile under this load.",
        "",
        "The floor is bare: since 2026-11-22 it no longer pre-pings its connections "
        "(SQLAlchemy's default), which makes it ~15 % faster than the floor of earlier runs "
        "and the target harder. Runs of the same code vary by several points from one run "
        "to the next on this shared host, so a change is judged by an A/B run "
        "(`bench/ab_load.py`), never by comparing runs. Runs of this benchmark on the "
        "evening of 2026-12-02: 58 % with the code as it is now but for migration 0012's "
        "two indexes; then, as it is now, 62 %, 56 %, 62 % (the run recorded here), 59 % "
        "and 62 % in their median rounds, a median of 62 % over those five: intake now "
        "meets the 60 % target, by a margin within this host's noise from one run to the "
        "next.",
        "",
        "Measured and not taken: psycopg's pipeline mode for every statement "
        "(`bench/experiments/pipelined_round_trips.patch`, 49 % against 52 % on "
        "2026-11-22: its machinery cost more than the round trips it saved); libpq's "
        "blocking calls (they hold the GIL: a thread waiting for a row lock would stop the "
        "thread holding it from committing, so the direct path waits with poll); COMMIT in "
        "the same pipeline as the last INSERT (the transaction would be durable before the "
        "response was built, and a failure after it would answer 500 for a stored "
        "prescription whose retry makes a second one); Rx numbers from a sequence (gaps); "
        "caching the opioid screen per medication text (it would flatter this benchmark's "
        "repeated body more than it would help a pharmacy); gthread workers "
        "(`--threads 4`, 43 %). "
        + (
            f"This run meets the 60 % target in its median round ({ratio:.0%})."
            if intake_ok
            else f"This run's median round ({ratio:.0%}) does not meet the 60 % target."
        ),
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
