"""A warehouse user's catalogue session in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_product, make_products

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


@pytest.fixture
def catalogue(app):
    make_products(60, prefix="BE0")
    make_product("GA0SZC00U", model="EC6001-HT3", name="海尔 60升电热水器", product_group="电热水器")
    make_product(
        "CE0WASH01",
        model="EG100MATE",
        name="卡萨帝 10公斤滚筒洗衣机",
        product_group="滚筒洗衣机",
        brand="卡萨帝",
    )


def test_sign_in_search_filter_open_product_and_sign_out(catalogue, sign_in_page):
    page = sign_in_page("viewer")
    expect(page.locator("table.products")).to_have_attribute("data-total", "62")
    page.evaluate("window.__marker = 'same-page'")  # lost on a full page load

    page.get_by_label("搜索（编码 / 型号 / 名称）").fill("ec6001")
    expect(page.locator("table.products")).to_have_attribute("data-total", "1")
    assert page.evaluate("window.__marker") == "same-page"  # the table was swapped, not the page reloaded
    assert "q=ec6001" in page.url  # hx-push-url keeps the search bookmarkable

    page.get_by_label("搜索（编码 / 型号 / 名称）").fill("")
    expect(page.locator("table.products")).to_have_attribute("data-total", "62")
    page.get_by_label("品牌").select_option("卡萨帝")
    expect(page.locator("table.products")).to_have_attribute("data-total", "1")
    assert "brand=" in page.url

    page.get_by_role("link", name="CE0WASH01").click()
    page.wait_for_url(re.compile(r"/products/\d+$"))
    assert page.get_by_role("heading", name=re.compile("卡萨帝 10公斤滚筒洗衣机")).is_visible()

    page.go_back()
    expect(page.locator("table.products")).to_have_attribute("data-total", "1")

    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")
    page.goto("/products/")
    assert "/login" in page.url


def test_pages_work_offline_with_the_vendored_htmx(catalogue, sign_in_page):
    page = sign_in_page("viewer")
    # No internet here: the CDN script fails and the fallback must have loaded htmx from our static folder.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.version").startswith("2.0.")


def test_pagination_links_swap_the_table(catalogue, sign_in_page):
    page = sign_in_page("viewer")
    page.get_by_role("link", name="下一页 ›").first.click()
    page.wait_for_url("**page=2**")
    assert page.get_by_text("第 2 / 2 页").first.is_visible()


def test_viewer_cannot_reach_operator_pages(app, sign_in_page, live_server):
    page = sign_in_page("viewer")
    operator_paths = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and getattr(app.view_functions[rule.endpoint], "required_role", None) is not None
        and app.view_functions[rule.endpoint].required_role.value != "viewer"
    ]
    for path in operator_paths:
        response = page.goto(path)
        assert response.status == 403, path
        assert "没有权限" in page.content()
