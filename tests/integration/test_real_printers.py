"""Printing straight to real printers (issue 21): a private CUPS on 127.0.0.1 (cupsd -f
with its own cupsd.conf and cups-files.conf, a file: queue added with lpadmin) receives the
PDF through `lp`; a TCP listener stands in for a Zebra on port 9100 and receives the ZPL.
An unreachable or refusing printer gives 409 naming the printer, and nothing is marked
printed."""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.stock_support import capsule_stock, fill, released_batch, verified_rx

CUPSD = shutil.which("cupsd") or ("/usr/sbin/cupsd" if Path("/usr/sbin/cupsd").exists() else None)
LPADMIN = shutil.which("lpadmin") or (
    "/usr/sbin/lpadmin" if Path("/usr/sbin/lpadmin").exists() else None
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _need_cups() -> None:
    if CUPSD and LPADMIN and shutil.which("lp"):
        return
    why = "CUPS (cups-daemon, cups-client) is not installed: cannot test real printing"
    if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(why + " — CI must run these (.ci/run installs them)")
    pytest.skip(why)


CUPSD_CONF = """Listen 127.0.0.1:{port}
Browsing No
BrowseLocalProtocols none
DefaultAuthType None
WebInterface No
LogLevel warn
PreserveJobFiles Yes
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order allow,deny
    Allow all
  </Limit>
</Policy>
"""
FILES_CONF = """FileDevice Yes
ServerRoot {d}
RequestRoot {d}/spool
CacheDir {d}/cache
StateDir {d}/state
TempDir {d}/spool
AccessLog {d}/log/access_log
ErrorLog {d}/log/error_log
PageLog {d}/log/page_log
"""


@pytest.fixture
def cups(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A private cupsd on a free port with one queue, `labels`, writing to a file."""
    _need_cups()
    root = tmp_path / "cups"
    for sub in ("spool", "cache", "state", "log", "out"):
        (root / sub).mkdir(parents=True)
    root.chmod(0o755)
    (root / "out").chmod(0o777)
    port = _free_port()
    (root / "cupsd.conf").write_text(CUPSD_CONF.format(port=port))
    (root / "cups-files.conf").write_text(FILES_CONF.format(d=root))
    server = subprocess.Popen(  # noqa: S603
        [str(CUPSD), "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        added = subprocess.run(  # noqa: S603
            [
                str(LPADMIN),
                "-h",
                f"127.0.0.1:{port}",
                "-p",
                "labels",
                "-E",
                "-v",
                f"file://{root}/out/labels.out",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert added.returncode == 0, added.stderr
        yield {"port": port, "spool": root / "spool", "out": root / "out"}
    finally:
        server.terminate()
        server.wait(timeout=10)


class ZebraListener:
    """A TCP listener on 127.0.0.1 that keeps what each connection sends."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = int(self.sock.getsockname()[1])
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while data := conn.recv(65536):
                    chunks.append(data)
                self.received.append(b"".join(chunks))

    def wait_for(self, count: int) -> list[bytes]:
        for _ in range(200):
            if len(self.received) >= count:
                break
            time.sleep(0.02)
        return self.received

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def zebra() -> Iterator[ZebraListener]:
    listener = ZebraListener()
    yield listener
    listener.close()


@pytest.fixture
def filled(api: Any) -> dict[str, Any]:
    capsule_stock(api)
    batch = released_batch(api, strength=4.5, quantity=100)
    rx = verified_rx(api, quantity=30)
    made = fill(api, rx["id"], batch["id"], 30)
    assert made.status_code == 201, made.get_json()
    return {"batch": batch, "rx": rx, "fill": made.get_json()}


def add_printer(api: Any, name: str, uri: str, stock: str = "4x2.5") -> None:
    response = api.post(
        "/api/v1/printers", as_="admin", json={"name": name, "uri": uri, "stock": stock}
    )
    assert response.status_code == 201, response.get_json()


def jobs() -> list[tuple[str, str | None, str]]:
    from pharmacy.models import PrintJob
    from pharmacy.services.uow import current_db

    session = current_db().session_factory()
    try:
        rows = session.execute(select(PrintJob).order_by(PrintJob.id)).scalars()
        return [(j.station.name, j.job_id, j.outcome) for j in rows]
    finally:
        session.close()


def printed(api: Any, fill_id: int) -> list[Any]:
    return api.get(
        f"/api/v1/print-log?document=patient_label&entity_id={fill_id}", as_="tech"
    ).get_json()


def test_a_label_goes_to_a_cups_queue_over_ipp(
    api: Any, filled: dict[str, Any], cups: dict[str, Any]
) -> None:
    add_printer(api, "bench", f"ipp://127.0.0.1:{cups['port']}/printers/labels")
    f = filled["fill"]
    response = api.post(
        f"/api/v1/fills/{f['id']}/label/print", as_="tech", json={"printer": "bench"}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "sent" and re.fullmatch(r"labels-\d+", body["job_id"])
    number = int(body["job_id"].split("-")[1])
    spooled = cups["spool"] / f"d{number:05d}-001"
    for _ in range(100):
        if spooled.exists():
            break
        time.sleep(0.05)
    document = spooled.read_bytes()
    assert document.startswith(b"%PDF")
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(document)).pages)
    assert filled["rx"]["rx_number"] in text
    assert jobs() == [("bench", body["job_id"], "sent")]
    assert len(printed(api, f["id"])) == 1
    state = api.get(f"/api/v1/prescriptions/{filled['rx']['id']}/fills", as_="tech").get_json()
    assert state[0]["status"] == "labeled"
    # A queue CUPS does not have refuses the job: a clear 409, nothing more printed.
    add_printer(api, "gone", f"ipp://127.0.0.1:{cups['port']}/printers/nosuch")
    refused = api.post(
        f"/api/v1/fills/{f['id']}/leaflet/print", as_="tech", json={"printer": "gone"}
    )
    assert refused.status_code == 409 and "printer" in refused.get_json()["errors"]
    assert "send it again" in refused.get_json()["message"]
    leaflet = api.post(
        f"/api/v1/fills/{f['id']}/leaflet/print", as_="tech", json={"printer": "bench"}
    )
    assert leaflet.status_code == 200, leaflet.get_json()


def test_a_label_goes_to_a_zebra_as_zpl_and_an_offline_one_marks_nothing(
    api: Any, filled: dict[str, Any], zebra: ZebraListener
) -> None:
    f = filled["fill"]
    add_printer(api, "offline", f"socket://127.0.0.1:{_free_port()}")
    failed = api.post(
        f"/api/v1/fills/{f['id']}/label/print", as_="tech", json={"printer": "offline"}
    )
    assert failed.status_code == 409, failed.get_json()
    assert "cannot be reached" in failed.get_json()["message"]
    assert printed(api, f["id"]) == []
    state = api.get(f"/api/v1/prescriptions/{filled['rx']['id']}/fills", as_="tech").get_json()
    assert state[0]["status"] == "filled"
    assert jobs() == [("offline", None, "failed")]
    # The retry, to a printer that answers.
    add_printer(api, "zebra", f"socket://127.0.0.1:{zebra.port}")
    sent = api.post(f"/api/v1/fills/{f['id']}/label/print", as_="tech", json={"printer": "zebra"})
    assert sent.status_code == 200, sent.get_json()
    zpl = zebra.wait_for(1)[0].decode("utf-8")
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    barcodes = re.findall(r"\^BCN,\d+,N,N,N,A\^FH\\\^FD([^^]*)\^FS", zpl)
    assert barcodes == [f"{filled['rx']['rx_number']}-1"]
    fields = re.findall(r"\^FD([^^]*)\^FS", zpl)
    assert "Ada Lovelace" in fields and filled["fill"]["lot_number"] in " ".join(fields)
    assert [j[2] for j in jobs()] == ["failed", "sent"]
    # Batch labels to the same station: one format per container, the lot barcode on each.
    batch = api.post(
        f"/api/v1/batches/{filled['batch']['id']}/labels/print",
        as_="tech",
        json={"printer": "zebra", "containers": 2},
    )
    assert batch.status_code == 200, batch.get_json()
    batch_zpl = zebra.wait_for(2)[1].decode("utf-8")
    assert batch_zpl.count("^XA") == 2
    assert re.findall(r"\^FD([^^]*)\^FS", batch_zpl).count(filled["batch"]["lot_number"]) >= 2


def test_printers_add_on_the_command_line_and_access(app: Any, api: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "printers",
            "add",
            "front",
            "--uri",
            "ipp://127.0.0.1:631/printers/front",
            "--stock",
            "4x2.5",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "front" in result.output and "IPP" in result.output
    again = runner.invoke(args=["printers", "add", "front", "--uri", "socket://10.0.0.9"])
    assert again.exit_code != 0 and "already named front" in again.output
    bad = runner.invoke(args=["printers", "add", "x", "--uri", "lpd://h/q"])
    assert bad.exit_code != 0 and "ipp://" in bad.output
    assert (
        api.post(
            "/api/v1/printers",
            as_="tech",
            json={"name": "t", "uri": "socket://h", "stock": "4x2.5"},
        ).status_code
        == 403
    )
    names = [p["name"] for p in api.get("/api/v1/printers", as_="tech").get_json()]
    assert names == ["front"]
