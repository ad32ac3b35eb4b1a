"""Settings of the Haier client, read once from a mapping (``app.config`` or a plain dict)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from .errors import HaierConfigError
from .masking import MASK, mask_url

DEFAULT_SUPPLIER_CODE = "1001"  # 海尔智家
AUTH_SCHEMES = ("bare", "bearer")
_SECRET_FIELDS = frozenset({"client_secret", "password", "seller_password"})


@dataclass(frozen=True)
class HaierSettings:
    base_url: str
    token_url: str
    client_id: str | None = None
    client_secret: str | None = None
    customer_code: str | None = None
    send_to_code: str | None = None
    supplier_code: str = DEFAULT_SUPPLIER_CODE
    password: str | None = None
    seller_password: str | None = None
    auth_scheme: str = "bare"
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 3
    deadline_seconds: float = 60.0
    rate_limit_per_second: float = 100.0
    token_refresh_margin_seconds: float = 600.0
    redis_url: str | None = None

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> HaierSettings:
        """Build settings from ``HAIER_*`` keys. Empty values count as unset.

        Credentials may be missing here (the dashboard still starts); a call that needs one raises
        :class:`HaierConfigError` naming it. Unreadable values raise at once.
        """
        base_url = _text(m, "HAIER_BASE_URL")
        if base_url is None:
            raise HaierConfigError("HAIER_BASE_URL is not set", setting="HAIER_BASE_URL")
        base_url = _http_url(base_url.rstrip("/"), "HAIER_BASE_URL")
        token_url = _text(m, "HAIER_TOKEN_URL") or f"{base_url}/oauth2/auth"
        scheme = (_text(m, "HAIER_AUTH_SCHEME") or "bare").lower()
        if scheme not in AUTH_SCHEMES:
            raise HaierConfigError(
                f"HAIER_AUTH_SCHEME must be one of {AUTH_SCHEMES}, not {scheme!r}",
                setting="HAIER_AUTH_SCHEME",
            )
        return cls(
            base_url=base_url,
            token_url=_http_url(token_url, "HAIER_TOKEN_URL"),
            client_id=_text(m, "HAIER_CLIENT_ID"),
            client_secret=_text(m, "HAIER_CLIENT_SECRET"),
            customer_code=_text(m, "HAIER_CUSTOMER_CODE"),
            send_to_code=_text(m, "HAIER_SEND_TO_CODE"),
            supplier_code=_text(m, "HAIER_SUPPLIER_CODE") or DEFAULT_SUPPLIER_CODE,
            password=_text(m, "HAIER_PASSWORD"),
            seller_password=_text(m, "HAIER_SELLER_PASSWORD"),
            auth_scheme=scheme,
            connect_timeout=_positive(m, "HAIER_CONNECT_TIMEOUT", 5.0),
            read_timeout=_positive(m, "HAIER_READ_TIMEOUT", 30.0),
            max_attempts=int(_positive(m, "HAIER_MAX_ATTEMPTS", 3, integer=True)),
            deadline_seconds=_positive(m, "HAIER_DEADLINE_SECONDS", 60.0),
            rate_limit_per_second=_positive(m, "HAIER_RATE_LIMIT_PER_SECOND", 100.0),
            token_refresh_margin_seconds=_positive(
                m, "HAIER_TOKEN_REFRESH_MARGIN_SECONDS", 600.0, allow_zero=True
            ),
            redis_url=_text(m, "REDIS_URL"),
        )

    def require(self, attribute: str) -> str:
        """The value of a setting a call cannot do without, or a :class:`HaierConfigError`."""
        value = getattr(self, attribute)
        if not value:
            name = "REDIS_URL" if attribute == "redis_url" else f"HAIER_{attribute.upper()}"
            raise HaierConfigError(f"{name} is not set", setting=name)
        return value

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(getattr(self, f) for f in sorted(_SECRET_FIELDS) if getattr(self, f))

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRET_FIELDS and value:
                value = MASK
            elif f.name == "redis_url":
                value = mask_url(value)
            parts.append(f"{f.name}={value!r}")
        return f"HaierSettings({', '.join(parts)})"

    __str__ = __repr__


def _text(m: Mapping[str, Any], key: str) -> str | None:
    value = m.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _http_url(value: str, key: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise HaierConfigError(f"{key} is not an http(s) URL: {mask_url(value)!r}", setting=key)
    return value


def _positive(
    m: Mapping[str, Any],
    key: str,
    default: float,
    *,
    integer: bool = False,
    allow_zero: bool = False,
) -> float:
    raw = m.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise HaierConfigError(f"{key} is not a number: {raw!r}", setting=key) from None
    if integer and value != int(value):
        raise HaierConfigError(f"{key} must be a whole number: {raw!r}", setting=key)
    if value < 0 or (value == 0 and not allow_zero):
        raise HaierConfigError(f"{key} must be positive: {raw!r}", setting=key)
    return value
