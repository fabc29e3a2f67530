"""Electronic signatures: the signer's password re-entered for one decision."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.auth import verify_password
from pharmacy.errors import SignatureRefused
from pharmacy.models import User


def check_signature(session: Session, actor: Actor, password: str) -> User:
    """The signing user, when `password` is theirs; else the signature is refused on the
    password field and nothing is applied. The use case's wrapper counts the refusal
    against the account once the transaction has rolled back (pharmacy/services/uow.py)."""
    user = session.get(User, actor.user_id)
    if user is None or not verify_password(user.password_hash, password):
        raise SignatureRefused(actor.user_id)
    return user
