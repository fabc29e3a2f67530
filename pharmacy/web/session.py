"""Flask-Login on top of the server-side session.

The app's access hook has already resolved `g.actor` from `session["sid"]` (a row in
`web_sessions`); Flask-Login only wraps that actor so templates and views can use
`current_user`. Nothing about who is signed in lives in the cookie but the random id."""

from __future__ import annotations

from flask import g
from flask_login import UserMixin  # type: ignore[import-untyped]

from pharmacy.audit import Actor


class WebUser(UserMixin):  # type: ignore[misc]
    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def get_id(self) -> str:
        return str(self.actor.user_id)

    @property
    def role(self) -> str:
        return self.actor.role

    @property
    def full_name(self) -> str:
        return self.actor.full_name or self.actor.username


def current_web_user() -> WebUser | None:
    actor = g.get("actor")
    if actor is None or actor.user_id is None:
        return None
    return WebUser(actor)
