"""An operator locks stock on the product page, then finds, filters and exports it in the stock log."""

import csv
import re

import pytest
from playwright.sync_api import expect

from dashboard.services import inventory
from tests.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


@pytest.fixture
def fridge(app) -> int:
    product = make_product("BE0LEDGER1", name="海尔 470升冰箱")
    inventory.adjust_stock(product.id, "到货入库", "receiving", new_stock=10)
    other = make_product("BE0OTHER01", name="海尔 洗衣机")
    inventory.adjust_stock(other.id, "到货入库", "receiving", new_stock=4)
    return product.id


def test_lock_then_find_filter_and_export_it(fridge, sign_in_page):
    page = sign_in_page("operator")
    page.goto(f"/products/{fridge}")
    summary = page.locator("#stock-summary")
    expect(summary.locator('[data-figure="available"]')).to_have_text("10")

    lock_form = page.locator("#lock-form")  # loaded into the page by htmx
    lock_form.get_by_label("锁定数量").fill("3")
    lock_form.get_by_label("参考号（如订单号）").fill("SO-BROWSER-1")
    lock_form.get_by_role("button", name="锁定").click()

    expect(page.locator("#stock-notice")).to_contain_text("已锁定 3")
    expect(summary.locator('[data-figure="available"]')).to_have_text("7")  # refreshed by HX-Trigger
    expect(summary.locator('[data-figure="reserved"]')).to_have_text("3")
    expect(page.locator("table.open-reservations")).to_contain_text("SO-BROWSER-1")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="库存日志").click()
    page.wait_for_url("**/stock-logs/")
    entry = page.locator("table.stock-log tbody tr", has_text="SO-BROWSER-1")
    expect(entry).to_contain_text("锁定")
    expect(entry).to_contain_text("-3")
    expect(page.locator("table.stock-log")).to_have_attribute("data-total", "3")

    page.get_by_label("类型").select_option("lock")
    expect(page.locator("table.stock-log")).to_have_attribute("data-total", "1")
    assert "change_type=lock" in page.url  # bookmarkable
    page.get_by_label("商品（编码 / 型号 / 名称）").fill("洗衣机")
    expect(page.locator("table.stock-log")).to_have_attribute("data-total", "0")
    page.get_by_label("商品（编码 / 型号 / 名称）").fill("470升")
    expect(page.locator("table.stock-log")).to_have_attribute("data-total", "1")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 CSV").click()
    download = download_info.value
    assert re.fullmatch(r"stock-log_all_\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 2
    assert rows[1][2:6] == ["BE0LEDGER1", "海尔 470升冰箱", "锁定", "-3"]
    assert rows[1][11] == "SO-BROWSER-1"

    page.locator("table.stock-log").get_by_role("link", name="BE0LEDGER1").click()
    page.wait_for_url(re.compile(rf"/products/{fridge}$"))


def test_stock_changed_by_someone_else_is_shown_not_overwritten(fridge, sign_in_page):
    page = sign_in_page("operator")
    page.goto(f"/products/{fridge}")
    adjust_form = page.locator("#adjust-form")
    expect(adjust_form).to_be_visible()

    inventory.adjust_stock(fridge, "到货入库", "someone-else", delta=2)  # while the page is open
    adjust_form.get_by_label("设为新的库存数").check()
    adjust_form.get_by_label("数量", exact=True).fill("8")
    adjust_form.get_by_role("button", name="提交调整").click()

    expect(page.locator("#stock-notice")).to_contain_text("库存已被他人修改：10 → 12")
    expect(page.locator("#stock-summary [data-figure='stock']")).to_have_text(
        "10"
    )  # not refreshed on refusal
