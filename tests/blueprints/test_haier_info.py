"""Haier look-up pages: account balances (admins) and order logistics as timelines (operators)."""

from __future__ import annotations

import uuid

import pytest

from dashboard.services.haier_info import timeline_entry
from tests.conftest import PASSWORD

ORDER = "SO.20190106.000003"
HX = {"HX-Request": "true"}


@pytest.fixture
def signed_in(haier_app):
    from dashboard.services import accounts

    def sign_in(role: str):
        user = accounts.create_user(f"{role}-{uuid.uuid4().hex[:6]}", role, PASSWORD).user
        client = haier_app.test_client()
        assert (
            client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
        )
        return client

    return sign_in


def text(response) -> str:
    return response.get_data(as_text=True)


# -- balance ----------------------------------------------------------------------------------------------------


def test_admin_sees_balance_per_sales_organisation_with_total(signed_in):
    page = text(signed_in("admin").get("/balance/"))
    for name in ("海尔智家-冰冷", "海尔智家-洗护", "海尔智家-空调"):
        assert name in page
    assert "合计" in page and "¥" in page


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_balance_is_for_admins_only(signed_in, role):
    assert signed_in(role).get("/balance/").status_code == 403


def test_balance_refresh_is_a_fragment_with_vary(signed_in):
    admin = signed_in("admin")
    fragment = admin.get("/balance/", headers=HX)
    assert "<html" not in text(fragment) and 'id="balance-panel"' in text(fragment)
    assert "HX-Request" in fragment.headers["Vary"]
    assert "<html" in text(admin.get("/balance/", headers={**HX, "HX-Boosted": "true"}))


def test_balance_failure_says_what_to_do(signed_in, sandbox_state):
    sandbox_state.set_fault("401", rate=1.0, endpoints=["balance"])
    page = text(signed_in("admin").get("/balance/"))
    assert "海尔接口认证失败" in page and "请告诉管理员" in page


# -- logistics --------------------------------------------------------------------------------------------------


def test_operator_sees_the_three_logistics_lists_as_timelines(signed_in):
    page = text(signed_in("operator").get(f"/logistics/?order_code={ORDER}"))
    for title in ("统仓/云仓物流", "发货记录", "第三方快递"):
        assert title in page
    assert "订单已审核" in page and "2019-01-06" in page
    assert 'class="timeline"' in page


def test_logistics_shows_a_blank_form_first(signed_in):
    page = text(signed_in("operator").get("/logistics/"))
    assert 'name="order_code"' in page and "timeline" not in page


@pytest.mark.parametrize("role, status", [("viewer", 403), ("operator", 200), ("admin", 200)])
def test_logistics_is_for_operators(signed_in, role, status):
    assert signed_in(role).get("/logistics/").status_code == status


@pytest.mark.parametrize(
    "query, message",
    [
        ("order_code=", "请输入订单号"),
        ("order_code=SO 2019<script>", "订单号只能包含"),
        (f"order_code={ORDER}&delivery_record_code=a%20b", "发货单号只能包含"),
    ],
)
def test_invalid_input_is_a_422_with_the_form(signed_in, query, message):
    response = signed_in("operator").get(f"/logistics/?{query}", headers=HX)
    assert response.status_code == 422
    assert message in text(response) and 'name="order_code"' in text(response)


def test_unknown_order_shows_haiers_message_and_advice(signed_in):
    page = text(signed_in("operator").get("/logistics/?order_code=SO.BAD"))
    assert "海尔拒绝了这次查询" in page and "订单不存在" in page and "请检查订单号" in page


def test_logistics_fragment_or_page_with_vary(signed_in):
    operator = signed_in("operator")
    fragment = operator.get(f"/logistics/?order_code={ORDER}", headers=HX)
    assert "<html" not in text(fragment) and 'id="logistics-panel"' in text(fragment)
    assert "HX-Request" in fragment.headers["Vary"]
    restore = operator.get(
        f"/logistics/?order_code={ORDER}", headers={**HX, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in text(restore)


# -- generic timeline items -------------------------------------------------------------------------------------


def test_timeline_entry_keeps_unknown_fields_and_does_not_repeat_the_status():
    entry = timeline_entry(
        {
            "operateTime": "2025-11-26 10:00",
            "status": "已出库",
            "description": "已出库",
            "courier": "顺丰速运",
            "x": 1,
        }
    )
    assert (entry.time, entry.status) == ("2025-11-26 10:00", "已出库")
    assert entry.extras == [("快递公司", "顺丰速运"), ("x", "1")]


def test_timeline_entry_without_known_keys_shows_everything():
    entry = timeline_entry({"foo": "bar"})
    assert (entry.time, entry.status, entry.extras) == (None, None, [("foo", "bar")])
