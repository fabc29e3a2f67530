"""A/B load experiment (not a test): the floor app, this checkout's app (A) and a second
checkout's app (B) all run at once against one scratch PostgreSQL database while the load
moves between them in one-second slices; it reports requests/s and CPU per request (server,
PostgreSQL, machine) for each. It measures a change to intake before anyone makes it
properly: the machine is shared and drifts by +-30 % within a minute, so A and B must be
compared within one run, slice by slice.

    git worktree add /tmp/variant HEAD
    git -C /tmp/variant apply "$PWD/bench/experiments/fewer_round_trips.patch"
    ln -s "$PWD/.venv" /tmp/variant/.venv
    .venv/bin/python bench/ab_load.py /tmp/variant \
        --setup-sql bench/experiments/fewer_round_trips.sql [--rounds 4]

`--setup-sql` runs the statements B needs on the scratch database first (that patch takes
Rx numbers from a sequence). `--b-module` serves another WSGI app as B, such as the lower
bound for intake (the database work it must do, and nothing else):

    .venv/bin/python bench/ab_load.py . --b-module bench.experiments.bound_app:app

bench/RESULTS.md ("Load") records what it showed.
Loopback only; each round is bounded (`--seconds`), and the servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_load as load  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("variant", type=Path, help="the checkout to serve as B")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0,
                        help="per round, for each of the floor, A and B")
    parser.add_argument("--slice", type=float, default=1.0,
                        help="seconds of load on one server before moving to the next")
    parser.add_argument("--setup-sql", type=Path, help="SQL to run on the scratch database")
    parser.add_argument("--b-module", default="wsgi:app",
                        help="the WSGI app to serve as B, from the variant checkout")
    args = parser.parse_args()
    if not (args.variant / "wsgi.py").exists():
        raise SystemExit(f"{args.variant} is not a checkout of this project")

    url, drop = load.scratch_database()
    results: dict[str, list[tuple[float, dict[str, float]]]] = {"floor": [], "A": [], "B": []}
    try:
        users = load.prepare(url, prescribers=load.CONNECTIONS)
        if args.setup_sql:
            import psycopg

            with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
                for statement in args.setup_sql.read_text().split(";"):
                    if statement.strip():
                        conn.execute(statement)  # the experimenter's own SQL file
        env = {"DATABASE_URL": url, "PHARMACY_ENV": "production",
               "SECRET_KEY": secrets.token_urlsafe(32)}
        # All three servers run throughout, and the load moves between them.
        servers = {
            "floor": load.Server("bench.floor_app:app", {"FLOOR_DATABASE_URL": url}, "floor"),
            "A": load.Server("wsgi:app", env, "appA"),
            "B": load.Server(args.b_module, env, "appB", root=args.variant.resolve()),
        }
        try:
            tokens = [load.token(servers["A"].port, u) for u, _ in users["prescribers"]]

            def intake(server: load.Server) -> load.Phase:
                return lambda seconds, tag: load.intake_phase(server.port, tokens, seconds, tag)

            phases: dict[str, tuple[load.Server, load.Phase]] = {
                "floor": (servers["floor"], lambda seconds, tag: load.floor_phase(
                    servers["floor"].port, seconds, tag)),
                "A": (servers["A"], intake(servers["A"])),
                "B": (servers["B"], intake(servers["B"])),
            }
            for _server, phase in phases.values():
                phase(1.0, "warm")
            measured = load.interleaved_rounds(
                phases, rounds=args.rounds, seconds=args.seconds, slice_seconds=args.slice,
                url=url,
            )
            for round_ in range(args.rounds):
                for kind in servers:
                    stats = measured[kind][round_]
                    cpu = stats.cpu
                    results[kind].append((stats.rps, cpu))
                    print(f"{kind:5s} round {round_ + 1}: {stats.rps:5.0f} req/s, p99 "
                          f"{stats.pct(99):5.1f} ms, 5xx {stats.server_errors}; CPU ms/request: "
                          f"server {cpu.get('server', 0):.2f}, "
                          f"PostgreSQL {cpu.get('postgres', 0):.2f}, "
                          f"machine {cpu.get('machine', 0):.2f}", flush=True)
        finally:
            for server in servers.values():
                server.stop()
    finally:
        drop()

    floors = results["floor"]
    for kind in ("A", "B"):
        rps = [app[0] / floor[0] for app, floor in zip(results[kind], floors, strict=True)]
        cpu = [app[1]["machine"] / floor[1]["machine"]
               for app, floor in zip(results[kind], floors, strict=True)
               if app[1] and floor[1]]
        print(f"{kind}: requests/s of the floor's, median {statistics.median(rps):.0%} "
              f"({', '.join(f'{r:.0%}' for r in rps)}); machine CPU per request "
              + (f"{statistics.median(cpu):.2f}x the floor's" if cpu else "not sampled"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
