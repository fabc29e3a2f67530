"""Where the time of one POST /api/v1/prescriptions goes (not a test).

In process, one request at a time, on a scratch PostgreSQL database: the per-request time
of the main steps of intake and of every SQL statement it sends.

    .venv/bin/python bench/profile_intake.py [--requests 200]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import functools
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def compare_with_floor(url: str, client: Any, headers: dict[str, str], rounds: int) -> None:
    """Intake and the floor app in the same process, interleaved so that the machine's
    drift hits both: CPU and wall time per request, and their ratio."""
    import statistics

    import bench_load
    from sqlalchemy import create_engine

    from bench.floor_app import Base
    from bench.floor_app import create_app as create_floor

    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    floor = create_floor(url).test_client()
    for n in range(20):
        floor.post("/floor/prescriptions", json=bench_load.floor_body("warm", n))

    def measure(post: Any) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(100):
            post(n)
        return ((time.process_time() - cpu) * 10, (time.perf_counter() - wall) * 10)

    results: dict[str, list[tuple[float, float]]] = {"floor": [], "intake": []}
    for r in range(rounds):
        results["floor"].append(
            measure(
                lambda n, r=r: floor.post(
                    "/floor/prescriptions", json=bench_load.floor_body(f"c{r}x", n)
                )
            )
        )
        results["intake"].append(
            measure(
                lambda n, r=r: client.post(
                    "/api/v1/prescriptions", json=bench_load.rx_body(f"c{r}x", n), headers=headers
                )
            )
        )
    cpu = {k: statistics.median(c for c, _ in v) for k, v in results.items()}
    wall = {k: statistics.median(w for _, w in v) for k, v in results.items()}
    print(f"in process, median of {rounds} interleaved rounds of 100 requests:")
    for k in results:
        print(f"  {k:6s}  {cpu[k]:6.2f} ms CPU  {wall[k]:6.2f} ms wall per request")
    print(
        f"  intake / floor: {cpu['intake'] / cpu['floor']:.2f}x CPU, "
        f"{wall['intake'] / wall['floor']:.2f}x wall\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--floor-rounds",
        type=int,
        default=5,
        metavar="N",
        help="first compare with the floor app in process, N interleaved "
        "rounds of 100 requests each (0 to skip)",
    )
    parser.add_argument(
        "--cprofile",
        type=int,
        metavar="N",
        default=0,
        help="also print the N costliest functions by cumulative time",
    )
    args = parser.parse_args()

    import bench_load
    from marshmallow import Schema
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    import pharmacy.api.prescriptions as api_module
    import pharmacy.audit as audit_module
    import pharmacy.services.accounts as accounts_module
    import pharmacy.services.prescriptions as rx_module
    from pharmacy.app import create_app
    from pharmacy.prebuilt import Prebuilt
    from pharmacy.services.uow import current_db

    url, drop = bench_load.scratch_database()
    try:
        users = bench_load.prepare(url, prescribers=1)
        app = create_app(
            {"DATABASE_URL": url, "PHARMACY_ENV": "production", "SECRET_KEY": "profile-" * 6}
        )
        client = app.test_client()
        token = client.post(
            "/api/v1/auth/token",
            json={
                "username": users["prescribers"][0][0],
                "password": bench_load.PASSWORD,
            },
        ).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        for n in range(20):  # warm up
            client.post(
                "/api/v1/prescriptions", json=bench_load.rx_body("warm", n), headers=headers
            )

        if args.floor_rounds:
            compare_with_floor(url, client, headers, args.floor_rounds)

        steps: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0])

        def timed(module: Any, name: str) -> None:
            real = getattr(module, name)

            @functools.wraps(real)
            def wrapper(*a: Any, **k: Any) -> Any:
                start, cpu_start = time.perf_counter(), time.process_time()
                try:
                    return real(*a, **k)
                finally:
                    step = steps[f"{module.__name__}.{name}"]
                    step[0] += time.perf_counter() - start
                    step[1] += time.process_time() - cpu_start

            setattr(module, name, wrapper)

        timed(api_module.prescriptions, "create_prescription")
        timed(audit_module, "record")
        timed(rx_module, "_take_rx_number_and_find_patient")
        timed(rx_module, "_store")
        timed(rx_module, "current_rules")
        timed(accounts_module, "actor_for_token")
        timed(rx_module, "_intake")
        timed(Session, "commit")
        timed(Session, "flush")
        timed(Session, "get")
        timed(Session, "execute")
        timed(Schema, "load")
        timed(Schema, "dump")

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

        # Prebuilt statements go straight to the driver, past the engine's events.
        real_execute = Prebuilt._execute

        labels: dict[int, str] = {}

        def timed_execute(self: Prebuilt, connection: Any, values: Any) -> Any:
            start = time.perf_counter()
            try:
                return real_execute(self, connection, values)
            finally:
                elapsed = time.perf_counter() - start
                if id(self) not in labels:
                    labels[id(self)] = "* " + " ".join(str(self.statement).split())[:88]
                statements[labels[id(self)]].append(elapsed)

        Prebuilt._execute = timed_execute  # type: ignore[method-assign]

        n = args.requests
        profiler = cProfile.Profile(time.process_time) if args.cprofile else None
        start = time.perf_counter()
        cpu_start = time.process_time()
        if profiler:
            profiler.enable()
        for i in range(n):
            client.post("/api/v1/prescriptions", json=bench_load.rx_body("p", i), headers=headers)
        if profiler:
            profiler.disable()
        total = (time.perf_counter() - start) / n * 1000
        cpu = (time.process_time() - cpu_start) / n * 1000
        with app.app_context():
            current_db().dispose()
    finally:
        drop()

    if profiler:
        order = os.environ.get("SORT", "cumulative")
        pstats.Stats(profiler).sort_stats(order).print_stats(args.cprofile)
        profiler.dump_stats("/tmp/intake.prof")
    print(
        f"{total:.2f} ms per request, {cpu:.2f} ms of it on this process's CPU "
        f"({n} requests, one at a time, in process)\n"
    )
    print("steps (ms per request, wall and CPU; nested steps are included in their callers):")
    for name, (seconds, cpu_seconds) in sorted(steps.items(), key=lambda kv: -kv[1][0]):
        print(f"  {seconds / n * 1000:6.2f}  {cpu_seconds / n * 1000:6.2f}  {name}")
    sql = sum(sum(v) for v in statements.values())
    count = sum(len(v) for v in statements.values())
    print(
        f"\nSQL: {count / n:.1f} statements, {sql / n * 1000:.2f} ms per request "
        "(* prebuilt, sent straight to the driver):"
    )
    for statement, times in sorted(statements.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {sum(times) / n * 1000:6.2f}  x{len(times) / n:.1f}  {statement}")


if __name__ == "__main__":
    main()
