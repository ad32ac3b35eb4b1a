"""Fixtures of the JSON API tests: personal tokens by role and envelope checks."""

from __future__ import annotations

import uuid

import pytest

from dashboard.services import api_tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is the error envelope with `status` (and `code`); returns the error object."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["success"] is False, body
    assert "data" not in body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


def assert_ok(response, status: int = 200):
    """The response is the success envelope with `status`; returns its data."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["success"] is True, body
    assert body["data"] is not None
    return body["data"]


@pytest.fixture
def token_for(app, make_user):
    """token_for("operator") → the plain token of a fresh user with that role (the user is `.user` on the str)."""

    def create(role: str, username: str | None = None) -> str:
        user = make_user(username or f"api-{role}-{uuid.uuid4().hex[:6]}", role)
        return api_tokens.create_token(user, "tests").plain

    return create


@pytest.fixture
def api(app):
    """A test client without a session (for token calls)."""
    return app.test_client()
