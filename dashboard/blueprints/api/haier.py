"""Haier endpoints: live stock check, account balance, and one product's stock sync."""

from __future__ import annotations

import re

from flask import request

from dashboard.api_envelope import api_ok
from dashboard.blueprints.api import bp, params
from dashboard.blueprints.api.auth import api_auth_required, api_user
from dashboard.blueprints.api.errors import ApiError, bad_parameter
from dashboard.blueprints.api.serializers import product_sync_dict
from dashboard.haier import get_haier_client
from dashboard.models import Product, Role, Source
from dashboard.services import sync
from dashboard.services.stock_check import check_haier_stock, product_by_code

MAX_ADDRESS_LENGTH = 200
# Product.code is 32 characters; anything longer, or with spaces or control characters, cannot be a code.
_PRODUCT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,31}")


def _product_by_code(code: str) -> Product:
    if not _PRODUCT_CODE.fullmatch(code):
        raise bad_parameter("product_code", f"商品编码格式不正确：{code[:40]}", code="invalid_product_code")
    product = product_by_code(code)
    if product is None:
        raise ApiError(404, "product_not_found", f"商品不存在：{code}", product_code=code)
    return product


@bp.get("/haier/stock/")
@api_auth_required(Role.VIEWER)
def haier_stock():
    args = request.args
    code = params.text(args, "product_code", required=True)
    quantity = params.integer(args, "quantity", default=1, code="invalid_quantity")
    address = params.text(args, "address", max_length=MAX_ADDRESS_LENGTH)
    county_code = params.text(args, "county_code", max_length=12)
    refresh = params.flag(args, "refresh")
    product = _product_by_code(code)
    # Range of the quantity, the address and the county code are the service's rules (typed 400s).
    result = check_haier_stock(product, address, quantity, county_code=county_code, refresh=refresh)
    return api_ok(result.to_dict())


@bp.get("/haier/balance/")
@api_auth_required(Role.ADMIN)
def haier_balance():
    balances = get_haier_client().get_account_balance()
    return api_ok([balance.to_dict() for balance in balances])


@bp.post("/products/<int:product_id>/sync-haier-stock/")
@api_auth_required(Role.OPERATOR)
def sync_haier_stock(product_id: int):
    data = params.body()
    county_code = params.text(data, "county_code", max_length=12)
    try:
        result = sync.sync_product_stock(
            product_id, county_code=county_code, operator=api_user().username, source=Source.API
        )
    except sync.InvalidSyncRequest as invalid:
        raise bad_parameter("county_code", str(invalid), code="invalid_county_code") from None
    except sync.ProductNotFound:
        raise ApiError(
            404, "product_not_found", f"商品不存在（ID {product_id}）", product_id=product_id
        ) from None
    return api_ok(product_sync_dict(result))
