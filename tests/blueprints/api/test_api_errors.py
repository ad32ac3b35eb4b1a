"""Failures answered as the envelope: never success with null data, never a stack trace."""

from __future__ import annotations

import pytest

from dashboard.services import catalogue, inventory
from tests.blueprints.api.conftest import assert_error, bearer
from tests.factories import make_product


def test_unexpected_exception_is_a_500_envelope_without_a_stack_trace(api, token_for, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("db password is hunter2 at /srv/app/secret.py")

    monkeypatch.setattr(catalogue, "search_products", explode)
    response = api.get("/api/products/", headers=bearer(token_for("viewer")))
    error = assert_error(response, 500, "internal_error")
    body = response.get_data(as_text=True)
    for leak in ("Traceback", "RuntimeError", "hunter2", "secret.py", 'File "'):
        assert leak not in body
    assert error["message"] == "服务器内部错误"


def test_unexpected_exception_in_a_post_is_a_500_envelope(api, token_for, monkeypatch):
    product = make_product("BOOM1")
    monkeypatch.setattr(inventory, "lock_stock", lambda *a, **k: 1 / 0)
    response = api.post(
        f"/api/products/{product.id}/lock/",
        json={"quantity": 1, "reason": "r"},
        headers=bearer(token_for("operator")),
    )
    assert_error(response, 500, "internal_error")
    assert "ZeroDivisionError" not in response.get_data(as_text=True)


def test_unknown_api_path_is_a_404_envelope(api, token_for):
    assert_error(api.get("/api/no-such-thing/", headers=bearer(token_for("viewer"))), 404)


@pytest.mark.parametrize("method, path", [("DELETE", "/api/products/"), ("GET", "/api/products/1/lock/")])
def test_wrong_method_is_a_405_envelope(api, token_for, method, path):
    assert_error(api.open(path, method=method, headers=bearer(token_for("viewer"))), 405)


def test_json_content_type_on_every_error(api):
    response = api.get("/api/products/")
    assert response.mimetype == "application/json"


def test_messages_are_sent_as_readable_utf8(api):
    body = api.get("/api/products/").get_data(as_text=True)
    assert "未登录或令牌无效" in body and "\\u" not in body
