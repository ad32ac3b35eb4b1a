"""Stock reservations through the ledger: lock a quantity of a product, release a reservation.

A retried request with the same `Idempotency-Key` header returns the first result (200, `replayed: true`)
instead of locking twice; the ledger stores the key on the log row.
"""

from __future__ import annotations

from flask import request

from dashboard.api_envelope import api_ok
from dashboard.blueprints.api import bp, params
from dashboard.blueprints.api.auth import api_auth_required, api_user
from dashboard.blueprints.api.errors import bad_parameter
from dashboard.blueprints.api.serializers import stock_change_dict
from dashboard.models import Role, Source
from dashboard.services import inventory

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 80


def _idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise bad_parameter(
            IDEMPOTENCY_HEADER, f"{IDEMPOTENCY_HEADER} 必须是 1 到 {MAX_IDEMPOTENCY_KEY} 个字符"
        )
    return key


def _changed(change):
    return api_ok(stock_change_dict(change), 200 if change.replayed else 201)


@bp.post("/products/<int:product_id>/lock/")
@api_auth_required(Role.OPERATOR)
def lock(product_id: int):
    data = params.body()
    quantity = params.integer(data, "quantity", code="invalid_quantity")
    if quantity is None:
        raise bad_parameter("quantity", "quantity参数必填", code="missing_parameter")
    change = inventory.lock_stock(
        product_id,
        quantity,
        params.text(data, "reason", required=True),
        api_user().username,
        reference=params.text(data, "reference"),
        source=Source.API,
        idempotency_key=_idempotency_key(),
    )
    return _changed(change)


@bp.post("/reservations/<int:reservation_id>/release/")
@api_auth_required(Role.OPERATOR)
def release(reservation_id: int):
    data = params.body()
    change = inventory.release_stock(
        reservation_id,
        params.text(data, "reason", required=True),
        api_user().username,
        quantity=params.integer(data, "quantity", code="invalid_quantity"),
        source=Source.API,
        idempotency_key=_idempotency_key(),
    )
    return _changed(change)
