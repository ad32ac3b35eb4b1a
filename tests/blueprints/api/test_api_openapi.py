"""/api/openapi.json stays true: every route under /api/ is documented, and nothing else is."""

from __future__ import annotations

import re

from tests.blueprints.api.conftest import assert_error, bearer

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(path, method.lower()) for method in rule.methods - IGNORED_METHODS}
    return routes


def _documented(spec) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items() for method in item}


def test_document_lists_exactly_the_apps_api_routes(app, api, token_for):
    response = api.get("/api/openapi.json", headers=bearer(token_for("viewer")))
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    routes = _routes(app)
    documented = _documented(spec)
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented operations with no route"


def test_path_parameters_are_declared(api, token_for):
    spec = api.get("/api/openapi.json", headers=bearer(token_for("viewer"))).get_json()
    for path, item in spec["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, method)


def test_every_reference_resolves(api, token_for):
    spec = api.get("/api/openapi.json", headers=bearer(token_for("viewer"))).get_json()
    text = str(spec)
    for kind, name in re.findall(r"#/components/(schemas|responses)/([A-Za-z0-9]+)", text):
        assert name in spec["components"][kind], f"{kind}/{name}"


def test_every_operation_documents_401_and_its_role(api, token_for):
    spec = api.get("/api/openapi.json", headers=bearer(token_for("viewer"))).get_json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert "401" in operation["responses"], (path, method)
            assert operation["x-required-role"] in ("viewer", "operator", "admin")


def test_document_needs_a_signed_in_caller(api):
    assert_error(api.get("/api/openapi.json"), 401, "unauthorized")


def test_documented_roles_match_the_views(app, api, token_for):
    spec = api.get("/api/openapi.json", headers=bearer(token_for("viewer"))).get_json()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        role = app.view_functions[rule.endpoint].required_role
        for method in rule.methods - IGNORED_METHODS:
            assert spec["paths"][path][method.lower()]["x-required-role"] == role.value, (path, method)
