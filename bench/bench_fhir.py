"""Benchmark the FHIR intake (not a test): ``python bench/bench_fhir.py [N]``.

Times ``POST /fhir/r4`` with a titration order as a transaction Bundle against a floor:
the same order posted to ``POST /api/v1/prescriptions`` (the same intake, without the FHIR
parsing, mapping and response Bundle), in process on a fresh SQLite database. Prints the
median and 95th percentile in ms of each.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pharmacy import migrate  # noqa: E402
from pharmacy.app import create_app  # noqa: E402
from pharmacy.models import Prescriber  # noqa: E402
from pharmacy.seed import seed_reference_data  # noqa: E402
from pharmacy.services.uow import current_db  # noqa: E402
from tests.conftest import Api  # noqa: E402
from tests.fhir.bundles import FHIR_JSON, bundle, titration_request  # noqa: E402

API_BODY = {
    "patient": {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1970-05-01"},
    "dosage_form": "capsule",
    "strength_mg": 1.5,
    "titration": [
        {"dose_mg": 1.5, "days": 14},
        {"dose_mg": 3, "days": 14},
        {"dose_mg": 4.5, "days": 30},
    ],
    "quantity": 132,
    "refills": 1,
    "opioid_attestation": True,
}


def _time(call: Callable[[], Any], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 201), response.get_json()
    times.sort()
    return statistics.median(times), times[max(int(runs * 0.95) - 1, 0)]


def main(runs: int) -> None:
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "PHARMACY_ENV": "testing", "SECRET_KEY": "b"})
    with app.app_context():
        with current_db().transaction() as session:
            seed_reference_data(session)
        api = Api(app)
        account = api.add_user("drA", "prescriber")
        npi = current_db().session().get(Prescriber, account.prescriber_id).npi
        order = json.dumps(bundle(npi, request=titration_request()))
        headers = {"Content-Type": FHIR_JSON}
        fhir = _time(lambda: api.post("/fhir/r4", as_="drA", data=order, headers=headers), runs)
        floor = _time(lambda: api.post("/api/v1/prescriptions", as_="drA", json=API_BODY), runs)
        current_db().dispose()
    print("| request | median ms | p95 ms |\n|---|---|---|")
    print(f"| POST /fhir/r4 (titration Bundle) | {fhir[0]:.1f} | {fhir[1]:.1f} |")
    print(f"| floor: POST /api/v1/prescriptions (same order) | {floor[0]:.1f} | {floor[1]:.1f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
