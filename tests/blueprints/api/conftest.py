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


def _check_schema(value, schema: dict, components: dict, where: str) -> None:
    """A small structural check: documented types, required keys, and no undocumented keys."""
    if "$ref" in schema:
        schema = components["schemas"][schema["$ref"].rsplit("/", 1)[1]] | {
            k: v for k, v in schema.items() if k != "$ref"
        }
    if value is None:
        assert schema.get("nullable") or not schema.get("type"), f"{where}: null not documented"
        return
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        assert isinstance(value, dict), where
        assert set(value) <= set(schema["properties"]), (
            f"{where}: undocumented {set(value) - set(schema['properties'])}"
        )
        assert set(schema.get("required", [])) <= set(value), f"{where}: missing required keys"
        for key, item in value.items():
            _check_schema(item, schema["properties"][key], components, f"{where}.{key}")
    elif kind == "array":
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            _check_schema(item, schema.get("items", {}), components, f"{where}[{index}]")
    elif kind:
        expected = {"string": str, "integer": int, "boolean": bool, "number": (int, float)}[kind]
        assert isinstance(value, expected) and not (kind == "integer" and isinstance(value, bool)), where
        if "enum" in schema:
            assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"


def assert_matches_spec(response, path: str, method: str = "get") -> None:
    """The response body has the shape /api/openapi.json documents for this operation and status."""
    from dashboard.blueprints.api.openapi import build_spec

    spec = build_spec()
    documented = spec["paths"][path][method]["responses"][str(response.status_code)]
    if "$ref" in documented:
        documented = spec["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    schema = documented["content"]["application/json"]["schema"]
    _check_schema(response.get_json(), schema, spec["components"], f"{method.upper()} {path}")
