"""The monitoring page: admins only, thresholds marked, figures from the rolling window, htmx refresh."""

from __future__ import annotations

import html
import re

import pytest

from tests.services._monitoring_support import drive_known_sequence


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/monitoring/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_see_the_monitoring_page(login_as, role):
    assert login_as(role).get("/monitoring/").status_code == 403


def test_empty_window_shows_thresholds_and_no_data(login_as):
    page = login_as("admin").get("/monitoring/").get_data(as_text=True)
    assert "最近 1 小时" in page and "最近 24 小时" in page
    assert "延迟 &gt; 30 秒" in page and "认证成功率 &lt; 95%" in page
    assert "库存查询成功率 &lt; 90%" in page and "错误率 &gt; 5%" in page
    assert "无数据" in page and "超出阈值" not in page
    assert page.count("<svg") == 4


def figure_row(page: str, window: str, figure: str) -> str:
    section = page.split(f'id="window-{window}"', 1)[1]
    match = re.search(rf'<tr data-figure="{figure}">(.*?)</tr>', section, re.S)
    assert match, figure
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()
    return html.unescape(text)


def test_page_shows_the_figures_of_a_known_sequence_of_calls(app, sandbox, login_as):
    drive_known_sequence(app, sandbox)  # nothing flushed: the page writes this worker's tallies first
    page = login_as("admin").get("/monitoring/").get_data(as_text=True)
    for window in ("hour", "day"):
        assert figure_row(page, window, "latency_p50") == "海尔接口延迟 p50 0.21 秒 > 30 秒 正常"
        assert figure_row(page, window, "latency_p95") == "海尔接口延迟 p95 42.00 秒 > 30 秒 超出阈值"
        assert figure_row(page, window, "auth_success") == "认证成功率 66.7% (2/3) < 95% 超出阈值"
        assert figure_row(page, window, "stock_success") == "库存查询成功率 75.0% (9/12) < 90% 超出阈值"
        assert figure_row(page, window, "error_rate") == "错误率 25.0% (3/12) > 5% 超出阈值"
    assert "海尔接口调用 12 次" in page
    assert 'class="chart-line"' in page or 'class="chart-dot"' in page


def test_htmx_refresh_gets_the_panels_only(login_as):
    client = login_as("admin")
    fragment = client.get("/monitoring/", headers={"HX-Request": "true"})
    assert 'id="monitoring-panels"' in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    for header in ("HX-Boosted", "HX-History-Restore-Request"):
        full = client.get("/monitoring/", headers={"HX-Request": "true", header: "true"})
        assert "<html" in full.get_data(as_text=True)
    plain = client.get("/monitoring/")
    assert "<html" in plain.get_data(as_text=True) and "HX-Request" in plain.headers["Vary"]


def test_page_has_no_inline_styles_or_scripts(login_as):
    page = login_as("admin").get("/monitoring/").get_data(as_text=True)
    assert "style=" not in page
    assert re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page) is None
