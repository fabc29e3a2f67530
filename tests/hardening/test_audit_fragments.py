"""The canonical JSON an event's hash covers, cut where the database fills in the entity's
id and the previous hash (`audit.payload_fragments`), is the same text `event_hash`
hashes, whatever the event holds."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pharmacy import audit

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(
    occurred_at=st.datetimes(timezones=st.just(UTC)),
    user_id=st.none() | st.integers(min_value=1, max_value=2**31 - 1),
    text=st.text(),
    before=st.none() | st.dictionaries(st.text(), _json, max_size=4),
    after=st.none() | st.dictionaries(st.text(), _json, max_size=4),
    reason=st.none() | st.text(),
    entity_id=st.integers(min_value=1, max_value=2**31 - 1),
    prev=st.binary(min_size=32, max_size=32),
)
def test_the_fragments_rebuild_the_hashed_text(
    occurred_at: datetime,
    user_id: int | None,
    text: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None,
    entity_id: int,
    prev: bytes,
) -> None:
    fields = {
        "occurred_at": occurred_at.isoformat(),
        "actor_user_id": user_id,
        "actor_name": text,
        "actor_role": "prescriber",
        "action": "prescription.created",
        "entity_type": text[:5],
        "before": before,
        "after": after,
        "reason": reason,
    }
    start, middle, end = audit.payload_fragments(fields)
    prev_hash = prev.hex()
    rebuilt = start + str(entity_id) + middle + prev_hash + end
    assert rebuilt.isascii()  # what the database's convert_to(…, 'UTF8') hashes as is
    assert hashlib.sha256(rebuilt.encode()).hexdigest() == audit.event_hash(
        prev_hash, {**fields, "entity_id": str(entity_id)}
    )
