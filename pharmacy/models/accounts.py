"""Users, API tokens, browser sessions and sign-in failures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy.db import Base
from pharmacy.models._types import UTCDateTime, utcnow

ROLES = ("admin", "pharmacist", "technician", "prescriber")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'pharmacist', 'technician', 'prescriber')", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prescriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("prescribers.id"), unique=True, nullable=True
    )

    prescriber = relationship("Prescriber", foreign_keys=[prescriber_id])


class ApiToken(Base):
    """A bearer token. Only its SHA-256 digest is stored; tokens expire and can be revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user = relationship("User")


class WebSession(Base):
    """A signed-in browser. The cookie carries only a random id whose digest is stored here,
    so signing out (or an idle timeout) ends the session on the server."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user = relationship("User")


class LoginFailure(Base):
    """One failed sign-in, keyed by a digest of the username so no name is stored."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username_hash: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A digest of the client address ("" for an e-signature), and what failed.
    client_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(12), default="sign_in", server_default="sign_in")
