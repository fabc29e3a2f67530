"""Settings from the environment.

`DATABASE_URL` selects the database (default: a SQLite file under the instance folder).
`PHARMACY_ENV` is `development` (default), `testing` or `production`; outside development
`SECRET_KEY` must be set or the app refuses to start.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import is_currency

DEVELOPMENT = "development"
TESTING = "testing"
PRODUCTION = "production"
ENVIRONMENTS = (DEVELOPMENT, TESTING, PRODUCTION)


class ConfigurationError(RuntimeError):
    """The environment does not describe a safe configuration."""


@dataclass
class Settings:
    env: str
    database_url: str
    secret_key: str
    token_lifetime_hours: int = 12
    session_idle_minutes: int = 30
    max_content_length: int = 256 * 1024
    login_failure_limit: int = 5
    login_failure_window_minutes: int = 15
    login_delay_seconds: int = 2
    login_alert_ceiling: int = 50
    signature_failure_limit: int = 5
    # DOMAIN.md §12: prices are in this ISO 4217 currency, formatted by Babel in this locale.
    currency: str = "USD"
    money_locale: str = "en_US"
    extra: dict[str, Any] = field(default_factory=dict)

    def flask_config(self) -> dict[str, Any]:
        secure_cookies = self.env == PRODUCTION
        return {
            "PHARMACY_ENV": self.env,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": self.secret_key,
            "TOKEN_LIFETIME_HOURS": self.token_lifetime_hours,
            "SESSION_IDLE_MINUTES": self.session_idle_minutes,
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "LOGIN_FAILURE_LIMIT": self.login_failure_limit,
            "LOGIN_FAILURE_WINDOW_MINUTES": self.login_failure_window_minutes,
            "LOGIN_DELAY_SECONDS": self.login_delay_seconds,
            "LOGIN_ALERT_CEILING": self.login_alert_ceiling,
            "SIGNATURE_FAILURE_LIMIT": self.signature_failure_limit,
            "PHARMACY_CURRENCY": self.currency,
            "PHARMACY_LOCALE": self.money_locale,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": secure_cookies,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SECURE": secure_cookies,
            "WTF_CSRF_TIME_LIMIT": None,
            "API_TITLE": "LDN compounding pharmacy",
            "API_VERSION": "v1",
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_URL_PREFIX": "/api/v1",
            "OPENAPI_JSON_PATH": "openapi.json",
            **self.extra,
        }


def _development_secret(instance_path: Path) -> str:
    """A per-install secret for development, kept in the instance folder so restarts and
    several workers agree on it."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _money_settings(settings: Settings, overrides: dict[str, Any]) -> None:
    """The currency (ISO 4217, `PHARMACY_CURRENCY`, USD by default) and the locale money is
    formatted in (`PHARMACY_LOCALE`, en_US by default)."""
    code = str(
        overrides.pop("PHARMACY_CURRENCY", None) or os.environ.get("PHARMACY_CURRENCY") or "USD"
    ).upper()
    if not is_currency(code):
        raise ConfigurationError(f"PHARMACY_CURRENCY {code!r} is not an ISO 4217 currency code")
    locale = str(
        overrides.pop("PHARMACY_LOCALE", None) or os.environ.get("PHARMACY_LOCALE") or "en_US"
    )
    try:
        Locale.parse(locale)
    except (ValueError, UnknownLocaleError) as error:
        raise ConfigurationError(f"PHARMACY_LOCALE {locale!r} is not a known locale") from error
    settings.currency, settings.money_locale = code, locale


def load_settings(instance_path: Path, overrides: dict[str, Any] | None = None) -> Settings:
    overrides = dict(overrides or {})
    env = overrides.pop("PHARMACY_ENV", None) or os.environ.get("PHARMACY_ENV", DEVELOPMENT)
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"PHARMACY_ENV must be one of {', '.join(ENVIRONMENTS)}")
    database_url = (
        overrides.pop("DATABASE_URL", None)
        or os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance_path / 'pharmacy.db'}"
    )
    secret_key = overrides.pop("SECRET_KEY", None) or os.environ.get("SECRET_KEY")
    if not secret_key:
        if env == PRODUCTION:
            raise ConfigurationError("SECRET_KEY must be set outside development")
        secret_key = _development_secret(instance_path)
    settings = Settings(env=env, database_url=database_url, secret_key=secret_key)
    for name in ("token_lifetime_hours", "session_idle_minutes", "max_content_length"):
        upper = name.upper()
        if upper in overrides:
            setattr(settings, name, int(overrides.pop(upper)))
    _money_settings(settings, overrides)
    settings.extra = overrides
    return settings
