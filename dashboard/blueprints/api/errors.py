"""Typed failures of the services, answered as API errors with the right status.

Views raise or let through typed exceptions; these handlers (registered on the api blueprint, so they win over
the app-wide 500 handler) turn each into the envelope. Anything not listed here is a 500 without details.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request

from dashboard.api_envelope import api_error
from dashboard.blueprints.api import bp
from dashboard.haier.errors import (
    HaierAuthError,
    HaierBadRequest,
    HaierBusinessError,
    HaierConfigError,
    HaierError,
    HaierProtocolError,
    HaierUnavailable,
)
from dashboard.services import inventory_errors as inv
from dashboard.services.catalogue import InvalidFilter
from dashboard.services.ledger_filters import InvalidFilter as InvalidLedgerFilter
from dashboard.services.stock_check_types import AddressNotResolved, InvalidCountyCode, StockCheckInputError

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal decided in an API view: bad parameter (400), unknown object (404) …"""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def bad_parameter(field: str, message: str, code: str = "invalid_parameter") -> ApiError:
    return ApiError(400, code, message, field=field)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return api_error(error.code, error.message, error.status, **error.details)


@bp.errorhandler(InvalidFilter)
@bp.errorhandler(InvalidLedgerFilter)
def _invalid_filter(error: ValueError):
    return api_error("invalid_filter", str(error), 400)


@bp.errorhandler(StockCheckInputError)
def _stock_check_input(error: StockCheckInputError):
    details: dict[str, Any] = {}
    if isinstance(error, AddressNotResolved):
        details = {"address_status": error.status, "resolution": error.resolution.to_dict()}
        details["candidates"] = details["resolution"]["candidates"]
    elif isinstance(error, InvalidCountyCode):
        details = {"field": "county_code"}
    return api_error(error.code, error.message, 400, **details)


# Haier failures: what the caller can do about each. An auth failure is a 502 (Haier refused our credentials:
# an administrator must act, retrying will not help), not a 503 that invites a retry.
_HAIER: tuple[tuple[type[HaierError], int, str, str], ...] = (
    (HaierBadRequest, 400, "invalid_parameter", "请求参数有误"),
    (HaierUnavailable, 503, "haier_unavailable", "海尔接口暂时无法访问，请稍后重试"),
    (HaierAuthError, 502, "haier_auth_failed", "海尔接口认证失败，请联系管理员检查海尔账号配置"),
    (HaierBusinessError, 502, "haier_business_error", "海尔接口拒绝了请求"),
    (HaierProtocolError, 502, "haier_protocol_error", "海尔接口返回了无法识别的数据，请稍后重试或联系管理员"),
    (HaierConfigError, 503, "haier_config_error", "海尔接口配置不完整，请联系管理员"),
)


@bp.errorhandler(HaierError)
def _haier_error(error: HaierError):
    status, code, message = 502, "haier_error", "海尔接口调用失败"
    for kind, kind_status, kind_code, kind_message in _HAIER:
        if isinstance(error, kind):
            status, code, message = kind_status, kind_code, kind_message
            break
    details: dict[str, Any] = {}
    if isinstance(error, HaierBusinessError | HaierBadRequest):
        # Haier's own words (already masked by the client) tell the caller what to change.
        message = f"{message}：{error.message}"
        details["haier_message"] = error.message
    if isinstance(error, HaierUnavailable):
        details["reason"] = error.reason
    logger.warning(
        "api haier failure", extra={"path": request.path, "error": code, "endpoint": error.endpoint}
    )
    return api_error(code, message, status, **details)


_INVENTORY_STATUS: dict[type[inv.InventoryError], int] = {
    inv.InvalidInput: 400,
    inv.ProductNotFound: 404,
    inv.ReservationNotFound: 404,
    inv.InsufficientStock: 409,
    inv.ReservationClosed: 409,
    inv.ReleaseExceedsReserved: 409,
    inv.StockBelowReservations: 409,
    inv.StockChanged: 409,
    inv.IdempotencyConflict: 409,
}


@bp.errorhandler(inv.InventoryError)
def _inventory_error(error: inv.InventoryError):
    status = next((s for kind, s in _INVENTORY_STATUS.items() if isinstance(error, kind)), 409)
    details: dict[str, Any] = {}
    if isinstance(error, inv.InvalidInput):
        details["field"] = error.field
    if isinstance(error, inv.InsufficientStock):
        details.update(requested=error.requested, available=error.available)
    return api_error(error.code, error.message, status, **details)
