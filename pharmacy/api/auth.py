from __future__ import annotations

from typing import Any

from flask import current_app, request

from pharmacy.api.blueprint import Blueprint
from pharmacy.auth import allow, bearer_token, public, require_actor
from pharmacy.services import accounts
from schema.auth import TokenRequest, TokenResponse

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign-in tokens")


@blp.route("/token", methods=["POST"])
@public
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
@blp.doc(security=[])
def token(credentials: dict[str, Any]) -> dict[str, Any]:
    """Exchange a username and password for a bearer token."""
    config = current_app.config
    actor, secret = accounts.sign_in(
        credentials["username"],
        credentials["password"],
        purpose="token",
        client=request.remote_addr,
        token_lifetime_hours=config["TOKEN_LIFETIME_HOURS"],
    )
    return {
        "token": secret,
        "role": actor.role,
        "expires_in_hours": config["TOKEN_LIFETIME_HOURS"],
        "prescriber_id": actor.prescriber_id,
    }


@blp.route("/token", methods=["DELETE"])
@allow("admin", "pharmacist", "technician", "prescriber")
@blp.response(204)
def revoke() -> None:
    """Revoke the bearer token this request was made with."""
    secret = bearer_token()
    if secret:
        accounts.revoke_token(require_actor(), secret)
