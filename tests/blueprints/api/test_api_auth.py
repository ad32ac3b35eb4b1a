"""Who may call the API: session or personal token, CSRF for sessions only, and roles for both."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import ApiToken, User
from dashboard.services import api_tokens, inventory
from dashboard.timeutil import as_utc, utcnow
from tests.blueprints.api.conftest import assert_error, assert_ok, bearer
from tests.factories import make_product


def _stocked_product(code: str = "LOCK1", stock: int = 10):
    product = make_product(code)
    inventory.adjust_stock(product.id, "到货入库", "tests", delta=stock)
    return product


def test_no_credentials_is_a_401_envelope(api):
    response = api.get("/api/products/")
    error = assert_error(response, 401, "unauthorized")
    assert "令牌" in error["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_personal_token_authenticates_a_read(api, token_for):
    make_product("P1")
    data = assert_ok(api.get("/api/products/", headers=bearer(token_for("viewer"))))
    assert [p["code"] for p in data] == ["P1"]


@pytest.mark.parametrize(
    "header",
    ["Bearer hd_not-a-real-token", "Bearer ", "Bearer", "bearer   ", "Basic dXNlcjpwYXNz", "Token abc"],
)
def test_unknown_or_malformed_credentials_are_401(api, header):
    assert_error(api.get("/api/products/", headers={"Authorization": header}), 401, "unauthorized")


def test_revoked_token_is_refused_from_then_on(api, make_user):
    user = make_user("scripted", "operator")
    created = api_tokens.create_token(user, "仓库脚本")
    assert_ok(api.get("/api/products/", headers=bearer(created.plain)))
    api_tokens.revoke_token(user, created.token.id)
    assert_error(api.get("/api/products/", headers=bearer(created.plain)), 401, "unauthorized")


def test_token_of_a_deactivated_user_is_refused(api, make_user):
    user = make_user("leaver", "operator")
    plain = api_tokens.create_token(user, "old script").plain
    user.active = False
    db.session.commit()
    assert_error(api.get("/api/products/", headers=bearer(plain)), 401, "unauthorized")


def test_a_bad_token_is_not_rescued_by_a_signed_in_session(login_as):
    client = login_as("admin")
    assert_ok(client.get("/api/products/"))
    assert_error(client.get("/api/products/", headers=bearer("hd_wrong")), 401, "unauthorized")


def test_session_authenticates_reads(login_as):
    make_product("P1")
    assert assert_ok(login_as("viewer").get("/api/products/"))[0]["code"] == "P1"


def test_deactivated_session_user_is_refused(login_as):
    client = login_as("operator")
    client.user.active = False
    db.session.commit()
    assert_error(client.get("/api/products/"), 401, "unauthorized")


def test_session_post_without_csrf_token_is_refused(login_as):
    product = _stocked_product()
    client = login_as("operator")
    response = client.post(
        f"/api/products/{product.id}/lock/", json={"quantity": 1, "reason": "订单占用"}, csrf=False
    )
    assert_error(response, 400, "csrf_failed")
    assert db.session.get(type(product), product.id).reserved == 0


def test_session_post_with_csrf_token_is_accepted(login_as):
    product = _stocked_product()
    client = login_as("operator")
    response = client.post(f"/api/products/{product.id}/lock/", json={"quantity": 2, "reason": "订单占用"})
    assert assert_ok(response, 201)["available_after"] == 8


def test_token_post_needs_no_csrf_token(api, token_for):
    product = _stocked_product()
    response = api.post(
        f"/api/products/{product.id}/lock/",
        json={"quantity": 3, "reason": "订单占用"},
        headers=bearer(token_for("operator")),
        csrf=False,
    )
    assert assert_ok(response, 201)["available_after"] == 7


def test_token_post_with_a_bad_token_is_401_not_a_csrf_error(api):
    product = _stocked_product()
    response = api.post(
        f"/api/products/{product.id}/lock/",
        json={"quantity": 1, "reason": "x"},
        headers=bearer("hd_x"),
        csrf=False,
    )
    assert_error(response, 401, "unauthorized")


ROLE_TABLE = [
    # (method, path template, least role that may call it)
    ("GET", "/api/products/", "viewer"),
    ("GET", "/api/stock-logs/", "viewer"),
    ("GET", "/api/haier/balance/", "admin"),
    ("POST", "/api/products/{pid}/sync-haier-stock/", "operator"),
    ("POST", "/api/products/{pid}/lock/", "operator"),
    ("POST", "/api/reservations/999/release/", "operator"),
]
RANK = {"viewer": 0, "operator": 1, "admin": 2}


REFUSED = [(m, p, least, role) for m, p, least in ROLE_TABLE for role in RANK if RANK[role] < RANK[least]]


@pytest.mark.parametrize("method, path, least, role", REFUSED)
def test_roles_apply_to_tokens(api, token_for, method, path, least, role):
    product = make_product("ROLE1")
    response = api.open(path.format(pid=product.id), method=method, json={}, headers=bearer(token_for(role)))
    error = assert_error(response, 403, "forbidden")
    assert error["required_role"] == least


@pytest.mark.parametrize("method, path, least", [row for row in ROLE_TABLE if row[2] != "viewer"])
def test_roles_apply_to_sessions(login_as, method, path, least):
    product = make_product("ROLE1")
    client = login_as("viewer")
    response = client.open(path.format(pid=product.id), method=method, json={})
    assert_error(response, 403, "forbidden")


def test_every_api_view_declares_its_role(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            view = app.view_functions[rule.endpoint]
            assert getattr(view, "required_role", None) is not None, rule.rule


def test_tokens_are_stored_hashed_and_never_in_plain(make_user):
    user = make_user("hashing", "viewer")
    created = api_tokens.create_token(user, "扫码枪")
    row = db.session.execute(select(ApiToken).where(ApiToken.id == created.token.id)).scalar_one()
    stored = [str(value) for value in db.session.execute(select(ApiToken.__table__)).one()]
    assert created.plain not in " ".join(stored)
    assert row.token_hash == api_tokens.hash_api_token(created.plain) != created.plain
    assert created.plain not in repr(created) and created.plain not in repr(row)


def test_last_used_at_is_written_at_most_once_a_minute(api, make_user):
    user = make_user("clock", "viewer")
    created = api_tokens.create_token(user, "t")
    start = utcnow()

    def last_used():
        db.session.expire_all()
        return as_utc(db.session.get(ApiToken, created.token.id).last_used_at)

    with time_machine.travel(start, tick=False):
        assert_ok(api.get("/api/products/", headers=bearer(created.plain)))
        first = last_used()
        assert abs(first - start) < timedelta(seconds=1)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert_ok(api.get("/api/products/", headers=bearer(created.plain)))
        assert last_used() == first
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert_ok(api.get("/api/products/", headers=bearer(created.plain)))
        assert last_used() - first >= timedelta(seconds=60)
    assert db.session.get(User, user.id).username == "clock"
