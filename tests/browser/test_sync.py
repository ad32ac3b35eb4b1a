"""An admin starts a stock sync in a real browser, watches it finish, and opens the run's details."""

import re

import pytest
from playwright.sync_api import expect

from dashboard.haier.sandbox import get_sandbox_state
from dashboard.models import SyncKind, SyncTrigger
from dashboard.services import sync
from tests.services._sync_support import sync_settings

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


@pytest.fixture
def app(make_app, sandbox):
    app = make_app(**sync_settings(sandbox, SYNC_CONCURRENCY=2))
    with app.app_context():
        sync.run_sync(SyncKind.CATALOGUE, trigger=SyncTrigger.COMMAND, operator="tester")
        # ~190 products at 40 ms each over 2 workers: a few seconds, long enough to watch the bar move.
        get_sandbox_state(sandbox.app).configure(latency_ms=40)
        yield app
        assert sync.join_background_syncs(app, timeout=30)


def test_admin_starts_a_stock_sync_watches_it_finish_and_opens_the_details(sign_in_page):
    page = sign_in_page("admin")
    page.get_by_role("link", name="同步").first.click()
    page.wait_for_url("**/sync/")

    page.get_by_role("radio", name="库存", exact=True).check()
    page.get_by_role("radio", name="全部商品").check()
    page.get_by_role("button", name="开始同步").click()

    status = page.locator("#sync-current .sync-status")
    expect(status).to_have_attribute("data-status", "running")
    bar = status.locator("progress")
    expect(bar).to_have_attribute("max", re.compile(r"^[1-9]\d*$"))
    page.wait_for_function(
        "() => { const p = document.querySelector('#sync-current progress');"
        " return p && p.value > 0 && p.value < p.max; }"
    )  # moving
    expect(status).to_have_attribute("data-status", re.compile("succeeded|partial"), timeout=30_000)
    total = bar.get_attribute("max")
    expect(bar).to_have_attribute("value", total)
    expect(page.locator("#sync-history tbody tr").first).to_contain_text("库存")  # history reloaded

    status.get_by_role("link", name="查看详情").click()
    page.wait_for_url(re.compile(r"/sync/runs/\d+$"))
    expect(page.get_by_role("heading", name=re.compile(r"同步任务 #\d+")).first).to_be_visible()
    expect(page.locator("#sync-errors")).to_contain_text("失败的商品")
