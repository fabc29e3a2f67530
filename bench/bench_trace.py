"""Benchmark: the ingredient-lot trace at chain-pharmacy scale (issue 4).

Seeds PostgreSQL with 1,000 ingredient lots, 50,000 batches (3 components each; some
batches are triturates that later batches use as a component, so the trace recurses) and
1,000,000 fills (250,000 prescriptions, 100,000 patients, 2,000 prescribers) with COPY, then
measures, in the same run, over ~30 lots:

- the service `pharmacy.services.trace.trace_ingredient_lot` (what the API calls), and
- the floor: the same question as ONE indexed SQL query (recursive CTE + joins), fetched.

Targets: service median < 50 ms and <= 3x the floor median.

    .venv/bin/python bench/bench_trace.py                      # scratch DB bench_trace
    .venv/bin/python bench/bench_trace.py --database-url postgresql+psycopg://…/db
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_trace"
LOTS, BATCHES, COMPONENTS_PER_BATCH, FILLS = 1_000, 50_000, 3, 1_000_000
TRITURATES = 1_000  # the first batches; ~10 % of later batches use one as a component
FILLS_PER_RX = 4
PATIENTS, PRESCRIBERS = 100_000, 2_000
SAMPLES = 30

FLOOR_SQL = """
WITH RECURSIVE downstream(batch_id) AS (
    SELECT batch_id FROM batch_components WHERE ingredient_lot_id = :lot
    UNION
    SELECT bc.batch_id FROM batch_components bc
    JOIN downstream d ON bc.source_batch_id = d.batch_id
)
SELECT f.id, f.batch_id, b.lot_number, f.quantity, f.filled_on, f.fill_number,
       r.id, r.rx_number, r.patient_id, r.prescriber_id,
       p.first_name, p.last_name, p.date_of_birth, p.phone, p.address,
       d.full_name, d.npi, d.phone, d.address
FROM fills f
JOIN batches b ON b.id = f.batch_id
JOIN prescriptions r ON r.id = f.prescription_id
JOIN patients p ON p.id = r.patient_id
JOIN prescribers d ON d.id = r.prescriber_id
WHERE f.batch_id = ANY(ARRAY(SELECT batch_id FROM downstream))
"""


def _psycopg_dsn(url: str) -> str:
    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def recreate(url: str) -> None:
    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


def bare_app(url: str) -> Any:
    """Only what the services need (the database), so the benchmark measures them alone."""
    from flask import Flask

    from pharmacy.db import Database

    app = Flask("bench_trace")
    app.extensions["pharmacy_db"] = Database(url)
    return app


def migrate_and_seed(url: str) -> None:
    from pharmacy import migrate
    from pharmacy.seed import seed_reference_data
    from pharmacy.services.uow import current_db

    migrate.upgrade(url)
    app = bare_app(url)
    with app.app_context():
        with current_db().transaction() as session:
            seed_reference_data(session)
        current_db().dispose()


def copy_rows(cur: Any, table: str, columns: list[str], rows: Any) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(url: str, rng: random.Random) -> dict[str, float]:
    timings: dict[str, float] = {}
    now = datetime.now(UTC)
    today = date.today()
    with psycopg.connect(_psycopg_dsn(url)) as conn, conn.cursor() as cur:
        started = time.perf_counter()
        cur.execute(
            "INSERT INTO users (username, password_hash, role, full_name, active, created_at) "
            "VALUES ('bench', 'x', 'technician', 'Bench', true, now()) RETURNING id"
        )
        user_id = cur.fetchone()[0]  # type: ignore[index]
        cur.execute("SELECT id FROM items ORDER BY id")
        item_ids = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM formulas WHERE code = 'ldn-capsule-mcc'")
        formula_id = cur.fetchone()[0]  # type: ignore[index]

        copy_rows(cur, "prescribers", ["id", "full_name", "npi", "phone", "address", "created_at"],
                  ((i, f"Dr Bench {i}", f"{1000000000 + i}", f"555-{i:04d}", f"{i} Clinic Rd",
                    now) for i in range(1, PRESCRIBERS + 1)))
        copy_rows(cur, "patients", ["id", "first_name", "last_name", "date_of_birth", "address",
                                    "phone", "allergies", "current_medications", "created_at"],
                  ((i, f"First{i}", f"Last{i}", date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                    f"{i} Main St", f"555-{i:06d}", "[]", "[]", now)
                   for i in range(1, PATIENTS + 1)))
        prescriptions = FILLS // FILLS_PER_RX
        copy_rows(
            cur, "prescriptions",
            ["id", "rx_number", "status", "source", "patient_id", "prescriber_id", "dosage_form",
             "dose_basis", "strength_mg", "dose_mg", "quantity", "days_supply", "refills",
             "refills_remaining", "filler", "notes", "opioid_attestation", "directions",
             "hold_reasons", "warnings", "acknowledgements_required", "created_by_user_id",
             "created_at", "updated_at"],
            ((i, f"RX{100000 + i}", "filled", "api", rng.randint(1, PATIENTS),
              rng.randint(1, PRESCRIBERS), "capsule", "hcl", "4.5", "4.5", 30, 30, 3, 0, "mcc",
              "", True, "Take 1 capsule (4.5 mg) by mouth at bedtime.", "[]", "[]", "[]",
              user_id, now, now) for i in range(1, prescriptions + 1)),
        )
        timings["people_and_prescriptions_s"] = time.perf_counter() - started

        started = time.perf_counter()
        copy_rows(
            cur, "ingredient_lots",
            ["id", "item_id", "supplier", "manufacturer", "manufacturer_lot", "expiry",
             "expiry_text", "received_quantity", "received_unit", "quantity_received",
             "quantity_on_hand", "status", "pack_stats_mg", "received_at"],
            ((i, item_ids[i % len(item_ids)], "", "Acme", f"BENCH{i:05d}",
              today + timedelta(days=700), "x", 1000, "g", 1000000, 1000000, "released", "{}",
              now) for i in range(1, LOTS + 1)),
        )
        bud = today + timedelta(days=180)
        copy_rows(
            cur, "batches",
            ["id", "lot_number", "formula_id", "dosage_form", "dose_basis", "strength_mg",
             "quantity_requested", "units_made", "quantity_on_hand", "unit", "status",
             "compounded_on", "bud", "bud_days", "storage", "bud_limited_by", "bud_rule",
             "calculation", "deviations", "created_at", "created_by_user_id"],
            ((i, f"B{i:07d}", formula_id, "capsule", "hcl", "4.5", 100, 110, 0, "capsule",
              "released", today, bud, 180, "room temperature", "USP <795>", "capsule", "{}",
              "[]", now, user_id) for i in range(1, BATCHES + 1)),
        )

        def components() -> Any:
            component_id = 0
            for batch_id in range(1, BATCHES + 1):
                lots = rng.sample(range(1, LOTS + 1), COMPONENTS_PER_BATCH)
                sources: list[tuple[int | None, int | None]] = [(lot, None) for lot in lots]
                if batch_id > TRITURATES and rng.random() < 0.1:
                    sources[0] = (None, rng.randint(1, TRITURATES))
                for position, (lot, src) in enumerate(sources):
                    component_id += 1
                    yield (component_id, batch_id, position, "x", "component", lot, src, "mg",
                           100, 100)

        copy_rows(cur, "batch_components",
                  ["id", "batch_id", "position", "role", "description", "ingredient_lot_id",
                   "source_batch_id", "unit", "theoretical_amount", "actual_amount"],
                  components())
        timings["lots_batches_components_s"] = time.perf_counter() - started

        started = time.perf_counter()
        copy_rows(
            cur, "fills",
            ["id", "prescription_id", "batch_id", "fill_number", "quantity", "days_supply",
             "filled_on", "filled_at", "filled_by_user_id", "bud"],
            ((i, (i - 1) // FILLS_PER_RX + 1, rng.randint(1, BATCHES), (i - 1) % FILLS_PER_RX,
              30, 30, today, now, user_id, bud) for i in range(1, FILLS + 1)),
        )
        timings["fills_s"] = time.perf_counter() - started
        for table in ("prescribers", "patients", "prescriptions", "ingredient_lots", "batches",
                      "batch_components", "fills", "users"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.commit()
    with psycopg.connect(_psycopg_dsn(url), autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        timings["vacuum_analyze_s"] = time.perf_counter() - started
    return timings


def measure(url: str, rng: random.Random) -> dict[str, Any]:
    from pharmacy.audit import Actor
    from pharmacy.services import trace
    from pharmacy.services.uow import current_db

    app = bare_app(url)
    actor = Actor(user_id=None, username="bench", role="pharmacist")
    lots = rng.sample(range(1, LOTS + 1), SAMPLES)
    today = date.today()
    service_ms: list[float] = []
    floor_ms: list[float] = []
    fills_seen: list[int] = []
    with app.app_context():
        db = current_db()
        floor_sql = text(FLOOR_SQL)
        for lot in lots[:3]:  # warm the caches for both paths
            trace.trace_ingredient_lot(actor, lot, today=today)
            db.remove()
            with db.engine.connect() as conn:
                conn.execute(floor_sql, {"lot": lot}).fetchall()
        for lot in lots:
            # Alternate so that neither path benefits from running second.
            with db.engine.connect() as conn:
                started = time.perf_counter()
                rows = conn.execute(floor_sql, {"lot": lot}).fetchall()
                floor_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            result = trace.trace_ingredient_lot(actor, lot, today=today)
            service_ms.append((time.perf_counter() - started) * 1000)
            db.remove()
            assert len(result["fills"]) == len(rows), (lot, len(result["fills"]), len(rows))
            fills_seen.append(len(rows))
        with db.engine.connect() as conn:
            plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + FLOOR_SQL),
                                {"lot": lots[0]}).scalars().all()
        db.dispose()
    service_median = statistics.median(service_ms)
    floor_median = statistics.median(floor_ms)
    return {
        "samples": SAMPLES,
        "fills_per_trace_median": statistics.median(fills_seen),
        "service_median_ms": round(service_median, 2),
        "service_p90_ms": round(sorted(service_ms)[int(0.9 * len(service_ms)) - 1], 2),
        "floor_median_ms": round(floor_median, 2),
        "floor_p90_ms": round(sorted(floor_ms)[int(0.9 * len(floor_ms)) - 1], 2),
        "ratio": round(service_median / floor_median, 2),
        "plan": plan,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None,
                        help=f"PostgreSQL URL (default: recreate the scratch {DEFAULT_URL})")
    parser.add_argument("--skip-seed", action="store_true", help="measure an already seeded DB")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--plan", action="store_true", help="print the floor query plan")
    args = parser.parse_args()
    url = args.database_url or DEFAULT_URL
    rng = random.Random(args.seed)
    if not args.skip_seed:
        started = time.perf_counter()
        recreate(url)
        migrate_and_seed(url)
        timings = seed(url, rng)
        print(f"seeded in {time.perf_counter() - started:.1f} s: "
              + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    result = measure(url, rng)
    plan = result.pop("plan")
    if args.plan:
        print("\n".join(plan))
    print(f"machine: nproc {os.cpu_count()}, Python {platform.python_version()}, "
          f"{platform.platform()}")
    for key, value in result.items():
        print(f"{key}: {value}")
    ok = result["service_median_ms"] < 50 and result["ratio"] <= 3
    print("targets (median < 50 ms, <= 3x floor):", "MET" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
