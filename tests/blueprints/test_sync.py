"""The sync page and the product page's sync buttons: roles, the htmx contract, polling, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.haier.sandbox import get_sandbox_state
from dashboard.models import SchedulerLease, SyncKind, SyncRun, SyncTrigger
from dashboard.services import sync
from dashboard.services.sync_runner import LEASE_NAME
from dashboard.timeutil import utcnow
from tests.services._sync_support import (
    FOR_SALE,
    app_with_catalogue,
    product,
    run_row,
    sellable_here,
)

HX = {"HX-Request": "true"}


@pytest.fixture
def app(make_app, sandbox):
    yield from app_with_catalogue(make_app, sandbox, concurrency=4)


@pytest.fixture
def admin_client(login_as):
    return login_as("admin")


def a_running_run(catalogue_wide: bool = True) -> SyncRun:
    """A run some other process is doing right now (fresh heartbeat, lease held)."""
    now = utcnow()
    run = SyncRun(kind="stock", trigger="schedule", operator="system:sync", catalogue_wide=catalogue_wide)
    run.heartbeat_at, run.total, run.processed = now, 100, 40
    db.session.add(run)
    db.session.flush()
    if catalogue_wide:
        expires = now + timedelta(seconds=60)
        db.session.add(SchedulerLease(name=LEASE_NAME, owner=f"sync-run:{run.id}", expires_at=expires))
    db.session.commit()
    return run


# --- roles ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("operator", 403), ("admin", 200)])
def test_the_sync_page_is_for_admins(login_as, role, status):
    assert login_as(role).get("/sync/").status_code == status


def test_signed_out_users_go_to_the_login_page(client):
    response = client.get("/sync/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("operator", 200), ("admin", 200)])
def test_product_sync_buttons_are_for_operators(login_as, role, status):
    row = product(FOR_SALE[0].code)
    response = login_as(role).post(f"/sync/products/{row.id}/prices", headers=HX)
    assert response.status_code == status


def test_starting_a_sync_needs_the_csrf_token(admin_client):
    response = admin_client.post("/sync/start", data={"kind": "stock", "scope": "all"}, csrf=False)
    assert response.status_code in (400, 403)
    assert sync.running_runs() == []


# --- htmx contract ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, False),
        ({"HX-Request": "true"}, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, False),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
    ],
)
def test_partial_urls_answer_page_or_fragment(admin_client, headers, fragment):
    run = sync.run_sync(SyncKind.PRICES, trigger=SyncTrigger.BUTTON, operator="x", product_codes=["ZZ0NOPE"])
    for url in ("/sync/", f"/sync/runs/{run.run_id}", f"/sync/runs/{run.run_id}/status"):
        response = admin_client.get(url, headers=headers)
        body = response.get_data(as_text=True)
        assert ("<html" not in body) is fragment, url
        assert "HX-Request" in response.headers.get("Vary", ""), url


def test_status_polls_while_running_and_answers_286_when_done(admin_client):
    running = a_running_run()
    response = admin_client.get(f"/sync/runs/{running.id}/status", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'hx-trigger="every 1s"' in body
    assert '<progress max="100" value="40">' in body

    done = sync.run_sync(
        SyncKind.PRICES, trigger=SyncTrigger.BUTTON, operator="x", product_codes=[FOR_SALE[0].code]
    )
    response = admin_client.get(f"/sync/runs/{done.run_id}/status", headers=HX)
    assert response.status_code == 286
    assert response.headers["HX-Trigger"] == "sync-run-finished"
    assert "every 1s" not in response.get_data(as_text=True)


# --- starting, refusing, cancelling --------------------------------------------------------------------------


def test_start_runs_in_the_background_and_answers_with_the_polling_status(admin_client):
    response = admin_client.post("/sync/start", data={"kind": "stock", "scope": "all"}, headers=HX)

    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'hx-trigger="every 1s"' in body
    run = db.session.execute(select(SyncRun).where(SyncRun.kind == "stock")).scalar_one()
    assert (run.trigger, run.operator, run.catalogue_wide) == ("button", admin_client.user.username, True)
    assert sync.join_background_syncs(admin_client.application, timeout=30)
    assert run_row(run.id).status in ("succeeded", "partial")


def test_a_plain_form_post_redirects_to_the_run(admin_client):
    response = admin_client.post("/sync/start", data={"kind": "prices", "scope": "all"})
    assert response.status_code == 303 and "/sync/runs/" in response.headers["Location"]


def test_a_second_catalogue_wide_start_shows_the_running_one(admin_client):
    running = a_running_run()

    response = admin_client.post("/sync/start", data={"kind": "catalogue", "scope": "all"}, headers=HX)

    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'id="sync-run-{running.id}"' in body and "已有一个全目录同步正在进行" in body
    assert (
        db.session.execute(
            select(SyncRun).where(SyncRun.kind == "catalogue", SyncRun.trigger == "button")
        ).first()
        is None
    )


def test_a_bad_county_code_comes_back_in_the_form(admin_client):
    response = admin_client.post(
        "/sync/start", data={"kind": "stock", "scope": "all", "county_code": "12ab"}, headers=HX
    )

    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#sync-start"
    assert "区县编码必须是 6 位数字" in response.get_data(as_text=True)


def test_a_county_code_that_does_not_exist_is_refused(admin_client):
    response = admin_client.post(
        "/sync/start", data={"kind": "stock", "scope": "all", "county_code": "999999"}, headers=HX
    )
    assert response.status_code == 422 and "不是有效的区县编码" in response.get_data(as_text=True)


def test_the_current_filter_is_carried_into_the_run(admin_client):
    page = admin_client.get("/sync/?category=空调").get_data(as_text=True)
    assert 'name="category" type="hidden" value="空调"' in page

    response = admin_client.post(
        "/sync/start", data={"kind": "prices", "scope": "filter", "category": "空调"}, headers=HX
    )

    assert response.status_code == 200
    run = db.session.execute(select(SyncRun).where(SyncRun.trigger == "button")).scalar_one()
    assert run.params["catalogue_filter"] == {"category": "空调"}
    assert sync.join_background_syncs(admin_client.application, timeout=30)
    assert run_row(run.id).total == sum(1 for p in FOR_SALE if p.category == "空调")


def test_filter_scope_without_a_filter_is_a_form_error(admin_client):
    response = admin_client.post("/sync/start", data={"kind": "stock", "scope": "filter"}, headers=HX)
    assert response.status_code == 422 and "当前没有筛选条件" in response.get_data(as_text=True)


def test_cancel_asks_the_run_to_stop(admin_client):
    running = a_running_run()

    response = admin_client.post(f"/sync/runs/{running.id}/cancel", headers=HX)

    assert response.status_code == 200 and "正在取消" in response.get_data(as_text=True)
    assert run_row(running.id).cancel_requested is True


def test_run_details_list_failures_linked_to_their_products(admin_client, sandbox):
    code = sellable_here(sandbox)[0]
    get_sandbox_state(sandbox.app).set_fault("500", rate=1.0, endpoints=["stock"], product_codes=[code])
    summary = sync.run_sync(
        SyncKind.STOCK, trigger=SyncTrigger.BUTTON, operator="x", product_codes=[code, "ZZ0NOPE"]
    )

    body = admin_client.get(f"/sync/runs/{summary.run_id}").get_data(as_text=True)

    assert f'href="/products/{product(code).id}">{code}</a>' in body
    assert "海尔接口暂不可用" in body and "ZZ0NOPE" in body
    assert "部分失败" in body or "失败" in body


# --- the product page's buttons -------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "shown"), [("viewer", False), ("operator", True)])
def test_the_product_page_shows_the_buttons_to_operators_only(login_as, role, shown):
    row = product(FOR_SALE[0].code)
    body = login_as(role).get(f"/products/{row.id}").get_data(as_text=True)
    assert ("同步库存" in body) is shown and ("同步价格" in body) is shown


def test_stock_button_swaps_in_the_new_figure_and_refreshes_the_summary(login_as, sandbox):
    code = sellable_here(sandbox)[0]
    row = product(code)

    response = login_as("operator").post(f"/sync/products/{row.id}/stock", headers=HX)

    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "库存已同步" in body
    assert response.headers["HX-Trigger"] == "stock-changed"
    assert product(code).stock > 0 or "库存未变化" in body


def test_stock_button_shows_haiers_error_in_chinese_and_keeps_the_stock(login_as, sandbox):
    row = product(sellable_here(sandbox)[0])
    get_sandbox_state(sandbox.app).set_fault("business_error", count=1, endpoints=["stock"])

    response = login_as("operator").post(f"/sync/products/{row.id}/stock", headers=HX)

    body = response.get_data(as_text=True)
    assert "海尔拒绝了请求" in body and "库存未改变" in body
    assert "HX-Trigger" not in response.headers
    assert product(row.code).stock == 0


def test_stock_button_refuses_a_bad_county(login_as):
    row = product(FOR_SALE[0].code)
    response = login_as("operator").post(
        f"/sync/products/{row.id}/stock", data={"county_code": "1"}, headers=HX
    )
    assert response.status_code == 422 and "6 位数字" in response.get_data(as_text=True)


def test_price_button_shows_the_new_prices(login_as):
    item = next(p for p in FOR_SALE if p.price_effective)
    row = product(item.code)
    row.supply_price = None
    db.session.commit()

    response = login_as("operator").post(f"/sync/products/{row.id}/prices", headers=HX)

    body = response.get_data(as_text=True)
    assert "价格已同步" in body and f"¥{item.supply_price:,.2f}" in body


def test_a_plain_button_post_comes_back_to_the_product_page(login_as):
    row = product(FOR_SALE[0].code)
    response = login_as("operator").post(f"/sync/products/{row.id}/prices")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/products/{row.id}")
