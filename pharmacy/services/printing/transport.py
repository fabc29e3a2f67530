"""Getting a document to a printer: IPP through CUPS's own client (`lp`) for a CUPS queue
or an IPP Everywhere printer, and raw ZPL over TCP (port 9100) for a Zebra printer.

A printer that refuses the job or cannot be reached raises `PrinterFailed` with what it
said, never a patient's name (the job title is the document and its record number).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from pharmacy.errors import Invalid, PrinterFailed

IPP_SCHEMES = ("ipp", "ipps", "http", "https")
ZPL_SCHEMES = ("socket", "tcp", "zpl")
IPP_PORT = 631
RAW_PORT = 9100
#: How long a printer may take to answer before it counts as offline.
TIMEOUT_SECONDS = 15.0
_REQUEST_ID = re.compile(r"request id is (\S+)")


@dataclass(frozen=True)
class Target:
    protocol: str  # "ipp" or "zpl"
    host: str
    port: int
    queue: str | None  # the CUPS queue (IPP only)


def parse_uri(uri: str) -> Target:
    """`ipp://host[:631]/printers/QUEUE` (a CUPS queue; an IPP Everywhere printer is
    reached through the queue CUPS makes for it) or `socket://host[:9100]` (also `tcp://`,
    `zpl://`)."""
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
    except ValueError as error:
        raise Invalid("uri", f"not a printer URI: {error}") from error
    if not parts.hostname:
        raise Invalid("uri", "give the printer's host, e.g. ipp://host:631/printers/labels")
    if parts.scheme in IPP_SCHEMES:
        segments = parts.path.strip("/").split("/")
        if len(segments) != 2 or segments[0] not in ("printers", "classes") or not segments[1]:
            raise Invalid("uri", "an IPP URI names the CUPS queue: ipp://host:631/printers/QUEUE")
        return Target("ipp", parts.hostname, port or IPP_PORT, segments[1])
    if parts.scheme in ZPL_SCHEMES:
        return Target("zpl", parts.hostname, port or RAW_PORT, None)
    raise Invalid(
        "uri", "use ipp://host:631/printers/QUEUE (CUPS, IPP) or socket://host:9100 (Zebra ZPL)"
    )


def send(uri: str, document: bytes, title: str) -> str:
    """Send the document; the printer's (or CUPS's) job id."""
    target = parse_uri(uri)
    if target.protocol == "ipp":
        return _send_ipp(target, document, title)
    return _send_raw(target, document)


def _send_ipp(target: Target, document: bytes, title: str) -> str:
    lp = shutil.which("lp")
    if lp is None:
        raise PrinterFailed(
            "CUPS's client (lp) is not installed on this server; nothing was printed.",
            {"printer": ["lp is not installed"]},
        )
    command = [lp, "-h", f"{target.host}:{target.port}", "-d", target.queue or "", "-t", title]
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [*command, "--", "-"],
            input=document,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _offline(f"{target.host}:{target.port}", "no answer") from None
    said = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
    match = _REQUEST_ID.search(said)
    if done.returncode != 0 or match is None:
        raise PrinterFailed(
            f"The printer queue {target.queue} on {target.host}:{target.port} refused the job "
            f"({said or f'lp exited with {done.returncode}'}); nothing was marked printed. "
            "Check the printer and send it again.",
            {"printer": [said or "refused"]},
        )
    return match.group(1)


def _send_raw(target: Target, document: bytes) -> str:
    where = f"{target.host}:{target.port}"
    try:
        with socket.create_connection((target.host, target.port), timeout=TIMEOUT_SECONDS) as s:
            s.sendall(document)
            s.shutdown(socket.SHUT_WR)
    except OSError as error:
        raise _offline(where, error.strerror or str(error)) from None
    # Raw port 9100 has no job ids: ours names the job in the print log.
    return f"zpl-{uuid.uuid4().hex[:12]}"


def _offline(where: str, why: str) -> PrinterFailed:
    return PrinterFailed(
        f"The printer at {where} cannot be reached ({why}); nothing was marked printed. "
        "Check that it is on and connected, then send it again.",
        {"printer": [f"offline: {why}"]},
    )
