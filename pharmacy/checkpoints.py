"""Signed audit checkpoints: an anchor for the hash chain outside the database.

A checkpoint holds the id of the newest audit event, the chain head's hash and the number
of events, signed with HMAC-SHA256 under a key the database never sees
(`PHARMACY_AUDIT_KEY`, or a file named by `PHARMACY_AUDIT_KEY_FILE`). Someone who can
write the database can recompute every hash, but not a checkpoint's signature, so
`pharmacy audit verify --checkpoints DIR` notices deleted tail events, a rewritten event
with a recomputed chain, and a replaced head.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy.audit import ChainCheck, verify_chain
from pharmacy.models import AuditEvent

KEY_ENV = "PHARMACY_AUDIT_KEY"
KEY_FILE_ENV = "PHARMACY_AUDIT_KEY_FILE"
MIN_KEY_BYTES = 32
FORMAT = 1
_SIGNED = ("format", "last_event_id", "head_hash", "count", "written_at")


class CheckpointError(RuntimeError):
    """No usable key, or a checkpoint that cannot be written or read."""


def load_key(environ: dict[str, str] | None = None) -> bytes:
    """The checkpoint key from the environment or the key file it names."""
    env = os.environ if environ is None else environ
    if env.get(KEY_ENV):
        key = env[KEY_ENV].encode()
    elif env.get(KEY_FILE_ENV):
        path = Path(env[KEY_FILE_ENV])
        if not path.is_file():
            raise CheckpointError(f"{KEY_FILE_ENV} names {path}, which does not exist")
        if path.stat().st_mode & 0o077:
            raise CheckpointError(f"{path} must be readable by its owner only (chmod 600)")
        key = path.read_bytes().strip()
    else:
        raise CheckpointError(
            f"no audit checkpoint key: set {KEY_FILE_ENV} to a file holding at least "
            f"{MIN_KEY_BYTES} random bytes (or {KEY_ENV}), kept off the database server"
        )
    if len(key) < MIN_KEY_BYTES:
        raise CheckpointError(f"the audit checkpoint key must be at least {MIN_KEY_BYTES} bytes")
    return key


def _mac(key: bytes, fields: dict[str, Any]) -> str:
    payload = json.dumps({k: fields[k] for k in _SIGNED}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _checked_chain(session: Session) -> ChainCheck:
    chain = verify_chain(session)
    if not chain.ok:
        where = f"event id {chain.first_broken_id}" if chain.first_broken_id else "the head"
        raise CheckpointError(f"the audit chain is broken at {where}: {chain.problem}")
    return chain


def write_checkpoint(session: Session, directory: Path, key: bytes, now: datetime) -> Path:
    """Sign the current chain (which must verify) into a new file in `directory`."""
    chain = _checked_chain(session)
    fields: dict[str, Any] = {
        "format": FORMAT,
        "last_event_id": chain.last_event_id,
        "head_hash": chain.head_hash,
        "count": chain.events,
        "written_at": now.astimezone(UTC).isoformat(),
    }
    fields["mac"] = _mac(key, fields)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"audit-checkpoint-{stamp}-{chain.last_event_id or 0}.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(fields, handle, sort_keys=True, indent=1)
        handle.write("\n")
    return path


@dataclass(frozen=True)
class CheckpointReport:
    chain: ChainCheck
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.checked > 0 and not self.problems


def _read(path: Path, key: bytes) -> dict[str, Any] | str:
    try:
        fields = json.loads(path.read_text())
        signed = {k: fields[k] for k in (*_SIGNED, "mac")}
    except (OSError, ValueError, KeyError, TypeError):
        return f"{path.name}: not a readable checkpoint"
    if not isinstance(signed["mac"], str) or not hmac.compare_digest(
        signed["mac"], _mac(key, signed)
    ):
        return f"{path.name}: its signature does not match (altered, or signed with another key)"
    return signed


def _against(session: Session, chain: ChainCheck, name: str, point: dict[str, Any]) -> str | None:
    """What a checkpoint says that the database no longer does, if anything."""
    last_id, count = point["last_event_id"], point["count"]
    if chain.events < count:
        return f"{name}: {count} events were signed but only {chain.events} remain"
    if last_id is None:
        return None
    row_hash = session.execute(
        select(AuditEvent.row_hash).where(AuditEvent.id == last_id)
    ).scalar_one_or_none()
    if row_hash is None:
        return f"{name}: event id {last_id} is gone (events were deleted)"
    if row_hash != point["head_hash"]:
        return f"{name}: event id {last_id} no longer has the signed hash (the chain was rewritten)"
    upto = session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.id <= last_id)
    ).scalar_one()
    if upto != count:
        return f"{name}: {upto} events up to id {last_id}, the checkpoint signed {count}"
    return None


def verify_checkpoints(session: Session, directory: Path, key: bytes) -> CheckpointReport:
    """The chain, then the chain against every checkpoint file in `directory`."""
    chain = verify_chain(session)
    files = sorted(directory.glob("audit-checkpoint-*.json")) if directory.is_dir() else []
    problems: list[str] = []
    if not files:
        problems.append(f"no checkpoints in {directory}")
    for path in files:
        point = _read(path, key)
        problem = point if isinstance(point, str) else _against(session, chain, path.name, point)
        if problem:
            problems.append(problem)
    return CheckpointReport(chain, len(files), problems)
