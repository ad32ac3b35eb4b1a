"""The Haier open platform client (see docs in /work/shared/haier-open-platform.md).

``init_app(app)`` builds one :class:`HaierAPI` from ``app.config`` and keeps it in
``app.extensions["haier"]``; code reaches it through :func:`get_haier_client`. Metrics code registers
observers in ``app.extensions["haier_observers"]`` (a list; later registrations are heard too).
"""

from __future__ import annotations

from typing import Any

from .client import HaierAPI
from .errors import (
    HaierAuthError,
    HaierBadRequest,
    HaierBusinessError,
    HaierConfigError,
    HaierError,
    HaierProtocolError,
    HaierUnavailable,
)
from .observers import CallRecord, Observer
from .ratelimit import RateLimiter
from .settings import HaierSettings
from .token import LocalTokenStore, RedisTokenStore, TokenStore
from .types import (
    AccountBalance,
    DeliveryPromise,
    HaierPrice,
    HaierProduct,
    LogisticsInfo,
    StockResult,
    WarehouseGrade,
    WarehouseStock,
)

__all__ = [
    "AccountBalance",
    "CallRecord",
    "DeliveryPromise",
    "HaierAPI",
    "HaierAuthError",
    "HaierBadRequest",
    "HaierBusinessError",
    "HaierConfigError",
    "HaierError",
    "HaierPrice",
    "HaierProduct",
    "HaierProtocolError",
    "HaierSettings",
    "HaierUnavailable",
    "LocalTokenStore",
    "LogisticsInfo",
    "Observer",
    "RateLimiter",
    "RedisTokenStore",
    "StockResult",
    "TokenStore",
    "WarehouseGrade",
    "WarehouseStock",
    "get_haier_client",
    "init_app",
]


def init_app(app: Any) -> HaierAPI:
    """Build the app's Haier client from its config and keep it in ``app.extensions["haier"]``."""
    observers = app.extensions.setdefault("haier_observers", [])
    client = HaierAPI.from_settings(app.config, observers=observers)
    app.extensions["haier"] = client
    return client


def get_haier_client() -> HaierAPI:
    """The current app's Haier client (``init_app`` must have run)."""
    from flask import current_app

    return current_app.extensions["haier"]
