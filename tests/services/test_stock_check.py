"""The live stock check service: every branch against the sandbox, and exact replies with requests-mock."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
import time_machine
from prometheus_client import REGISTRY

from dashboard.extensions import cache
from dashboard.haier.errors import HaierAuthError, HaierBusinessError, HaierUnavailable
from dashboard.services.regional_stock import last_known
from dashboard.services.stock_check import (
    MAX_QUANTITY,
    AddressNotResolved,
    InvalidCountyCode,
    InvalidQuantity,
    LocationRequired,
    check_haier_stock,
    stock_cache_key,
)
from dashboard.timeutil import utcnow
from tests._stock_check_support import CHAOYANG, expected_total, pick_code
from tests.conftest import haier_settings_for
from tests.factories import make_product

ADDRESS = "北京市朝阳区建国路88号"


def stock_calls(sandbox_state) -> int:
    return sandbox_state.counters()["totals"]["stock"]


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# -- the address ------------------------------------------------------------------------------------------------


def test_resolved_address_gives_a_live_answer_with_names_warehouses_and_promise(
    haier_app, sandbox, sandbox_state
):
    code = pick_code(sandbox, stock="some")
    product = make_product(code)

    result = check_haier_stock(product, ADDRESS)

    assert result.source == "live" and result.error is None and result.age_seconds == 0
    assert result.county_code == CHAOYANG
    assert (result.province, result.county) == ("北京市", "朝阳区")
    assert result.total_stock == expected_total(sandbox, code) > 0
    assert result.total_stock == sum(w.stock for w in result.warehouses)
    assert result.best_promise is not None and result.best_promise.cut_time == "18:00"
    assert result.product_id == product.id and result.quantity == 1
    assert stock_calls(sandbox_state) == 1


def test_county_code_is_checked_like_an_address(haier_app, sandbox):
    product = make_product(pick_code(sandbox))
    result = check_haier_stock(product, county_code=CHAOYANG)
    assert (result.county_code, result.province, result.county) == (CHAOYANG, "北京市", "朝阳区")


@pytest.mark.parametrize(
    "address, status",
    [("朝阳区", "ambiguous"), ("北京市", "incomplete"), ("这不是一个地址", "unresolved")],
)
def test_an_address_without_exactly_one_county_is_refused_not_guessed(
    haier_app, sandbox, sandbox_state, address, status
):
    product = make_product(pick_code(sandbox))
    with pytest.raises(AddressNotResolved) as caught:
        check_haier_stock(product, address)
    assert caught.value.status == status
    assert caught.value.code == f"address_{status}"
    assert caught.value.message
    assert stock_calls(sandbox_state) == 0


def test_ambiguous_address_carries_the_candidates_to_choose_from(haier_app, sandbox):
    product = make_product(pick_code(sandbox))
    with pytest.raises(AddressNotResolved) as caught:
        check_haier_stock(product, "朝阳区")
    codes = {c.code for c in caught.value.candidates}
    assert {"110105", "220104"} <= codes
    assert {c["code"] for c in caught.value.to_dict()["resolution"]["candidates"]} == codes


@pytest.mark.parametrize("county_code", ["11010", "1101055", "abcdef", "110100", "999999", "110000"])
def test_county_code_must_be_a_real_county(haier_app, sandbox, county_code):
    product = make_product(pick_code(sandbox))
    with pytest.raises(InvalidCountyCode):
        check_haier_stock(product, county_code=county_code)


@pytest.mark.parametrize("address, county_code", [(None, None), ("  ", None), (ADDRESS, CHAOYANG)])
def test_exactly_one_of_address_and_county_code(haier_app, sandbox, address, county_code):
    product = make_product(pick_code(sandbox))
    with pytest.raises(LocationRequired):
        check_haier_stock(product, address, county_code=county_code)


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY + 1, "3", 2.0, True, None])
def test_quantity_must_be_a_positive_bounded_int(haier_app, sandbox, sandbox_state, quantity):
    product = make_product(pick_code(sandbox))
    with pytest.raises(InvalidQuantity):
        check_haier_stock(product, ADDRESS, quantity)
    assert stock_calls(sandbox_state) == 0


# -- enough or not ----------------------------------------------------------------------------------------------


def test_enough_stock_for_the_quantity_is_available(haier_app, sandbox):
    code = pick_code(sandbox, stock="some")
    total = expected_total(sandbox, code)
    result = check_haier_stock(make_product(code), ADDRESS, total)
    assert result.available is True and result.enough_stock
    assert "可以发货" in result.message


def test_not_enough_stock_is_a_result_not_an_exception(haier_app, sandbox):
    code = pick_code(sandbox, stock="some")
    total = expected_total(sandbox, code)
    result = check_haier_stock(make_product(code), ADDRESS, total + 1)
    assert result.available is False and result.total_stock == total
    assert "库存不足" in result.message


def test_zero_stock_is_a_real_zero(haier_app, sandbox):
    result = check_haier_stock(make_product(pick_code(sandbox, stock="none")), ADDRESS)
    assert result.available is False and result.total_stock == 0
    assert "暂无库存" in result.message


# -- storage and cache ------------------------------------------------------------------------------------------


def test_live_answer_is_stored_as_regional_stock(haier_app, sandbox):
    product = make_product(pick_code(sandbox))
    result = check_haier_stock(product, ADDRESS)
    stored, row = last_known(product.id, CHAOYANG)
    assert row.total_stock == result.total_stock
    assert row.county_name == "北京市 朝阳区"
    assert stored.warehouses == result.warehouses


def test_second_check_within_the_cache_time_is_a_cache_hit(haier_app, sandbox, sandbox_state):
    product = make_product(pick_code(sandbox))
    hits = sample("dashboard_cache_lookups_total", result="hit")
    first = check_haier_stock(product, ADDRESS)
    second = check_haier_stock(product, ADDRESS, 2)
    assert second.source == "cache" and second.quantity == 2
    assert second.total_stock == first.total_stock and second.warehouses == first.warehouses
    assert stock_calls(sandbox_state) == 1
    assert sample("dashboard_cache_lookups_total", result="hit") == hits + 1


def test_cache_entry_is_the_client_answer_as_a_dict(haier_app, sandbox):
    product = make_product(pick_code(sandbox))
    result = check_haier_stock(product, ADDRESS)
    entry = cache.get(stock_cache_key(product.code, CHAOYANG))
    assert entry["total"] == result.total_stock and entry["county_code"] == CHAOYANG


def test_refresh_bypasses_the_cache(haier_app, sandbox, sandbox_state):
    product = make_product(pick_code(sandbox))
    check_haier_stock(product, ADDRESS)
    again = check_haier_stock(product, ADDRESS, refresh=True)
    assert again.source == "live"
    assert stock_calls(sandbox_state) == 2


def test_cache_entry_expires_after_the_configured_seconds(haier_app, sandbox, sandbox_state):
    product = make_product(pick_code(sandbox))
    with time_machine.travel(utcnow(), tick=False) as traveller:
        check_haier_stock(product, ADDRESS)
        traveller.shift(timedelta(seconds=59))
        assert check_haier_stock(product, ADDRESS).source == "cache"
        traveller.shift(timedelta(seconds=2))
        assert check_haier_stock(product, ADDRESS).source == "live"
    assert stock_calls(sandbox_state) == 2


# -- Haier failures ---------------------------------------------------------------------------------------------


def test_haier_unavailable_without_a_last_known_answer_raises(haier_app, sandbox, sandbox_state):
    product = make_product(pick_code(sandbox))
    sandbox_state.set_fault("503", rate=1.0, endpoints=["stock"])
    with pytest.raises(HaierUnavailable):
        check_haier_stock(product, ADDRESS)


def test_haier_auth_failure_without_a_last_known_answer_raises(haier_app, sandbox, sandbox_state):
    product = make_product(pick_code(sandbox))
    sandbox_state.set_fault("401", rate=1.0, endpoints=["stock"])
    with pytest.raises(HaierAuthError):
        check_haier_stock(product, ADDRESS)


def test_product_not_purchasable_in_the_region_is_a_business_error(haier_app, sandbox):
    product = make_product(pick_code(sandbox, stock="blocked"))
    with pytest.raises(HaierBusinessError) as caught:
        check_haier_stock(product, ADDRESS)
    assert caught.value.message  # Haier's own reason, shown to the user
    assert last_known(product.id, CHAOYANG) is None


def test_haier_unavailable_shows_the_stored_answer_marked_stale_and_not_available(
    haier_app, sandbox, sandbox_state
):
    code = pick_code(sandbox, stock="some")
    product = make_product(code)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        live = check_haier_stock(product, ADDRESS)
        traveller.shift(timedelta(minutes=10))
        sandbox_state.set_fault("503", rate=1.0, endpoints=["stock"])
        stale = check_haier_stock(product, ADDRESS)
    assert stale.source == "stale" and stale.error == "haier_unavailable"
    assert stale.available is False
    assert stale.total_stock == live.total_stock > 0
    assert stale.age_seconds == 600
    assert "10 分钟前" in stale.message and "仅供参考" in stale.message


def test_stale_answer_comes_from_the_database_when_the_cache_is_empty(haier_app, sandbox, sandbox_state):
    product = make_product(pick_code(sandbox))
    live = check_haier_stock(product, ADDRESS)
    cache.delete(stock_cache_key(product.code, CHAOYANG))
    sandbox_state.set_fault("401", rate=1.0, endpoints=["stock"])
    stale = check_haier_stock(product, ADDRESS)
    assert (stale.source, stale.error) == ("stale", "haier_auth_failed")
    assert stale.warehouses == live.warehouses


def test_refresh_during_an_outage_falls_back_to_the_cached_answer_as_stale(haier_app, sandbox, sandbox_state):
    product = make_product(pick_code(sandbox))
    check_haier_stock(product, ADDRESS)
    sandbox_state.set_fault("business_error", rate=1.0, endpoints=["stock"])
    stale = check_haier_stock(product, ADDRESS, refresh=True)
    assert (stale.source, stale.error) == ("stale", "haier_business_error")
    assert stale.error_detail == "系统繁忙，请稍后重试"


def test_stale_answer_may_count_as_available_when_the_setting_allows(make_app, sandbox, sandbox_state):
    app = make_app(**haier_settings_for(sandbox), HAIER_MAX_ATTEMPTS=1, HAIER_STALE_COUNTS_AS_AVAILABLE=True)
    with app.app_context():
        product = make_product(pick_code(sandbox))
        check_haier_stock(product, ADDRESS)
        sandbox_state.set_fault("503", rate=1.0, endpoints=["stock"])
        stale = check_haier_stock(product, ADDRESS, refresh=True)
    assert stale.source == "stale" and stale.available is True


def test_result_to_dict_is_json_friendly(haier_app, sandbox):
    result = check_haier_stock(make_product(pick_code(sandbox)), ADDRESS)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["source"] == "live" and data["county_code"] == CHAOYANG
    assert data["place"] == "北京市 朝阳区"
    assert data["warehouses"][0]["grade_label"] in ("本级仓", "上级仓")
    assert data["best_promise"]["cut_time"] == "18:00"


# -- Redis ------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_redis_cache_is_shared_between_app_instances(make_app, sandbox, sandbox_state):
    settings = {
        **haier_settings_for(sandbox),
        "CACHE_KEY_PREFIX": f"test-shared-{os.getpid()}-{id(sandbox_state)}:",
    }
    first, second = make_app(**settings), make_app(**settings)
    assert first.config["CACHE_TYPE"] == "RedisCache"
    with first.app_context():
        product = make_product(pick_code(sandbox))
        assert check_haier_stock(product, ADDRESS).source == "live"
    with second.app_context():
        assert check_haier_stock(product_by_code(product.code), ADDRESS).source == "cache"
        cache.clear()
    assert stock_calls(sandbox_state) == 1


def product_by_code(code: str):
    from sqlalchemy import select

    from dashboard.extensions import db
    from dashboard.models import Product

    return db.session.execute(select(Product).where(Product.code == code)).scalar_one()


# -- exact replies (requests-mock) ------------------------------------------------------------------------------

MOCK_BASE = "https://haier.stock-check.test"
MOCK_STOCK_URL = f"{MOCK_BASE}/yilihuo/jsh-service-stock-mall/api/page/stock/get-available-stock-open"


@pytest.fixture
def mocked_app(make_app, requests_mock):
    app = make_app(
        HAIER_BASE_URL=MOCK_BASE,
        HAIER_TOKEN_URL=None,
        HAIER_CLIENT_ID="mock-client",
        HAIER_CLIENT_SECRET="mock-secret",
        HAIER_PASSWORD="mock-password",
        HAIER_SELLER_PASSWORD="mock-seller-password",
        HAIER_MAX_ATTEMPTS=1,
    )
    requests_mock.post(f"{MOCK_BASE}/oauth2/auth", json={"access_token": "mock-token", "expires_in": 3600})
    with app.app_context():
        yield app


def warehouse(sec: str, stock: str, grade: str, delivery: str, hours: str, transfer: str) -> dict:
    return {
        "secCode": sec,
        "stock": stock,
        "warehouseGrade": grade,
        "timelinessData": {
            "cutTime": "18:00",
            "achieveUserOrderCut": delivery,
            "hour": hours,
            "isTranfer": transfer,
        },
    }


def test_best_promise_is_the_earliest_delivery_of_a_warehouse_with_stock(mocked_app, requests_mock):
    requests_mock.post(
        MOCK_STOCK_URL,
        json={
            "success": True,
            "data": [
                warehouse("HUP1", "30", "1", "2025-11-27 18:00", "48", "1"),
                warehouse("HLO1", "0", "0", "2025-11-26 12:00", "12", "0"),
                warehouse("HLO2", "5", "0", "2025-11-26 18:00", "24", "0"),
            ],
        },
    )
    result = check_haier_stock(make_product("MOCK1"), county_code=CHAOYANG, quantity=35)
    assert result.total_stock == 35 and result.available is True
    assert [w.sec_code for w in result.warehouses] == ["HLO2", "HUP1", "HLO1"]
    assert result.best_promise.hours == 24 and result.best_promise.is_transfer is False
    sent = requests_mock.request_history[-1].json()
    assert (sent["productCode"], sent["countyCode"]) == ("MOCK1", CHAOYANG)


def test_an_empty_list_from_haier_is_zero_stock(mocked_app, requests_mock):
    requests_mock.post(MOCK_STOCK_URL, json={"success": True, "data": []})
    result = check_haier_stock(make_product("MOCK2"), county_code=CHAOYANG)
    assert (result.total_stock, result.available, result.best_promise) == (0, False, None)


def test_an_unreadable_reply_is_a_failure_not_a_zero(mocked_app, requests_mock):
    from dashboard.haier.errors import HaierProtocolError

    requests_mock.post(MOCK_STOCK_URL, text="<html>gateway error</html>")
    with pytest.raises(HaierProtocolError):
        check_haier_stock(make_product("MOCK3"), county_code=CHAOYANG)
