"""An admin opens the monitoring page from the navigation and sees the alert thresholds and the charts."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def test_admin_sees_monitoring_thresholds(sign_in_page):
    page = sign_in_page("admin")
    page.get_by_role("link", name="监控").click()
    page.wait_for_url("**/monitoring/")
    thresholds = page.locator("#alert-thresholds")
    for text in ("延迟 > 30 秒", "认证成功率 < 95%", "库存查询成功率 < 90%", "错误率 > 5%"):
        assert text in thresholds.inner_text()
    assert page.get_by_role("heading", name="最近 1 小时").is_visible()
    assert page.get_by_role("heading", name="最近 24 小时").is_visible()
    assert page.locator("svg.chart-svg").count() == 4
    assert page.locator("svg.chart-svg").first.is_visible()
