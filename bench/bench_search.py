# ruff: noqa: E501 - the generating SQL reads best on long lines
"""Benchmark: search, the patient profile and the dashboards at chain scale (issue 22).

Makes a scratch PostgreSQL database, migrates it to head, and generates 100,000 patients,
250,000 prescriptions, 1,000,000 fills (4 per prescription), 20,000 batches, 1,000
ingredient lots and 2,000 prescribers with set-based `INSERT … SELECT generate_series`
(bounded: a minute or two), then measures through the app (the Flask test client: bearer
token, schemas, services, JSON), in the same run:

- search: partial and whole names, dates of birth, phone numbers, Rx numbers, batch and
  ingredient lot numbers, prescriber names (GET /api/v1/search);
- the floor: ONE indexed SQL query for the same name or number (the trigram-indexed
  patient match with the same order and limit, or the unique-index look-up), fetched;
- the patient profile (GET /api/v1/patients/{id}) and its floor: one SQL query joining
  the patient, their prescriptions, fills and batches;
- the pharmacist's and the technician's dashboards (GET /api/v1/dashboard).

Targets: search and profile p95 <= 100 ms and <= 3x the floor's p95; dashboard p95 <= 150 ms.
The scratch database is dropped at the end (--keep keeps it; --name names it). Seeding
takes minutes: `--name N --keep` once, then `--name N --skip-seed` re-measures the same
data (migrated to head first), and `--plan` prints EXPLAIN ANALYZE of every dashboard
count instead of measuring.

    .venv/bin/python bench/bench_search.py [--database-url postgresql+psycopg://…/db]
        [--name bench_search_x [--keep | --skip-seed]] [--plan] [--write]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

BASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PATIENTS, PRESCRIPTIONS, FILLS_PER_RX, BATCHES, LOTS, PRESCRIBERS = (
    100_000,
    250_000,
    4,
    20_000,
    1_000,
    2_000,
)
PASSWORD = "bench search password"
SAMPLES = 40
FIRST = [
    "Ada",
    "Grace",
    "Zoe",
    "Liam",
    "Noah",
    "Emma",
    "Olivia",
    "Ava",
    "Mia",
    "Lucas",
    "Mateo",
    "Sofia",
    "Chloe",
    "Ethan",
    "Mason",
    "Isla",
    "Nora",
    "Leo",
    "Hugo",
    "Ines",
    "Yuki",
    "Hana",
    "Wei",
    "Mei",
    "Arjun",
    "Priya",
    "Omar",
    "Layla",
    "Jonas",
    "Freya",
    "Lukas",
    "Elena",
    "Tomas",
    "Ana",
    "Pavel",
    "Olga",
    "Kofi",
    "Amara",
    "Diego",
    "Lucia",
]
SYLLABLE_A = [
    "An",
    "Bel",
    "Car",
    "Dal",
    "Ek",
    "Fen",
    "Gar",
    "Hol",
    "Ing",
    "Jan",
    "Kow",
    "Lan",
    "Mar",
    "Nor",
    "Ost",
    "Pet",
    "Quin",
    "Ros",
    "Sal",
    "Tor",
    "Ulm",
    "Van",
    "Wes",
    "Xan",
    "Yor",
    "Zel",
    "Ash",
    "Bro",
    "Cro",
    "Dun",
    "Ever",
    "Fitz",
    "Gold",
    "Hart",
    "Ives",
    "Kings",
    "Lind",
    "Mont",
    "New",
    "Old",
]
SYLLABLE_B = [
    "son",
    "sen",
    "ski",
    "ova",
    "ez",
    "ini",
    "elli",
    "berg",
    "strom",
    "wicz",
    "man",
    "ford",
    "ley",
    "ton",
    "well",
    "wood",
    "field",
    "worth",
    "ridge",
    "dale",
    "by",
    "er",
    "ard",
    "ing",
    "ett",
    "ow",
    "ick",
    "ham",
    "more",
    "land",
    "stone",
    "brook",
    "shaw",
    "ton",
    "hurst",
    "cott",
    "mont",
    "ville",
    "ez",
    "es",
    "ian",
]

GENERATE = [
    # prescribers: folded name and NPI as pharmacy.models.search keeps them
    """INSERT INTO prescribers (full_name, npi, phone, address, created_at, search_name)
    SELECT 'Dr. ' || f || ' ' || l, '1' || lpad(g::text, 9, '0'), '(312) 555-' || lpad((g % 10000)::text, 4, '0'),
           g || ' Clinic Road', now(), lower(f || ' ' || l) || ' ' || '1' || lpad(g::text, 9, '0')
    FROM generate_series(1, :prescribers) g,
         LATERAL (SELECT (:first)[1 + g % array_length(:first, 1)] f,
                         (:a)[1 + (g / 7) % array_length(:a, 1)] || (:b)[1 + g % array_length(:b, 1)] l) n""",
    # patients: one record per person (ix_patients_identity is unique), so the first
    # :patients of twice as many generated people whose name and birth date no earlier one
    # has; identity_name as pharmacy.models.identity folds these one-word ASCII names.
    """INSERT INTO patients (first_name, last_name, date_of_birth, address, phone, allergies,
                             current_medications, created_at, search_name, identity_name)
    SELECT f, l, dob, g || ' Main Street', ph, '[]', '["sertraline 50 mg"]', now(),
           lower(f || ' ' || l) || ' ' || dob::text || ' ' || regexp_replace(ph, '[^0-9]', '', 'g'),
           lower(l) || chr(31) || lower(f)
    FROM (SELECT DISTINCT ON (lower(l), lower(f), dob) g, f, l, dob, ph
          FROM generate_series(1, 2 * :patients) g,
               LATERAL (SELECT (:first)[1 + (g * 13) % array_length(:first, 1)] f,
                               (:a)[1 + (g / 3) % array_length(:a, 1)] || (:b)[1 + (g * 7) % array_length(:b, 1)] l,
                               date '1930-01-01' + (g * 7919) % 27000 dob,
                               '(' || (200 + g % 800) || ') 555-' || lpad(((g * 31) % 10000)::text, 4, '0') ph) n
          ORDER BY lower(l), lower(f), dob, g) people
    ORDER BY g
    LIMIT :patients""",
    """INSERT INTO prescriptions (rx_number, status, source, patient_id, prescriber_id,
        dosage_form, dose_basis, strength_mg, dose_mg, quantity, days_supply, refills,
        refills_remaining, filler, notes, opioid_attestation, directions, hold_reasons,
        warnings, acknowledgements_required, created_by_user_id, created_at, updated_at)
    SELECT 'RX' || (100000 + g),
           CASE WHEN g % 50 = 0 THEN 'submitted' WHEN g % 97 = 0 THEN 'on_hold'
                WHEN g % 31 = 0 THEN 'verified' ELSE 'filled' END,
           'prescriber_portal', 1 + (g * 7) % :patients, 1 + g % :prescribers, 'capsule', 'hcl',
           4.5, 4.5, 30, 30, 5, g % 4, 'mcc', '', true,
           'Take 1 capsule (4.5 mg) by mouth at bedtime.',
           CASE WHEN g % 97 = 0 THEN '["Opioid in current medications: tramadol"]' ELSE '[]' END::json,
           '[]', '[]', :user, now() - ((g % 900) || ' days')::interval, now()
    FROM generate_series(1, :prescriptions) g""",
    """INSERT INTO ingredient_lots (item_id, supplier, manufacturer, manufacturer_lot, expiry,
        expiry_text, received_quantity, received_unit, quantity_received, quantity_on_hand,
        status, pack_stats_mg, received_at)
    SELECT :item, 'Medisca', 'Medisca', 'NTX-' || (10000 + g), current_date + (g % 900) - 20,
           '2028-06', 25, 'g', 25000, 1000, 'released', '{}', now()
    FROM generate_series(1, :lots) g""",
    """INSERT INTO batches (lot_number, formula_id, dosage_form, dose_basis, strength_mg,
        quantity_requested, units_made, quantity_on_hand, unit, status, compounded_on, bud,
        bud_days, storage, bud_limited_by, bud_rule, calculation, deviations, created_at)
    SELECT to_char(current_date - g / 20, 'YYMMDD') || '-C-' || lpad((1 + g % 20)::text, 3, '0'),
           :formula, 'capsule', 'hcl', 4.5, 500, 500, CASE WHEN g % 3 = 0 THEN 40 ELSE 0 END,
           'capsule', 'released', current_date - g / 20, current_date - g / 20 + 180, 180,
           'room temperature', 'USP <795>', 'capsule', '{}', '[]', now()
    FROM generate_series(0, :batches - 1) g""",
    """INSERT INTO batch_components (batch_id, position, role, description,
        ingredient_lot_id, unit, theoretical_amount, actual_amount)
    SELECT b, 1, 'api', 'Naltrexone HCl', 1 + b % :lots, 'mg', 2475, 2475
    FROM generate_series(1, :batches) b""",
    """INSERT INTO fills (prescription_id, batch_id, fill_number, quantity, days_supply,
        filled_on, filled_at, bud, course_number, supply_ends_on {status_column})
    SELECT r.id, 1 + (r.id * 17 + n) % :batches, n, 30, 30,
           r.created_at::date + 30 * n, r.created_at + (30 * n || ' days')::interval,
           r.created_at::date + 30 * n + 180, n, r.created_at::date + 30 * n + 30 {status_value}
    FROM prescriptions r, generate_series(0, :fills_per_rx - 1) n""",
    # what pharmacy.models.search keeps as fills are made: the newest fill's supply end
    """UPDATE prescriptions r SET supply_ends_on = f.supply_ends_on FROM fills f
    WHERE f.prescription_id = r.id AND f.fill_number = :fills_per_rx - 1""",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def generate(engine: Engine, user_id: int, item_id: int, formula_id: int) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        has_status = (
            conn.execute(
                text(
                    "SELECT 1 FROM information_schema.columns WHERE table_name = 'fills' "
                    "AND column_name = 'status'"
                )
            ).first()
            is not None
        )
        params = {
            "prescribers": PRESCRIBERS,
            "patients": PATIENTS,
            "prescriptions": PRESCRIPTIONS,
            "lots": LOTS,
            "batches": BATCHES,
            "fills_per_rx": FILLS_PER_RX,
            "first": list(FIRST),
            "a": list(SYLLABLE_A),
            "b": list(SYLLABLE_B),
            "user": user_id,
            "item": item_id,
            "formula": formula_id,
        }
        for sql in GENERATE:
            for name in ("first", "a", "b"):  # psycopg sends a list as an untyped array
                sql = sql.replace(f"(:{name})", f"(CAST(:{name} AS text[]))").replace(
                    f"array_length(:{name},", f"array_length(CAST(:{name} AS text[]),"
                )
            sql = sql.replace("{status_column}", ", status" if has_status else "").replace(
                "{status_value}",
                ", CASE WHEN r.id % 200 = 0 THEN 'labeled' ELSE 'dispensed' END"
                if has_status
                else "",
            )
            if has_status and "INSERT INTO fills" in sql:
                conn.execute(
                    text("ALTER TABLE fills DROP CONSTRAINT IF EXISTS ck_fills_dispensed_has_time")
                )
            conn.execute(text(sql), params)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


# Reported on its own row, apart from "search, all", so that row stays comparable with
# the runs before this kind was measured.
FIRST_LETTERS = "first letters"


def search_cases(engine: Engine) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(kind, q, floor SQL, floor params) for sampled real rows."""
    rng = random.Random(22)
    with engine.connect() as conn:
        patients = conn.execute(
            text(
                "SELECT first_name, last_name, date_of_birth, phone FROM patients "
                "WHERE id = ANY(:ids)"
            ),
            {"ids": rng.sample(range(1, PATIENTS + 1), 40)},
        ).all()
        rxs = [
            r[0]
            for r in conn.execute(
                text("SELECT rx_number FROM prescriptions WHERE id = ANY(:ids)"),
                {"ids": rng.sample(range(1, PRESCRIPTIONS + 1), 10)},
            )
        ]
        batches = [
            r[0]
            for r in conn.execute(
                text("SELECT lot_number FROM batches WHERE id = ANY(:ids)"),
                {"ids": rng.sample(range(1, BATCHES + 1), 5)},
            )
        ]
        doctors = [
            r[0]
            for r in conn.execute(
                text("SELECT full_name FROM prescribers WHERE id = ANY(:ids)"),
                {"ids": rng.sample(range(1, PRESCRIBERS + 1), 5)},
            )
        ]
    name_floor = (
        "SELECT id, first_name, last_name, date_of_birth, phone FROM patients "
        "WHERE search_name LIKE :p ORDER BY last_name, first_name, id LIMIT 21"
    )
    cases = []
    for _first, last, _born, _phone in patients[:15]:
        cases.append(("partial name", last[:5].lower(), name_floor, {"p": f"%{last[:5].lower()}%"}))
    # The first two letters of a surname ("li", "o'"): a word of fewer letters than a
    # trigram matches at word starts, which the trigram index answers from its padded
    # trigrams; the floor is that same indexed match.
    for _first, last, _born, _phone in patients[:10]:
        start = last[:2].lower()
        cases.append(
            (
                FIRST_LETTERS,
                start,
                name_floor.replace(
                    "search_name LIKE :p", "(search_name LIKE :s OR search_name LIKE :p)"
                ),
                {"s": f"{start}%", "p": f"% {start}%"},
            )
        )
    for first, last, _born, _phone in patients[15:25]:
        q = f"{first} {last}"
        cases.append(
            (
                "whole name",
                q,
                name_floor.replace("LIKE :p", "LIKE :p AND search_name LIKE :p2"),
                {"p": f"%{first.lower()}%", "p2": f"%{last.lower()}%"},
            )
        )
    for _f, _l, born, _p in patients[25:32]:
        cases.append(
            ("date of birth", born.strftime("%m/%d/%Y"), name_floor, {"p": f"%{born.isoformat()}%"})
        )
    for _f, _l, _b, phone in patients[32:40]:
        digits = "".join(c for c in phone if c.isdigit())
        cases.append(("phone", phone, name_floor, {"p": f"%{digits}%"}))
    for rx in rxs:
        cases.append(
            ("rx number", rx, "SELECT * FROM prescriptions WHERE rx_number = :p", {"p": rx})
        )
    for lot in batches:
        cases.append(("batch lot", lot, "SELECT * FROM batches WHERE lot_number = :p", {"p": lot}))
    cases.append(
        (
            "ingredient lot",
            "NTX-10500",
            "SELECT * FROM ingredient_lots WHERE manufacturer_lot = :p",
            {"p": "NTX-10500"},
        )
    )
    for doctor in doctors:
        cases.append(
            (
                "prescriber",
                doctor.removeprefix("Dr. "),
                "SELECT * FROM prescriptions WHERE prescriber_id = (SELECT id FROM "
                "prescribers WHERE search_name LIKE :p LIMIT 1) ORDER BY created_at DESC "
                "LIMIT 21",
                {"p": f"%{doctor.removeprefix('Dr. ').lower()}%"},
            )
        )
    return cases


PROFILE_FLOOR = """
SELECT p.*, r.id, r.rx_number, r.status, f.id, f.fill_number, f.filled_on, b.lot_number
FROM patients p
JOIN prescriptions r ON r.patient_id = p.id
LEFT JOIN fills f ON f.prescription_id = r.id
LEFT JOIN batches b ON b.id = f.batch_id
WHERE p.id = :id
"""


def measure(client: Any, headers: dict[str, str], engine: Engine) -> dict[str, Any]:
    cases = search_cases(engine)
    service: dict[str, list[float]] = {}
    floor: dict[str, list[float]] = {}
    with engine.connect() as conn:
        for _round in range(2):  # the first round warms the caches; the second is measured
            service, floor = {}, {}
            for kind, q, sql, params in cases:
                ms = timed(
                    lambda q=q: _ok(
                        client.get("/api/v1/search", headers=headers, query_string={"q": q})
                    )
                )
                service.setdefault(kind, []).append(ms)
                floor.setdefault(kind, []).append(
                    timed(lambda sql=sql, params=params: conn.execute(text(sql), params).fetchall())
                )
        rng = random.Random(7)
        ids = rng.sample(range(1, PATIENTS + 1), SAMPLES)
        # Like the search: the first round warms the caches, the second is measured. (A
        # single round read each patient's pages into the database's cache in the app's
        # request, and the floor, run next for the same patient, then found them there.)
        for _round in range(2):
            profile, profile_floor = [], []
            for pid in ids:
                profile.append(
                    timed(
                        lambda pid=pid: _ok(client.get(f"/api/v1/patients/{pid}", headers=headers))
                    )
                )
                profile_floor.append(
                    timed(
                        lambda pid=pid: conn.execute(text(PROFILE_FLOOR), {"id": pid}).fetchall()
                    )
                )
    return {
        "search": service,
        "search_floor": floor,
        "profile": profile,
        "profile_floor": profile_floor,
    }


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.get_json()
    return response


def dashboards(client: Any, tokens: dict[str, str]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for role, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"}
        client.get("/api/v1/dashboard", headers=headers)
        out[role] = [
            timed(lambda h=headers: _ok(client.get("/api/v1/dashboard", headers=h)))
            for _ in range(SAMPLES)
        ]
    return out


def setup_app(url: str, seed: bool = True) -> tuple[Any, dict[str, str], Engine, float]:
    from pharmacy import migrate
    from pharmacy.app import create_app
    from pharmacy.audit import SYSTEM
    from pharmacy.seed import seed_reference_data
    from pharmacy.services import accounts
    from pharmacy.services.uow import current_db

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "PHARMACY_ENV": "testing", "SECRET_KEY": "bench"})
    engine = create_engine(url)
    seconds = 0.0
    with app.app_context():
        if not seed:  # --skip-seed: the database of an earlier --keep run, migrated to head
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
            return app, _tokens(app), engine, seconds
        with current_db().transaction() as session:
            seed_reference_data(session)
        users = {
            role: accounts.create_user(
                SYSTEM, username=role, password=PASSWORD, role=role, full_name=role.title()
            )
            for role in ("pharmacist", "technician")
        }
        with engine.connect() as conn:
            item = conn.execute(text("SELECT id FROM items WHERE code = 'naltrexone-hcl'")).scalar()
            formula = conn.execute(
                text("SELECT id FROM formulas WHERE code = 'ldn-capsule-mcc'")
            ).scalar()
        seconds = generate(engine, users["pharmacist"].id, item, formula)
    return app, _tokens(app), engine, seconds


def _tokens(app: Any) -> dict[str, str]:
    client = app.test_client()
    tokens = {}
    for role in ("pharmacist", "technician"):
        response = client.post("/api/v1/auth/token", json={"username": role, "password": PASSWORD})
        tokens[role] = response.get_json()["token"]
    return tokens


def summary(values: list[float]) -> tuple[float, float]:
    return round(statistics.median(values), 1), round(percentile(values, 95), 1)


def report(results: dict[str, Any], dash: dict[str, list[float]], seconds: float) -> str:
    origin = (
        f"(generated set-based in {seconds:.0f} s in a scratch database, dropped after). "
        if seconds
        else "(generated set-based by an earlier run with --keep, measured again with "
        "--skip-seed after migrating it to head). "
    )
    lines = [
        "## Search, patient profile and dashboards (issue 22)",
        "",
        f"`.venv/bin/python bench/bench_search.py` on PostgreSQL: {PATIENTS:,} patients, "
        f"{PRESCRIPTIONS:,} prescriptions, {PRESCRIPTIONS * FILLS_PER_RX:,} fills, "
        f"{BATCHES:,} batches, {LOTS:,} ingredient lots, {PRESCRIBERS:,} prescribers "
        f"{origin}Times are through the app (Flask test client: token, schemas, services, JSON); "
        "the floor is one indexed SQL query for the same question, in the same run. "
        "Second of two rounds (the first warms the caches).",
        "",
        "| request | n | median ms | p95 ms | floor median | floor p95 | p95 / floor p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    every, every_floor = [], []
    letters_ok = True
    for kind, values in results["search"].items():
        floor = results["search_floor"][kind]
        if kind == FIRST_LETTERS:
            letters_ok = summary(values)[1] <= 100
        else:
            every += values
            every_floor += floor
        med, p95 = summary(values)
        fmed, fp95 = summary(floor)
        lines.append(
            f"| search: {kind}{' (not in all)' if kind == FIRST_LETTERS else ''} | {len(values)} | {med} | {p95} | {fmed} | {fp95} | "
            f"{p95 / fp95:.1f}× |"
        )
    med, p95 = summary(every)
    fmed, fp95 = summary(every_floor)
    search_ok = p95 <= 100 and p95 <= 3 * fp95
    lines.append(
        f"| **search, all** | {len(every)} | {med} | **{p95}** | {fmed} | {fp95} | "
        f"**{p95 / fp95:.1f}×** |"
    )
    pmed, pp95 = summary(results["profile"])
    fmed, fp95 = summary(results["profile_floor"])
    profile_ok = pp95 <= 100 and pp95 <= 3 * fp95
    lines.append(
        f"| **patient profile** | {len(results['profile'])} | {pmed} | **{pp95}** | "
        f"{fmed} | {fp95} | **{pp95 / fp95:.1f}×** |"
    )
    dash_ok = True
    for role, values in dash.items():
        dmed, dp95 = summary(values)
        dash_ok = dash_ok and dp95 <= 150
        lines.append(f"| **dashboard ({role})** | {len(values)} | {dmed} | **{dp95}** | | | |")
    load = os.getloadavg()
    lines += [
        "",
        f"Targets: search p95 ≤ 100 ms and ≤ 3× floor: {'MET' if search_ok else 'MISSED'}; "
        f"the first letters of a name p95 ≤ 100 ms: {'MET' if letters_ok else 'MISSED'}; "
        f"profile p95 ≤ 100 ms and ≤ 3× floor: {'MET' if profile_ok else 'MISSED'}; "
        f"dashboard p95 ≤ 150 ms: {'MET' if dash_ok else 'MISSED'}.",
        "",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end of the run (the machine "
        "is shared with other work).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=BASE_URL)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--name", help="the scratch database's name (default: bench_search_PID)")
    parser.add_argument(
        "--skip-seed",
        action="store_true",
        help="measure the database --name kept by an earlier --keep run "
        "(migrated to head first); implies --keep",
    )
    parser.add_argument(
        "--plan", action="store_true", help="print EXPLAIN ANALYZE of each dashboard count and exit"
    )
    args = parser.parse_args()
    if args.skip_seed and not args.name:
        parser.error("--skip-seed needs --name")
    base = make_url(args.database_url)
    name = args.name or f"bench_search_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    if not args.skip_seed:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    keep = args.keep or args.skip_seed
    try:
        app, tokens, engine, seconds = setup_app(url, seed=not args.skip_seed)
        if args.plan:
            with app.app_context():
                plans(app)
            return
        with app.app_context():
            headers = {"Authorization": f"Bearer {tokens['pharmacist']}"}
            client = app.test_client()
            results = measure(client, headers, engine)
            dash = dashboards(client, tokens)
            from pharmacy.services.uow import current_db

            current_db().dispose()
        engine.dispose()
        text_out = report(results, dash, seconds)
        print(text_out)
        if args.write:
            write_results(text_out)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def plans(app: Any) -> None:
    """EXPLAIN ANALYZE of every dashboard count, as the service builds it."""
    from datetime import date

    from pharmacy.services.dashboard import WORK
    from pharmacy.services.rules import current_rules
    from pharmacy.services.uow import current_db

    with current_db().transaction() as session:
        rules = current_rules(session)
        for role, make in WORK.items():
            for work in make(date.today(), rules):
                key, stmt = work.key, work.count()
                sql = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
                rows = session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")).scalars()
                print(f"--- {role}: {key}\n" + "\n".join(rows))


def write_results(section: str) -> None:
    path = Path(__file__).with_name("RESULTS.md")
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    head = "## Search, patient profile and dashboards (issue 22)"
    if head in current:
        before, _, rest = current.partition(head)
        after = rest[rest.find("\n## ") :] if "\n## " in rest else ""
        current = before + section + after
    else:
        current = current.rstrip("\n") + "\n\n" + section
    path.write_text(current)


if __name__ == "__main__":
    main()
