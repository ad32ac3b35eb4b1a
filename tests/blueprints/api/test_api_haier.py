"""The Haier endpoints against the sandbox: stock check, account balance, one product's stock sync."""

from __future__ import annotations

import pytest

from dashboard.extensions import db
from dashboard.models import InventoryLog, Product
from tests._stock_check_support import CHAOYANG, expected_total, pick_code
from tests.blueprints.api.conftest import assert_error, assert_matches_spec, assert_ok, bearer
from tests.factories import make_product

ADDRESS = "北京市朝阳区建国路88号"


@pytest.fixture
def app(haier_app):
    # Every fixture built on `app` (users, tokens, clients) gets the sandbox-backed app.
    return haier_app


@pytest.fixture
def viewer(token_for):
    return bearer(token_for("viewer"))


@pytest.fixture
def product(sandbox):
    return make_product(pick_code(sandbox, stock="some"))


def stock(api, headers, **params):
    return api.get("/api/haier/stock/", query_string=params, headers=headers)


# -- GET /api/haier/stock/ ------------------------------------------------------------------------------------


def test_stock_by_county_code_is_the_services_result_in_the_envelope(api, viewer, sandbox, product):
    response = stock(api, viewer, product_code=product.code, county_code=CHAOYANG, quantity=1)
    data = assert_ok(response)
    assert_matches_spec(response, "/api/haier/stock/")
    assert data["product_code"] == product.code and data["county_code"] == CHAOYANG
    assert data["total_stock"] == expected_total(sandbox, product.code) > 0
    assert data["available"] is True and data["source"] == "live"
    assert data["warehouses"] and {"sec_code", "stock", "grade", "grade_label", "promise"} <= set(
        data["warehouses"][0]
    )
    assert data["best_promise"]["cut_time"]


def test_stock_by_address_resolves_the_county(api, viewer, product):
    data = assert_ok(stock(api, viewer, product_code=product.code, address=ADDRESS))
    assert (data["county_code"], data["province"], data["county"]) == (CHAOYANG, "北京市", "朝阳区")


def test_not_enough_stock_is_a_result_not_an_error(api, viewer, sandbox, product):
    total = expected_total(sandbox, product.code)
    data = assert_ok(stock(api, viewer, product_code=product.code, county_code=CHAOYANG, quantity=total + 1))
    assert data["available"] is False and data["quantity"] == total + 1


def test_refresh_bypasses_the_cache(api, viewer, sandbox_state, product):
    stock(api, viewer, product_code=product.code, county_code=CHAOYANG)
    assert assert_ok(stock(api, viewer, product_code=product.code, county_code=CHAOYANG))["source"] == "cache"
    refreshed = assert_ok(stock(api, viewer, product_code=product.code, county_code=CHAOYANG, refresh=1))
    assert refreshed["source"] == "live"
    assert sandbox_state.counters()["totals"]["stock"] == 2


def test_missing_product_code_is_the_old_systems_400(api, viewer):
    error = assert_error(stock(api, viewer, county_code=CHAOYANG), 400, "missing_parameter")
    assert error["message"] == "product_code参数必填" and error["field"] == "product_code"


@pytest.mark.parametrize("code", ["has space", "x" * 33, "<script>", "代码"])
def test_malformed_product_code_is_a_400(api, viewer, code):
    assert_error(stock(api, viewer, product_code=code, county_code=CHAOYANG), 400, "invalid_product_code")


def test_unknown_product_is_a_404(api, viewer, sandbox_state):
    error = assert_error(
        stock(api, viewer, product_code="NOSUCH001", county_code=CHAOYANG), 404, "product_not_found"
    )
    assert "NOSUCH001" in error["message"]
    assert sandbox_state.counters()["totals"]["stock"] == 0


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "1.5", "10000"])
def test_bad_quantity_is_a_400(api, viewer, sandbox_state, product, quantity):
    response = stock(api, viewer, product_code=product.code, county_code=CHAOYANG, quantity=quantity)
    assert_error(response, 400, "invalid_quantity")
    assert sandbox_state.counters()["totals"]["stock"] == 0


@pytest.mark.parametrize("county_code", ["12345", "abcdef", "999999", "110100"])
def test_bad_county_code_is_a_400(api, viewer, product, county_code):
    assert_error(
        stock(api, viewer, product_code=product.code, county_code=county_code), 400, "invalid_county_code"
    )


@pytest.mark.parametrize("params", [{}, {"county_code": CHAOYANG, "address": ADDRESS}])
def test_exactly_one_of_address_and_county_code(api, viewer, product, params):
    assert_error(stock(api, viewer, product_code=product.code, **params), 400, "location_required")


def test_ambiguous_address_is_a_400_with_candidates(api, viewer, sandbox_state, product):
    response = stock(api, viewer, product_code=product.code, address="朝阳区")
    error = assert_error(response, 400, "address_ambiguous")
    assert_matches_spec(response, "/api/haier/stock/")
    assert error["address_status"] == "ambiguous"
    labels = [candidate["label"] for candidate in error["candidates"]]
    assert any("北京" in label for label in labels) and any("长春" in label for label in labels)
    assert sandbox_state.counters()["totals"]["stock"] == 0


@pytest.mark.parametrize(
    "address, code", [("北京市", "address_incomplete"), ("火星基地", "address_unresolved")]
)
def test_incomplete_or_unknown_address_is_a_400(api, viewer, product, address, code):
    error = assert_error(stock(api, viewer, product_code=product.code, address=address), 400, code)
    assert error["address_status"] in ("incomplete", "unresolved")


def test_haier_unavailable_without_a_last_known_answer_is_a_503(api, viewer, sandbox_state, product):
    sandbox_state.set_fault("503", rate=1.0, endpoints=["stock"])
    error = assert_error(
        stock(api, viewer, product_code=product.code, county_code=CHAOYANG), 503, "haier_unavailable"
    )
    assert "稍后" in error["message"]


@pytest.mark.parametrize(
    "fault, status, code",
    [
        ("500", 503, "haier_unavailable"),
        ("429", 503, "haier_unavailable"),
        ("drop", 503, "haier_unavailable"),
        ("malformed", 502, "haier_protocol_error"),
    ],
)
def test_each_haier_failure_has_its_status(api, viewer, sandbox_state, product, fault, status, code):
    sandbox_state.set_fault(fault, rate=1.0, endpoints=["stock"])
    assert_error(stock(api, viewer, product_code=product.code, county_code=CHAOYANG), status, code)


def test_haier_unavailable_with_a_last_known_answer_is_a_stale_result(api, viewer, sandbox_state, product):
    live = assert_ok(stock(api, viewer, product_code=product.code, county_code=CHAOYANG))
    sandbox_state.set_fault("503", rate=1.0, endpoints=["stock"])
    stale = assert_ok(stock(api, viewer, product_code=product.code, county_code=CHAOYANG, refresh=1))
    assert (stale["source"], stale["error"]) == ("stale", "haier_unavailable")
    assert stale["available"] is False and stale["total_stock"] == live["total_stock"]


def test_haier_business_error_is_a_502_with_haiers_message(api, viewer, sandbox_state, product):
    sandbox_state.set_fault("business_error", rate=1.0, endpoints=["stock"])
    error = assert_error(
        stock(api, viewer, product_code=product.code, county_code=CHAOYANG), 502, "haier_business_error"
    )
    assert error["haier_message"] == "系统繁忙，请稍后重试" and "系统繁忙" in error["message"]


def test_haier_auth_failure_is_a_502_telling_to_ask_an_admin(api, viewer, sandbox_state, product):
    sandbox_state.set_fault("401", rate=1.0)
    error = assert_error(
        stock(api, viewer, product_code=product.code, county_code=CHAOYANG), 502, "haier_auth_failed"
    )
    assert "管理员" in error["message"]


def test_error_bodies_never_carry_secrets_or_tracebacks(api, viewer, sandbox_state, product):
    sandbox_state.set_fault("401", rate=1.0)
    body = stock(api, viewer, product_code=product.code, county_code=CHAOYANG).get_data(as_text=True)
    for secret in ("sandbox-secret", "sandbox-password", "Traceback", 'File "'):
        assert secret not in body


# -- GET /api/haier/balance/ ----------------------------------------------------------------------------------


def test_balance_for_admins_lists_each_sales_organisation(api, token_for):
    response = api.get("/api/haier/balance/", headers=bearer(token_for("admin")))
    data = assert_ok(response)
    assert_matches_spec(response, "/api/haier/balance/")
    assert data and {"sale_group_code", "sale_group_name", "balance"} <= set(data[0])
    assert isinstance(data[0]["balance"], str)


def test_balance_is_refused_to_operators(api, token_for):
    assert_error(api.get("/api/haier/balance/", headers=bearer(token_for("operator"))), 403, "forbidden")


def test_balance_when_haier_is_down_is_a_503(api, token_for, sandbox_state):
    sandbox_state.set_fault("500", rate=1.0, endpoints=["balance"])
    assert_error(api.get("/api/haier/balance/", headers=bearer(token_for("admin"))), 503, "haier_unavailable")


# -- POST /api/products/<id>/sync-haier-stock/ ----------------------------------------------------------------


def test_sync_writes_haiers_figure_through_the_ledger(api, token_for, sandbox, product):
    response = api.post(
        f"/api/products/{product.id}/sync-haier-stock/",
        json={"county_code": CHAOYANG},
        headers=bearer(token_for("operator", username="sync-bot")),
    )
    data = assert_ok(response)
    assert_matches_spec(response, "/api/products/{product_id}/sync-haier-stock/", "post")
    total = expected_total(sandbox, product.code)
    assert data["changed"] is True and data["county_code"] == CHAOYANG
    assert data["changes"] == [{"code": product.code, "field": "stock", "before": 0, "after": total}]
    assert data["stock_result"]["total"] == total
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == total
    log = db.session.query(InventoryLog).filter_by(product_id=product.id).one()
    assert (log.change_type, log.operator, log.source) == ("sync", "sync-bot", "api")


def test_sync_from_a_session_form_post_with_csrf(login_as, product):
    client = login_as("operator")
    assert assert_ok(
        client.post(f"/api/products/{product.id}/sync-haier-stock/", data={"county_code": CHAOYANG})
    )


def test_sync_from_a_session_without_csrf_is_refused(login_as, sandbox_state, product):
    client = login_as("operator")
    response = client.post(
        f"/api/products/{product.id}/sync-haier-stock/", data={"county_code": CHAOYANG}, csrf=False
    )
    assert_error(response, 400, "csrf_failed")
    assert sandbox_state.counters()["totals"]["stock"] == 0


@pytest.mark.parametrize("county_code", ["12", "abcdef", "110100"])
def test_sync_with_a_bad_county_code_is_a_400(api, token_for, product, county_code):
    response = api.post(
        f"/api/products/{product.id}/sync-haier-stock/",
        json={"county_code": county_code},
        headers=bearer(token_for("operator")),
    )
    assert assert_error(response, 400, "invalid_county_code")["field"] == "county_code"


def test_sync_of_an_unknown_product_is_a_404(api, token_for):
    response = api.post(
        "/api/products/98765/sync-haier-stock/",
        json={"county_code": CHAOYANG},
        headers=bearer(token_for("operator")),
    )
    assert_error(response, 404, "product_not_found")


def test_sync_when_haier_is_down_is_a_503_and_writes_nothing(api, token_for, sandbox_state, product):
    sandbox_state.set_fault("503", rate=1.0, endpoints=["stock"])
    response = api.post(
        f"/api/products/{product.id}/sync-haier-stock/",
        json={"county_code": CHAOYANG},
        headers=bearer(token_for("operator")),
    )
    assert_error(response, 503, "haier_unavailable")
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 0
