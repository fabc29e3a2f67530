"""Issue 18, break 7: two clients that send headers and then trickle a body stalled both
sync workers, and every other request waited ~30 s. `pharmacy serve` now runs gunicorn's
gthread workers: with 4 slow-body clients connected, `GET /login` answers within 2 s.
Loopback only; every socket and the server are closed within a few seconds."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_login(port: int, timeout: float) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        status = sock.recv(64)
    return int(status.split()[1])


def _start(argv: list[str], port: int, database: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PHARMACY_ENV": "testing",
           "SECRET_KEY": "slow-client-test-secret"}
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _get_login(port, 2) == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("the server did not start")


@pytest.fixture
def database(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "served.db"
    shutil.copy(sqlite_template, path)
    return path


class SlowClients:
    """Clients that send a form's headers, then one byte of its body every half second."""

    def __init__(self, port: int, count: int) -> None:
        self.stop = threading.Event()
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"POST /login HTTP/1.1\r\nHost: localhost\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n"
                         b"Content-Length: 100000\r\n\r\nusername=")
            self.sockets.append(sock)
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        while not self.stop.wait(0.5):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.sendall(b"a")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def _serve(argv: list[str], port: int, database: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = _start(argv, port, database)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _login_answers_within_two_seconds(port: int) -> bool:
    time.sleep(0.5)  # the slow clients have been handed to the workers
    started = time.monotonic()
    try:
        ok = _get_login(port, 2.0) == 200
    except OSError:  # socket.timeout included
        return False
    return ok and time.monotonic() - started < 2.0


def test_sync_workers_stall_behind_slow_clients(database: Path) -> None:
    """The break as reported: 2 sync workers, 2 slow clients, and /login does not answer."""
    port = _free_port()
    argv = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
            "--graceful-timeout", "2", "wsgi:app"]
    for _ in _serve(argv, port, database):
        slow = SlowClients(port, 2)
        try:
            assert not _login_answers_within_two_seconds(port)
        finally:
            slow.close()


def test_pharmacy_serve_answers_while_slow_clients_are_connected(database: Path) -> None:
    port = _free_port()
    argv = [str(BIN / "pharmacy"), "serve", "--bind", f"127.0.0.1:{port}"]
    for _ in _serve(argv, port, database):
        slow = SlowClients(port, 4)
        try:
            for _attempt in range(3):
                assert _login_answers_within_two_seconds(port)
        finally:
            slow.close()
