"""Sandbox settings: read once from the config dict, falling back to env vars of the same name.

A value that cannot be read is an error at start-up, never a silent default.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalogue import DEFAULT_SEED, DEFAULT_SIZE

AUTH_SCHEMES = ("bare", "bearer", "any")
TOKEN_FIELDS = ("access_token", "token", "data.access_token", "data.token")
TOKEN_PATHS = ("auth", "token")


@dataclass(frozen=True)
class SandboxSettings:
    client_id: str = "sandbox-client"
    client_secret: str = field(default="sandbox-secret", repr=False)
    customer_code: str = "8800633175"
    send_to_code: str = "8800633176"
    password: str = field(default="sandbox-password", repr=False)
    seller_password: str = field(default="sandbox-seller-password", repr=False)
    token_ttl: int = 3600
    auth_scheme: str = "any"
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_limit: float = 100.0
    catalogue_size: int = DEFAULT_SIZE
    seed: int = DEFAULT_SEED
    drift_seconds: int = 300
    control: bool = True
    # Extra knobs (not in Haier's contract) so the client's tolerant paths can be exercised over real HTTP:
    # which key the token reply uses, and which of the two token paths answer.
    token_field: str = "access_token"
    token_paths: tuple[str, ...] = TOKEN_PATHS

    def __post_init__(self) -> None:
        if self.auth_scheme not in AUTH_SCHEMES:
            raise ValueError(f"auth_scheme must be one of {AUTH_SCHEMES}, got {self.auth_scheme!r}")
        if self.token_field not in TOKEN_FIELDS:
            raise ValueError(f"token_field must be one of {TOKEN_FIELDS}, got {self.token_field!r}")
        if not set(self.token_paths) <= set(TOKEN_PATHS):
            raise ValueError(f"token_paths must be drawn from {TOKEN_PATHS}, got {self.token_paths!r}")
        for name in ("token_ttl", "drift_seconds"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        for name in ("latency_ms", "jitter_ms", "rate_limit", "catalogue_size"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)!r}")

    def replace(self, **changes: Any) -> SandboxSettings:
        return dataclasses.replace(self, **{name: _convert(name, value) for name, value in changes.items()})

    def client_config(self, url: str) -> dict[str, str | None]:
        """The HAIER_* settings that point a real Haier client at this sandbox served on `url`.

        HAIER_TOKEN_URL is None on purpose: it overrides any token URL from the environment, so the client asks
        this sandbox's /oauth2/auth.
        """
        return {
            "HAIER_BASE_URL": url,
            "HAIER_TOKEN_URL": None,
            "HAIER_CLIENT_ID": self.client_id,
            "HAIER_CLIENT_SECRET": self.client_secret,
            "HAIER_CUSTOMER_CODE": self.customer_code,
            "HAIER_SEND_TO_CODE": self.send_to_code,
            "HAIER_PASSWORD": self.password,
            "HAIER_SELLER_PASSWORD": self.seller_password,
        }


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _to_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(value)


_CONVERTERS = {
    "token_ttl": int,
    "latency_ms": float,
    "jitter_ms": float,
    "rate_limit": float,
    "catalogue_size": int,
    "seed": int,
    "drift_seconds": int,
    "control": _to_bool,
    "token_paths": _to_tuple,
}


def _convert(name: str, value: Any) -> Any:
    if name not in _FIELD_NAMES:
        raise ValueError(f"unknown sandbox setting {name!r}")
    converter = _CONVERTERS.get(name, str)
    try:
        return converter(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad value for sandbox setting {name!r}: {value!r}") from exc


_FIELD_NAMES = {f.name for f in dataclasses.fields(SandboxSettings)}


def load_settings(
    config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> SandboxSettings:
    """Settings from `config` (keys HAIER_SANDBOX_<NAME>), else the environment, else the defaults."""
    config = config or {}
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name in _FIELD_NAMES:
        key = f"HAIER_SANDBOX_{name.upper()}"
        if key in config and config[key] is not None:
            values[name] = config[key]
        elif environ.get(key, "") != "":
            values[name] = environ[key]
    return SandboxSettings().replace(**values)
