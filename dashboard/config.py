"""Settings, read once from the environment.

Every setting the code reads lives here, so `current_app.config` is the single place to look.
`Config.from_env()` is used by the running app; `TestConfig` by the test suite.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def load_or_create_secret_key(instance_path: str) -> str:
    """The session signing key: from SECRET_KEY, else a file generated once in instance/.

    Never a constant in code: a leaked constant lets anyone forge a session.
    """
    from_env = env_str("SECRET_KEY")
    if from_env:
        return from_env
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting together must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` / `postgresql://` forms and use the psycopg 3 driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def build_config(instance_path: str) -> dict:
    """The app's settings from environment variables (defaults suit a developer machine)."""
    env = env_str("DASHBOARD_ENV", "development")
    development = env == "development"
    sqlite_path = Path(instance_path) / "dashboard.db"
    return {
        "ENV_NAME": env,
        "SECRET_KEY": load_or_create_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            env_str("DATABASE_URL", f"sqlite:///{sqlite_path}")
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env_str("REDIS_URL"),
        # Sessions and cookies
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", not development),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", not development),
        # Staff keep pages open all shift: the CSRF token lives as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_MAX_ATTEMPTS": env_int("LOGIN_MAX_ATTEMPTS", 5),
        "LOGIN_LOCKOUT_SECONDS": env_int("LOGIN_LOCKOUT_SECONDS", 300),
        "ADMIN_PASSWORD": env_str("ADMIN_PASSWORD"),
        # Catalogue
        "PRODUCTS_PER_PAGE": env_int("PRODUCTS_PER_PAGE", 50),
        "LOW_STOCK_THRESHOLD": env_int("LOW_STOCK_THRESHOLD", 5),
        # Stock ledger: the largest quantity one lock, release or adjust may move; log page size.
        "STOCK_MAX_QUANTITY": env_int("STOCK_MAX_QUANTITY", 100_000),
        "STOCK_LOGS_PER_PAGE": env_int("STOCK_LOGS_PER_PAGE", 50),
        "DEFAULT_COUNTY_CODE": env_str("DEFAULT_COUNTY_CODE", "370212"),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "DISPLAY_TIMEZONE": "Asia/Shanghai",
        "HTMX_CDN_URL": env_str("HTMX_CDN_URL", "https://unpkg.com/htmx.org@2.0.8/dist/htmx.min.js"),
        # Haier open platform (see shared protocol notes); development points at the bundled sandbox.
        "HAIER_USE_MOCK_DATA": env_bool("HAIER_USE_MOCK_DATA", development),
        "HAIER_BASE_URL": env_str("HAIER_BASE_URL", "http://127.0.0.1:5001"),
        "HAIER_TOKEN_URL": env_str("HAIER_TOKEN_URL"),
        "HAIER_CLIENT_ID": env_str("HAIER_CLIENT_ID", "sandbox-client" if development else None),
        "HAIER_CLIENT_SECRET": env_str("HAIER_CLIENT_SECRET", "sandbox-secret" if development else None),
        "HAIER_CUSTOMER_CODE": env_str("HAIER_CUSTOMER_CODE", "8800633175"),
        "HAIER_SEND_TO_CODE": env_str("HAIER_SEND_TO_CODE", "8800633176"),
        "HAIER_SUPPLIER_CODE": env_str("HAIER_SUPPLIER_CODE", "1001"),
        "HAIER_PASSWORD": env_str("HAIER_PASSWORD", "sandbox-password" if development else None),
        "HAIER_SELLER_PASSWORD": env_str(
            "HAIER_SELLER_PASSWORD", "sandbox-seller-password" if development else None
        ),
        "HAIER_AUTH_SCHEME": env_str("HAIER_AUTH_SCHEME", "bare"),
        "HAIER_CONNECT_TIMEOUT": env_float("HAIER_CONNECT_TIMEOUT", 5.0),
        "HAIER_READ_TIMEOUT": env_float("HAIER_READ_TIMEOUT", 30.0),
        "HAIER_MAX_ATTEMPTS": env_int("HAIER_MAX_ATTEMPTS", 3),
        "HAIER_DEADLINE_SECONDS": env_float("HAIER_DEADLINE_SECONDS", 60.0),
        "HAIER_RATE_LIMIT_PER_SECOND": env_float("HAIER_RATE_LIMIT_PER_SECOND", 100.0),
        "HAIER_TOKEN_REFRESH_MARGIN_SECONDS": env_int("HAIER_TOKEN_REFRESH_MARGIN_SECONDS", 600),
        "HAIER_STOCK_CACHE_SECONDS": env_int("HAIER_STOCK_CACHE_SECONDS", 60),
        "HAIER_STALE_COUNTS_AS_AVAILABLE": env_bool("HAIER_STALE_COUNTS_AS_AVAILABLE", False),
        # Scheduler
        "SCHEDULER_ENABLED": env_bool("SCHEDULER_ENABLED", False),
        "SYNC_STOCK_INTERVAL_MINUTES": env_int("SYNC_STOCK_INTERVAL_MINUTES", 30),
        "SYNC_CATALOGUE_DAILY_AT": env_str("SYNC_CATALOGUE_DAILY_AT", "03:30"),
        "SYNC_STOCK_SCHEDULED": env_bool("SYNC_STOCK_SCHEDULED", True),
        "SYNC_CATALOGUE_SCHEDULED": env_bool("SYNC_CATALOGUE_SCHEDULED", True),
        # A job's database lease; renewed every third of it while the job runs, taken over once it lapses.
        "SCHEDULER_LEASE_SECONDS": env_int("SCHEDULER_LEASE_SECONDS", 90),
        "SCHEDULER_MISFIRE_GRACE_SECONDS": env_int("SCHEDULER_MISFIRE_GRACE_SECONDS", 300),
        "SYNC_CONCURRENCY": env_int("SYNC_CONCURRENCY", 16),
        # A catalogue-wide sync whose heartbeat is older than this is taken to be dead (its lease expires).
        "SYNC_LEASE_SECONDS": env_int("SYNC_LEASE_SECONDS", 30),
        # Monitoring
        "METRICS_TOKEN": env_str("METRICS_TOKEN"),
        "METRICS_ALLOWED_IPS": env_str("METRICS_ALLOWED_IPS", "127.0.0.1,::1"),
        # prometheus-client reads this from the environment itself; kept here so /metrics knows to sum workers.
        "PROMETHEUS_MULTIPROC_DIR": env_str("PROMETHEUS_MULTIPROC_DIR"),
        "MONITORING_FLUSH_SECONDS": env_float("MONITORING_FLUSH_SECONDS", 5.0),
        "MONITORING_RETENTION_HOURS": env_int("MONITORING_RETENTION_HOURS", 48),
        "HEALTH_HAIER_PROBE_SECONDS": env_float("HEALTH_HAIER_PROBE_SECONDS", 45.0),
        "HEALTH_HAIER_WAIT_SECONDS": env_float("HEALTH_HAIER_WAIT_SECONDS", 5.0),
        "HEALTH_STOCK_SYNC_MAX_AGE_MINUTES": env_int("HEALTH_STOCK_SYNC_MAX_AGE_MINUTES", 90),
        "LOG_FORMAT": env_str("LOG_FORMAT", "text" if development else "json"),
        "LOG_LEVEL": env_str("LOG_LEVEL", "INFO"),
    }


class TestConfig:
    """Overrides applied on top of `build_config` for the test suite."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # tests only; never read in production
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SCHEDULER_ENABLED = False
    HAIER_USE_MOCK_DATA = True
    LOG_FORMAT = "text"
    # No background flush threads outliving a test's database; tests flush explicitly.
    MONITORING_FLUSH_SECONDS = 0
