"""The product page's stock panel: htmx forms for adjust, lock and release, roles, and the summary refresh."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import InventoryLog, Product, StockReservation
from dashboard.services import inventory
from tests.factories import make_product

HX = {"HX-Request": "true"}


@pytest.fixture
def operator_client(login_as):
    return login_as("operator")


@pytest.fixture
def stocked(app) -> int:
    product = make_product("PANEL1")
    inventory.adjust_stock(product.id, "盘点差异", "setup", new_stock=10)
    return product.id


def figures(product_id: int) -> tuple[int, int]:
    db.session.expire_all()
    product = db.session.get(Product, product_id)
    return product.stock, product.reserved


def lock_data(quantity="3", key="key-lock-1", **extra) -> dict:
    return {"lock-quantity": quantity, "lock-reason": "订单占用", "lock-idempotency_key": key, **extra}


def adjust_data(amount="5", mode="delta", expected="10", key="key-adj-1", **extra) -> dict:
    return {
        "adjust-mode": mode,
        "adjust-amount": amount,
        "adjust-reason": "到货入库",
        "adjust-expected_stock": expected,
        "adjust-idempotency_key": key,
        **extra,
    }


# --- the panel and the summary ------------------------------------------------------------------------------


def test_product_page_loads_the_panel_with_htmx(operator_client, stocked):
    page = operator_client.get(f"/products/{stocked}").get_data(as_text=True)

    assert f'hx-get="/products/{stocked}/stock/"' in page
    assert f'hx-get="/products/{stocked}/stock/summary"' in page
    assert 'hx-trigger="stock-changed from:body"' in page


def test_operator_panel_has_forms_with_fresh_keys_and_the_seen_figure(operator_client, stocked):
    first = operator_client.get(f"/products/{stocked}/stock/", headers=HX).get_data(as_text=True)
    second = operator_client.get(f"/products/{stocked}/stock/", headers=HX).get_data(as_text=True)

    assert 'id="adjust-form"' in first and 'id="lock-form"' in first
    assert 'name="adjust-expected_stock" type="hidden" value="10"' in first
    key = re.compile(r'name="lock-idempotency_key" type="hidden" value="([0-9a-f]{32})"')
    assert key.search(first).group(1) != key.search(second).group(1)


def test_viewer_sees_figures_and_reservations_but_no_forms(login_as, stocked):
    inventory.lock_stock(stocked, 2, "订单占用", "someone", reference="SO-V")
    viewer = login_as("viewer")

    panel = viewer.get(f"/products/{stocked}/stock/", headers=HX).get_data(as_text=True)

    assert "SO-V" in panel
    assert "<form" not in panel


@pytest.mark.parametrize(
    "path",
    ["lock", "adjust", "reservations/1/release"],
)
def test_viewer_posts_are_refused(login_as, stocked, path):
    inventory.lock_stock(stocked, 1, "订单占用", "someone")
    viewer = login_as("viewer")

    response = viewer.post(f"/products/{stocked}/stock/{path}", data=lock_data(), headers=HX)

    assert response.status_code == 403
    assert figures(stocked) == (10, 1)


def test_signed_out_htmx_post_is_sent_to_the_login_page(client, stocked):
    response = client.post(f"/products/{stocked}/stock/lock", data=lock_data(), headers=HX)

    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_post_without_csrf_token_is_refused(operator_client, stocked):
    response = operator_client.post(
        f"/products/{stocked}/stock/lock", data=lock_data(), headers=HX, csrf=False
    )

    assert response.status_code == 400
    assert figures(stocked) == (10, 0)


def test_summary_fragment_shows_the_current_figures(operator_client, stocked):
    inventory.lock_stock(stocked, 4, "订单占用", "someone")

    html = operator_client.get(f"/products/{stocked}/stock/summary", headers=HX).get_data(as_text=True)

    assert html.lstrip().startswith("{#") is False
    assert 'data-figure="available">6<' in html and 'data-figure="reserved">4<' in html


def test_summary_flags_an_oversold_product(operator_client, stocked):
    inventory.lock_stock(stocked, 6, "订单占用", "someone")
    inventory.sync_stock(stocked, 2)

    html = operator_client.get(f"/products/{stocked}/stock/summary", headers=HX).get_data(as_text=True)

    assert 'data-figure="available">-4<' in html and "超卖" in html


# --- lock ----------------------------------------------------------------------------------------------------


def test_lock_answers_the_new_panel_and_triggers_the_summary_refresh(operator_client, stocked):
    response = operator_client.post(f"/products/{stocked}/stock/lock", data=lock_data("3"), headers=HX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "stock-changed"
    assert 'id="stock-panel"' in html and "<html" not in html
    assert "已锁定 3" in html and "可用 7" in html
    assert figures(stocked) == (10, 3)
    row = db.session.execute(select(InventoryLog).order_by(InventoryLog.id.desc())).scalars().first()
    assert (row.operator, row.source, row.change_type) == (operator_client.user.username, "web", "lock")
    assert row.request_id


def test_lock_beyond_available_is_a_422_with_the_reason_inline(operator_client, stocked):
    response = operator_client.post(f"/products/{stocked}/stock/lock", data=lock_data("11"), headers=HX)

    assert response.status_code == 422
    assert "可用库存不足：需要锁定 11，当前可用 10" in response.get_data(as_text=True)
    assert "HX-Trigger" not in response.headers
    assert figures(stocked) == (10, 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (lock_data(""), "请填写锁定数量"),
        (lock_data("abc"), "请输入整数，例如 5 或 -3"),
        (lock_data("0"), "数量必须在 1 到 100000 之间"),
        (lock_data("3", **{"lock-reason": "其他"}), "选择“其他”时请填写备注"),
    ],
)
def test_lock_form_errors_come_back_with_422(operator_client, stocked, data, message):
    response = operator_client.post(f"/products/{stocked}/stock/lock", data=data, headers=HX)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_other_reason_with_a_note_is_stored_as_reason_and_note(operator_client, stocked):
    data = lock_data("1", **{"lock-reason": "其他", "lock-note": "样机借出"})

    operator_client.post(f"/products/{stocked}/stock/lock", data=data, headers=HX)

    assert db.session.execute(select(StockReservation.reason)).scalar_one() == "其他：样机借出"


def test_double_submit_with_one_key_locks_once(operator_client, stocked):
    url = f"/products/{stocked}/stock/lock"
    operator_client.post(url, data=lock_data("3", key="dbl"), headers=HX)

    again = operator_client.post(url, data=lock_data("3", key="dbl"), headers=HX)

    assert again.status_code == 200
    assert "重复提交" in again.get_data(as_text=True)
    assert figures(stocked) == (10, 3)


def test_plain_form_post_redirects_back_to_the_product(operator_client, stocked):
    response = operator_client.post(f"/products/{stocked}/stock/lock", data=lock_data("2"))

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/products/{stocked}")
    assert figures(stocked) == (10, 2)


def test_plain_form_post_with_errors_gets_the_full_page(operator_client, stocked):
    response = operator_client.post(f"/products/{stocked}/stock/lock", data=lock_data("50"))

    assert response.status_code == 422
    assert "<html" in response.get_data(as_text=True)


# --- adjust -------------------------------------------------------------------------------------------------


def test_adjust_by_delta(operator_client, stocked):
    response = operator_client.post(f"/products/{stocked}/stock/adjust", data=adjust_data("5"), headers=HX)

    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "stock-changed"
    assert figures(stocked) == (15, 0)
    assert 'name="adjust-expected_stock" type="hidden" value="15"' in response.get_data(as_text=True)


def test_adjust_to_an_absolute_figure(operator_client, stocked):
    operator_client.post(
        f"/products/{stocked}/stock/adjust", data=adjust_data("4", mode="absolute"), headers=HX
    )

    assert figures(stocked) == (4, 0)


def test_adjust_after_someone_else_changed_the_stock_is_a_409_notice(operator_client, stocked):
    inventory.adjust_stock(stocked, "到货入库", "someone-else", delta=2)

    response = operator_client.post(
        f"/products/{stocked}/stock/adjust", data=adjust_data("4", mode="absolute", expected="10"), headers=HX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "库存已被他人修改：10 → 12" in html
    assert 'name="adjust-expected_stock" type="hidden" value="12"' in html  # resubmitting means "I saw 12"
    assert figures(stocked) == (12, 0)


def test_adjust_below_reservations_is_refused_inline(operator_client, stocked):
    inventory.lock_stock(stocked, 8, "订单占用", "someone")

    response = operator_client.post(f"/products/{stocked}/stock/adjust", data=adjust_data("-5"), headers=HX)

    assert response.status_code == 422
    assert "调整后库存 5 低于已锁定的 8" in response.get_data(as_text=True)


# --- release ---------------------------------------------------------------------------------------------------


def test_release_button_closes_the_reservation(operator_client, stocked):
    locked = inventory.lock_stock(stocked, 4, "订单占用", "someone")
    rid = locked.reservation_id
    data = {f"release-{rid}-reason": "订单取消", f"release-{rid}-idempotency_key": "rel-1"}

    response = operator_client.post(
        f"/products/{stocked}/stock/reservations/{rid}/release", data=data, headers=HX
    )

    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "stock-changed"
    assert "已释放 4" in response.get_data(as_text=True)
    assert figures(stocked) == (10, 0)


def test_partial_release_over_the_open_quantity_is_a_422(operator_client, stocked):
    rid = inventory.lock_stock(stocked, 2, "订单占用", "someone").reservation_id
    data = {f"release-{rid}-reason": "订单取消", f"release-{rid}-quantity": "3"}

    response = operator_client.post(
        f"/products/{stocked}/stock/reservations/{rid}/release", data=data, headers=HX
    )

    assert response.status_code == 422
    assert "释放数量 3 超过锁定记录" in response.get_data(as_text=True)


def test_release_of_a_closed_reservation_says_so(operator_client, stocked):
    rid = inventory.lock_stock(stocked, 2, "订单占用", "someone").reservation_id
    inventory.release_stock(rid, "订单取消", "someone")

    response = operator_client.post(
        f"/products/{stocked}/stock/reservations/{rid}/release",
        data={f"release-{rid}-reason": "订单取消"},
        headers=HX,
    )

    assert response.status_code == 422
    assert "已全部释放" in response.get_data(as_text=True)


def test_release_through_another_products_url_is_a_404(operator_client, stocked):
    other = make_product("OTHER")
    rid = inventory.lock_stock(stocked, 2, "订单占用", "someone").reservation_id

    response = operator_client.post(
        f"/products/{other.id}/stock/reservations/{rid}/release",
        data={f"release-{rid}-reason": "订单取消"},
        headers=HX,
    )

    assert response.status_code == 404
    assert db.session.execute(select(func.sum(Product.reserved))).scalar_one() == 2


# --- htmx contract ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "summary"])
@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, False),
        (HX, True),
        ({**HX, "HX-Boosted": "true"}, False),
        ({**HX, "HX-History-Restore-Request": "true"}, False),
    ],
)
def test_panel_urls_serve_page_or_fragment(operator_client, stocked, suffix, headers, fragment):
    response = operator_client.get(f"/products/{stocked}/stock/{suffix}", headers=headers)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("<html" not in html) is fragment
    assert "HX-Request" in response.headers.get("Vary", "")
    assert ('id="stock-summary"' if suffix else 'id="stock-panel"') in html
