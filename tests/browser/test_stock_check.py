"""A viewer checks a product for an address, is asked to choose for an ambiguous one, and sees a stale answer
marked as such when Haier fails."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.haier.sandbox import get_sandbox_state
from tests._stock_check_support import pick_code
from tests.conftest import haier_settings_for
from tests.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


@pytest.fixture
def app(make_app, sandbox):
    """The app the live server and `page` serve: its Haier client points at the sandbox."""
    app = make_app(**haier_settings_for(sandbox), HAIER_MAX_ATTEMPTS=1)
    with app.app_context():
        yield app


def test_viewer_checks_stock_chooses_an_ambiguous_county_and_sees_a_stale_answer(app, sandbox, sign_in_page):
    # One attempt per Haier call keeps the fault step quick; with the sandbox's rate limit off, a 429 left over
    # from earlier tests' bursts cannot turn the healthy checks into failures.
    get_sandbox_state(sandbox.app).configure(rate_limit=0)
    product = make_product(pick_code(sandbox, stock="some"), name="海尔 470升十字对开门冰箱")
    page = sign_in_page("viewer")
    page.get_by_role("link", name="库存查询").click()
    page.wait_for_url("**/stock-check/")

    page.get_by_label("商品（输入编码、型号或名称搜索）").fill("470升十字")
    page.get_by_role("option").filter(has_text=product.code).click()
    expect(page.locator("#picked-product-name")).to_have_text("海尔 470升十字对开门冰箱")

    address = page.get_by_label("收货地址")
    address.fill("北京市朝阳区建国路88号")
    expect(page.locator("#address-widget-state")).to_contain_text("110105")
    page.get_by_role("button", name="查询库存").click()
    answer = page.locator("#stock-answer")
    expect(answer).to_contain_text("有货，可以发 1 台")
    expect(answer.locator("#freshness")).to_have_text("实时")
    expect(answer.locator("table.warehouses")).to_contain_text("截单时间")
    expect(answer).to_contain_text("最快预计送达")
    expect(answer.locator("table.warehouses tbody tr").first).to_contain_text("18:00")

    page.get_by_role("link", name="查询其他地址").click()
    expect(page.locator("#picked-product-name")).to_have_text("海尔 470升十字对开门冰箱")
    address = page.get_by_label("收货地址")
    address.fill("朝阳区")
    expect(page.locator("#address-widget-state")).to_contain_text("请选择")
    page.get_by_role("button", name="查询库存").click()
    choice = page.locator("#address-choice")
    expect(choice).to_contain_text("对应多个区县")
    expect(choice.get_by_role("button", name="吉林省 长春市 朝阳区")).to_be_visible()
    choice.get_by_role("button", name="北京市 朝阳区").click()
    expect(page.locator("#stock-answer")).to_contain_text("北京市 朝阳区")

    get_sandbox_state(sandbox.app).set_fault("503", rate=1.0, endpoints=["stock"])
    page.get_by_role("button", name="重新查询（不用缓存）").click()
    stale = page.locator("#stock-answer")
    expect(stale.locator("#freshness")).to_contain_text("过期数据")
    expect(stale).to_contain_text("海尔接口暂时无法访问")
    expect(stale).to_contain_text("无法确认（数据已过期）")
    expect(page.locator("#recent-checks")).to_contain_text("过期数据")
