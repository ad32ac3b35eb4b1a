"""GET /api/products/ and GET /api/stock-logs/: paged, with the same filters as their pages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dashboard.models import Source
from dashboard.services import inventory
from tests.blueprints.api.conftest import assert_error, assert_matches_spec, assert_ok, bearer
from tests.factories import make_product, make_products


@pytest.fixture
def viewer_headers(token_for):
    return bearer(token_for("viewer"))


def test_products_are_paged_with_meta(api, viewer_headers):
    make_products(120)
    response = api.get("/api/products/?per_page=50&page=2", headers=viewer_headers)
    data = assert_ok(response)
    assert_matches_spec(response, "/api/products/")
    assert [p["code"] for p in data][:2] == ["T00050", "T00051"] and len(data) == 50
    assert response.get_json()["meta"] == {"page": 2, "per_page": 50, "total": 120, "pages": 3}


def test_product_fields_are_typed_json(api, viewer_headers):
    make_product("FRIDGE1", name="海尔 冰箱", supply_price=Decimal("2999.50"))
    product = assert_ok(api.get("/api/products/", headers=viewer_headers))[0]
    assert product["supply_price"] == "2999.50"  # money as a decimal string, never a float
    assert product["stock"] == 0 and product["available"] == 0 and product["stock_state"] == "out"
    assert product["last_sync_at"] is None


def test_a_page_past_the_end_is_empty_not_the_last_page(api, viewer_headers):
    make_products(3)
    response = api.get("/api/products/?page=9", headers=viewer_headers)
    assert response.status_code == 200 and response.get_json()["success"] is True
    assert response.get_json()["data"] == []
    assert response.get_json()["meta"]["total"] == 3


def test_filters_match_the_catalogue_page(api, viewer_headers):
    make_product("FRIDGE1", product_group="冰箱", brand="海尔", model="BCD-470")
    make_product("WASHER1", product_group="滚筒洗衣机", brand="卡萨帝")
    make_product("HEATER1", product_group="电热水器", brand="海尔", is_sales=False)

    def codes(query):
        return [
            p["code"] for p in api.get(f"/api/products/?{query}", headers=viewer_headers).get_json()["data"]
        ]

    assert codes("brand=海尔") == ["FRIDGE1", "HEATER1"]
    assert codes("group=滚筒洗衣机") == ["WASHER1"]
    assert codes("sale=0") == ["HEATER1"]
    assert codes("q=bcd-470") == ["FRIDGE1"]
    assert codes("sort=code&direction=desc") == ["WASHER1", "HEATER1", "FRIDGE1"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("per_page=201", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=ten", "per_page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
    ],
)
def test_bad_paging_is_a_400_naming_the_field(api, viewer_headers, query, field):
    error = assert_error(api.get(f"/api/products/?{query}", headers=viewer_headers), 400, "invalid_parameter")
    assert error["field"] == field


def test_per_page_of_200_is_allowed(api, viewer_headers):
    make_products(201)
    assert len(assert_ok(api.get("/api/products/?per_page=200", headers=viewer_headers))) == 200


@pytest.mark.parametrize("query", ["stock=plenty", "sale=maybe"])
def test_unknown_filter_value_is_a_400(api, viewer_headers, query):
    error = assert_error(api.get(f"/api/products/?{query}", headers=viewer_headers), 400, "invalid_filter")
    assert "参数无效" in error["message"]


def _ledger_history():
    fridge = make_product("FRIDGE1")
    washer = make_product("WASHER1")
    inventory.adjust_stock(fridge.id, "到货入库", "alice", delta=10)
    inventory.lock_stock(fridge.id, 2, "订单占用", "bob", source=Source.API)
    inventory.adjust_stock(washer.id, "到货入库", "alice", delta=5)
    return fridge, washer


def test_stock_logs_newest_first_with_product_code(api, viewer_headers):
    _ledger_history()
    response = api.get("/api/stock-logs/", headers=viewer_headers)
    data = assert_ok(response)
    assert_matches_spec(response, "/api/stock-logs/")
    assert [(row["product_code"], row["change_type"]) for row in data] == [
        ("WASHER1", "adjust"),
        ("FRIDGE1", "lock"),
        ("FRIDGE1", "adjust"),
    ]
    assert data[1]["quantity"] == -2 and data[1]["available_after"] == 8 and data[1]["source"] == "api"
    assert response.get_json()["meta"] == {"page": 1, "per_page": 50, "total": 3, "pages": 1}


def test_stock_log_filters_match_the_log_page(api, viewer_headers):
    fridge, _ = _ledger_history()

    def kinds(query):
        rows = api.get(f"/api/stock-logs/?{query}", headers=viewer_headers).get_json()["data"]
        return [(r["product_code"], r["change_type"]) for r in rows]

    assert kinds("change_type=lock") == [("FRIDGE1", "lock")]
    assert kinds("operator=ALI") == [("WASHER1", "adjust"), ("FRIDGE1", "adjust")]
    assert kinds(f"product_id={fridge.id}") == [("FRIDGE1", "lock"), ("FRIDGE1", "adjust")]
    assert kinds("source=api") == [("FRIDGE1", "lock")]
    assert kinds("q=washer") == [("WASHER1", "adjust")]
    assert kinds("date_from=2000-01-01&date_to=2000-01-02") == []


def test_stock_logs_are_paged(api, viewer_headers):
    _ledger_history()
    response = api.get("/api/stock-logs/?per_page=2&page=2", headers=viewer_headers)
    assert [r["change_type"] for r in assert_ok(response)] == ["adjust"]
    assert response.get_json()["meta"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2}


@pytest.mark.parametrize(
    "query",
    ["change_type=steal", "source=fax", "date_from=yesterday", "date_from=2024-02-02&date_to=2024-01-01"],
)
def test_bad_stock_log_filter_is_a_400(api, viewer_headers, query):
    assert_error(api.get(f"/api/stock-logs/?{query}", headers=viewer_headers), 400, "invalid_filter")
