"""The stock-check page: picker, check, answers, errors in plain Chinese, recent checks, htmx contract."""

from __future__ import annotations

import re
import uuid

import pytest

from tests._stock_check_support import CHAOYANG, expected_total, pick_code
from tests.conftest import PASSWORD
from tests.factories import make_product

ADDRESS = "北京市朝阳区建国路88号"
HX = {"HX-Request": "true"}


@pytest.fixture
def signed_in(haier_app):
    from dashboard.services import accounts

    def sign_in(role: str = "viewer"):
        user = accounts.create_user(f"{role}-{uuid.uuid4().hex[:6]}", role, PASSWORD).user
        client = haier_app.test_client()
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return sign_in


@pytest.fixture
def viewer(signed_in):
    return signed_in("viewer")


@pytest.fixture
def product(haier_app, sandbox):
    return make_product(pick_code(sandbox, stock="some"))


def check(client, product_code, address=ADDRESS, quantity=1, htmx=True, **extra):
    data = {"product_code": product_code, "address": address, "quantity": str(quantity), **extra}
    return client.post("/stock-check/check", data=data, headers=HX if htmx else {})


def text(response) -> str:
    return response.get_data(as_text=True)


# -- access -----------------------------------------------------------------------------------------------------


def test_signed_out_user_is_sent_to_login(haier_app):
    response = haier_app.test_client().get("/stock-check/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_role_may_check_stock(signed_in, role):
    page = signed_in(role).get("/stock-check/")
    assert page.status_code == 200
    assert "海尔库存查询" in text(page) and 'name="address"' in text(page)


def test_post_without_csrf_token_is_refused(viewer, product):
    response = viewer.post(
        "/stock-check/check",
        data={"product_code": product.code, "address": ADDRESS, "quantity": "1"},
        csrf=False,
    )
    assert response.status_code == 400


# -- htmx contract ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/stock-check/",
        "/stock-check/products?product_q=a",
        f"/stock-check/check?county_code={CHAOYANG}&quantity=1",
    ],
)
@pytest.mark.parametrize(
    "headers, full_page",
    [
        ({}, True),
        ({"HX-Request": "true"}, False),
        ({"HX-Request": "true", "HX-Boosted": "true"}, True),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, True),
    ],
)
def test_fragment_or_full_page_with_vary(viewer, product, url, headers, full_page):
    url = url.replace("check?", f"check?product_code={product.code}&")
    response = viewer.get(url, headers=headers)
    assert response.status_code == 200
    assert ("<html" in text(response)) is full_page
    assert "HX-Request" in response.headers.get("Vary", "")


# -- the picker -------------------------------------------------------------------------------------------------


def test_product_search_suggests_matching_products(viewer, haier_app):
    make_product("FRIDGE01", model="BCD-470WGHTDEDUA", name="海尔 470升冰箱")
    make_product("HEATER01", model="EC6001-HT3", name="海尔 60升电热水器")
    found = text(viewer.get("/stock-check/products?product_q=ec6001", headers=HX))
    assert "HEATER01" in found and "FRIDGE01" not in found
    assert "/stock-check/?product_code=HEATER01" in found
    assert "没有找到" in text(viewer.get("/stock-check/products?product_q=zzzz", headers=HX))


def test_choosing_a_product_shows_it_picked(viewer, product):
    page = text(viewer.get(f"/stock-check/?product_code={product.code}"))
    assert f'name="product_code" value="{product.code}"' in page and "更换商品" in page


def test_a_typed_product_code_is_enough_without_picking(viewer, product):
    response = viewer.post(
        "/stock-check/check",
        data={"product_q": product.code.lower(), "address": ADDRESS, "quantity": "1"},
        headers=HX,
    )
    assert response.status_code == 200 and 'id="stock-answer"' in text(response)


# -- answers ----------------------------------------------------------------------------------------------------


def test_check_shows_yes_stock_warehouses_and_promise(viewer, product, sandbox):
    response = check(viewer, product.code)
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert "✔" in page and "有货，可以发 1 台" in page
    assert f">{expected_total(sandbox, product.code)}<" in page
    for words in ("截单时间", "预计送达", "是否转运", "18:00", "北京市 朝阳区", "110105"):
        assert words in page, words
    assert re.search(r"本级仓|上级仓", page)
    assert re.search(r"需要转运|直接发货，不转运", page)
    assert 'id="freshness">实时<' in page


def test_not_enough_is_a_clear_no(viewer, product, sandbox):
    total = expected_total(sandbox, product.code)
    page = text(check(viewer, product.code, quantity=total + 1))
    assert "✘" in page and f"库存不足 {total + 1} 台" in page


def test_second_check_is_marked_cached_and_refresh_asks_haier_again(viewer, product, sandbox_state):
    check(viewer, product.code)
    assert "缓存" in text(check(viewer, product.code))
    refreshed = text(check(viewer, product.code, refresh="y"))
    assert 'id="freshness">实时<' in refreshed
    assert sandbox_state.counters()["totals"]["stock"] == 2


def test_the_answer_offers_another_address_for_the_same_product(viewer, product):
    page = text(check(viewer, product.code))
    assert f"/stock-check/?product_code={product.code}&amp;quantity=1" in page and "查询其他地址" in page
    assert "重新查询" in page


def test_ambiguous_address_asks_to_choose_and_a_choice_checks_that_county(viewer, product, sandbox_state):
    response = check(viewer, product.code, address="朝阳区")
    page = text(response)
    assert response.status_code == 422
    assert "请确认收货地址" in page and "北京市 朝阳区" in page and "吉林省 长春市 朝阳区" in page
    assert sandbox_state.counters()["totals"]["stock"] == 0
    chosen = check(viewer, product.code, address="北京市 朝阳区", county_code=CHAOYANG)
    assert (
        chosen.status_code == 200 and "北京市 朝阳区" in text(chosen) and 'id="stock-answer"' in text(chosen)
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"address": ADDRESS, "quantity": "1"}, "请选择商品"),
        ({"product_code": "NOPE", "address": ADDRESS, "quantity": "1"}, "找不到这个商品"),
        ({"product_q": "zzzz", "address": ADDRESS, "quantity": "1"}, "没有唯一匹配的商品"),
        ({"address": "", "quantity": "1"}, "请填写收货地址"),
        ({"address": ADDRESS, "quantity": "0"}, "数量必须在 1 到 9999 之间"),
        ({"address": ADDRESS, "quantity": "abc"}, "数量必须是整数"),
        ({"address": "北京市", "quantity": "1"}, "只识别到市级"),
        ({"address": "这不是一个地址", "quantity": "1"}, "无法识别地址"),
    ],
)
def test_input_problems_come_back_as_422_with_the_form(viewer, product, data, message):
    data = (
        {"product_code": product.code, **data}
        if "product_q" not in data and "product_code" not in data
        else data
    )
    if message == "请选择商品":
        data.pop("product_code")
    response = viewer.post("/stock-check/check", data=data, headers=HX)
    assert response.status_code == 422
    assert message in text(response) and 'id="stock-check-form"' in text(response)


# -- Haier failures ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault, title, advice",
    [
        ("503", "海尔接口暂时无法访问", "请稍后"),
        ("401", "海尔接口认证失败", "请告诉管理员"),
        ("business_error", "海尔拒绝了这次查询", "换一个地址"),
    ],
)
def test_haier_failure_without_a_last_known_answer_says_what_to_do(
    viewer, product, sandbox_state, fault, title, advice
):
    sandbox_state.set_fault(fault, rate=1.0, endpoints=["stock"])
    response = check(viewer, product.code)
    page = text(response)
    assert response.status_code == 200
    assert title in page and advice in page and 'id="stock-error"' in page


def test_haier_failure_shows_the_last_known_answer_marked_stale(viewer, product, sandbox_state):
    check(viewer, product.code)
    sandbox_state.set_fault("503", rate=1.0, endpoints=["stock"])
    page = text(check(viewer, product.code, refresh="y"))
    assert "过期数据" in page and "海尔接口暂时无法访问" in page and "仅供参考" in page
    assert "无法确认" in page and "✔" not in page


# -- recent checks and the product page -------------------------------------------------------------------------


def test_recent_checks_of_this_session_are_listed_newest_first_and_bounded(viewer, haier_app, sandbox):
    codes = [pick_code(sandbox)]
    product = make_product(codes[0])
    for quantity in range(1, 13):
        check(viewer, product.code, quantity=quantity)
    page = text(viewer.get("/stock-check/"))
    recent = page[page.index('id="recent-checks"') :]
    assert recent.count("再查一次") == 10
    assert recent.index("quantity=12") < recent.index("quantity=11")
    assert 'quantity=3"' in recent and 'quantity=2"' not in recent


def test_product_page_shows_regional_stock_with_warehouses_and_promise(viewer, product):
    check(viewer, product.code)
    page = text(viewer.get(f"/products/{product.id}"))
    section = page[page.index('id="regional-stock"') :]
    assert "北京市 朝阳区" in section and "110105" in section
    assert re.search(r"H\w+（(本级仓|上级仓)）：\d+", section)
    assert "最快预计送达" in section


def test_an_answer_leaves_the_form_alone_and_updates_recent_checks_out_of_band(viewer, product):
    page = text(check(viewer, product.code))
    assert 'id="stock-check-form"' not in page and 'id="stock-answer"' in page
    assert 'id="recent-checks" hx-swap-oob="true"' in page


def test_input_problems_tell_htmx_to_swap_the_whole_panel(viewer, product):
    response = check(viewer, product.code, address="朝阳区")
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#stock-check" and response.headers["HX-Reswap"] == "outerHTML"


def test_choosing_a_candidate_returns_the_panel_with_the_chosen_county(viewer, product):
    page = text(check(viewer, product.code, address="北京市 朝阳区", county_code=CHAOYANG, panel="1"))
    assert 'id="stock-check-form"' in page and 'name="county_code" value="110105"' in page
    assert 'id="stock-answer"' in page


def test_a_county_code_settled_for_other_text_does_not_override_the_edited_address(viewer, product):
    # Enter pressed right after editing the address, before the widget re-resolved: the old code is stale.
    stale = check(
        viewer,
        product.code,
        address="浙江省杭州市西湖区文三路100号",
        county_code=CHAOYANG,
        county_for="北京市朝阳区",
    )
    assert stale.status_code == 200
    page = text(stale)
    assert "330106" in page and "110105" not in page


def test_a_county_code_settled_for_the_same_text_is_used(viewer, product):
    page = text(check(viewer, product.code, address="朝阳区", county_code=CHAOYANG, county_for="朝阳区"))
    assert "110105" in page
