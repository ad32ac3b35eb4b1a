"""POST /api/products/<id>/lock/ and POST /api/reservations/<id>/release/ through the stock ledger."""

from __future__ import annotations

import pytest

from dashboard.extensions import db
from dashboard.models import InventoryLog, Product
from dashboard.services import inventory
from tests.blueprints.api.conftest import assert_error, assert_matches_spec, assert_ok, bearer
from tests.factories import make_product


@pytest.fixture
def operator_headers(token_for):
    return bearer(token_for("operator", username="op-script"))


@pytest.fixture
def product(app):
    product = make_product("LOCK1")
    inventory.adjust_stock(product.id, "到货入库", "tests", delta=10)
    return product


def _available(product_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Product, product_id).available


def test_lock_reserves_stock_and_names_the_token_owner(api, operator_headers, product):
    response = api.post(
        f"/api/products/{product.id}/lock/",
        json={"quantity": 4, "reason": "订单占用", "reference": "SO-1"},
        headers=operator_headers,
    )
    change = assert_ok(response, 201)
    assert_matches_spec(response, "/api/products/{product_id}/lock/", "post")
    assert change["change_type"] == "lock" and change["quantity"] == -4 and change["replayed"] is False
    assert change["available_before"] == 10 and change["available_after"] == 6
    log = db.session.get(InventoryLog, change["log_id"])
    assert (log.operator, log.source, log.reference) == ("op-script", "api", "SO-1")
    assert _available(product.id) == 6


def test_lock_accepts_a_form_body(api, operator_headers, product):
    response = api.post(
        f"/api/products/{product.id}/lock/",
        data={"quantity": "2", "reason": "客户预留"},
        headers=operator_headers,
    )
    assert assert_ok(response, 201)["available_after"] == 8


def test_lock_beyond_available_is_a_409_and_changes_nothing(api, operator_headers, product):
    response = api.post(
        f"/api/products/{product.id}/lock/",
        json={"quantity": 11, "reason": "订单占用"},
        headers=operator_headers,
    )
    error = assert_error(response, 409, "insufficient_stock")
    assert_matches_spec(response, "/api/products/{product_id}/lock/", "post")
    assert error["requested"] == 11 and error["available"] == 10
    assert _available(product.id) == 10


def test_repeated_idempotency_key_locks_once(api, operator_headers, product):
    headers = {**operator_headers, "Idempotency-Key": "order-42-lock"}
    body = {"quantity": 3, "reason": "订单占用"}
    first = assert_ok(api.post(f"/api/products/{product.id}/lock/", json=body, headers=headers), 201)
    again = assert_ok(api.post(f"/api/products/{product.id}/lock/", json=body, headers=headers), 200)
    assert again["replayed"] is True and again["log_id"] == first["log_id"]
    assert _available(product.id) == 7


def test_idempotency_key_reused_for_another_operation_is_a_409(api, operator_headers, product):
    headers = {**operator_headers, "Idempotency-Key": "k-1"}
    lock = assert_ok(
        api.post(f"/api/products/{product.id}/lock/", json={"quantity": 1, "reason": "r"}, headers=headers),
        201,
    )
    response = api.post(
        f"/api/reservations/{lock['reservation_id']}/release/", json={"reason": "r"}, headers=headers
    )
    assert_error(response, 409, "idempotency_conflict")


@pytest.mark.parametrize(
    "body, code, field",
    [
        ({"reason": "订单占用"}, "missing_parameter", "quantity"),
        ({"quantity": "two", "reason": "订单占用"}, "invalid_quantity", "quantity"),
        ({"quantity": 1.5, "reason": "订单占用"}, "invalid_quantity", "quantity"),
        ({"quantity": True, "reason": "订单占用"}, "invalid_quantity", "quantity"),
        ({"quantity": 0, "reason": "订单占用"}, "invalid_quantity", "quantity"),
        ({"quantity": -3, "reason": "订单占用"}, "invalid_quantity", "quantity"),
        ({"quantity": 1}, "missing_parameter", "reason"),
        ({"quantity": 1, "reason": "x" * 201}, "invalid_input", "reason"),
    ],
)
def test_lock_input_is_validated(api, operator_headers, product, body, code, field):
    response = api.post(f"/api/products/{product.id}/lock/", json=body, headers=operator_headers)
    assert assert_error(response, 400, code)["field"] == field
    assert _available(product.id) == 10


def test_lock_body_that_is_not_a_json_object_is_a_400(api, operator_headers, product):
    response = api.post(
        f"/api/products/{product.id}/lock/",
        data="[1, 2]",
        content_type="application/json",
        headers=operator_headers,
    )
    assert_error(response, 400, "invalid_json")


def test_lock_of_an_unknown_product_is_a_404(api, operator_headers):
    response = api.post(
        "/api/products/424242/lock/", json={"quantity": 1, "reason": "r"}, headers=operator_headers
    )
    assert_error(response, 404, "product_not_found")


def test_release_returns_the_stock_and_a_second_release_is_a_409(api, operator_headers, product):
    lock = inventory.lock_stock(product.id, 5, "订单占用", "tests")
    path = f"/api/reservations/{lock.reservation_id}/release/"
    change = assert_ok(
        api.post(path, json={"reason": "订单取消", "quantity": 2}, headers=operator_headers), 201
    )
    assert change["change_type"] == "release" and change["available_after"] == 7
    assert (
        assert_ok(api.post(path, json={"reason": "订单取消"}, headers=operator_headers), 201)[
            "available_after"
        ]
        == 10
    )
    assert_error(
        api.post(path, json={"reason": "订单取消"}, headers=operator_headers), 409, "reservation_closed"
    )


def test_release_more_than_open_is_a_409(api, operator_headers, product):
    lock = inventory.lock_stock(product.id, 2, "订单占用", "tests")
    response = api.post(
        f"/api/reservations/{lock.reservation_id}/release/",
        json={"reason": "r", "quantity": 3},
        headers=operator_headers,
    )
    assert_error(response, 409, "release_exceeds_reserved")


def test_release_of_an_unknown_reservation_is_a_404(api, operator_headers):
    assert_error(
        api.post("/api/reservations/99999/release/", json={"reason": "r"}, headers=operator_headers), 404
    )
