"""Where the time of one POST /api/v1/prescriptions goes (not a test).

In process, one request at a time, on a scratch PostgreSQL database: the per-request time
of the main steps of intake and of every SQL statement it sends.

    .venv/bin/python bench/profile_intake.py [--requests 200]
"""

from __future__ import annotations

import argparse
import collections
import functools
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    import bench_load
    from sqlalchemy import event

    import pharmacy.api.prescriptions as api_module
    import pharmacy.audit as audit_module
    import pharmacy.services.accounts as accounts_module
    import pharmacy.services.prescriptions as rx_module
    from pharmacy.app import create_app
    from pharmacy.services.uow import current_db

    url, drop = bench_load.scratch_database()
    try:
        users = bench_load.prepare(url, prescribers=1)
        app = create_app({"DATABASE_URL": url, "PHARMACY_ENV": "production",
                          "SECRET_KEY": "profile-" * 6})
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={
            "username": users["prescribers"][0][0], "password": bench_load.PASSWORD,
        }).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        for n in range(20):  # warm up
            client.post("/api/v1/prescriptions", json=bench_load.rx_body("warm", n),
                        headers=headers)

        steps: dict[str, float] = collections.defaultdict(float)

        def timed(module: Any, name: str) -> None:
            real = getattr(module, name)

            @functools.wraps(real)
            def wrapper(*a: Any, **k: Any) -> Any:
                start = time.perf_counter()
                try:
                    return real(*a, **k)
                finally:
                    steps[f"{module.__name__}.{name}"] += time.perf_counter() - start

            setattr(module, name, wrapper)

        timed(api_module.prescriptions, "create_prescription")
        timed(audit_module, "record")
        timed(rx_module, "_find_or_create_patient")
        timed(rx_module, "current_rules")
        timed(rx_module, "next_value")
        timed(accounts_module, "actor_for_token")

        statements: dict[str, list[float]] = collections.defaultdict(list)
        with app.app_context():
            engine = current_db().engine

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn: Any, *_: Any) -> None:
            conn.info["t0"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements[" ".join(statement.split())[:90]].append(
                time.perf_counter() - conn.info["t0"]
            )

        n = args.requests
        start = time.perf_counter()
        for i in range(n):
            client.post("/api/v1/prescriptions", json=bench_load.rx_body("p", i), headers=headers)
        total = (time.perf_counter() - start) / n * 1000
        with app.app_context():
            current_db().dispose()
    finally:
        drop()

    print(f"{total:.2f} ms per request ({n} requests, one at a time, in process)\n")
    print("steps (ms per request; nested steps are included in their callers):")
    for name, seconds in sorted(steps.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds / n * 1000:6.2f}  {name}")
    sql = sum(sum(v) for v in statements.values())
    count = sum(len(v) for v in statements.values())
    print(f"\nSQL: {count / n:.1f} statements, {sql / n * 1000:.2f} ms per request:")
    for statement, times in sorted(statements.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {sum(times) / n * 1000:6.2f}  x{len(times) / n:.1f}  {statement}")


if __name__ == "__main__":
    main()
