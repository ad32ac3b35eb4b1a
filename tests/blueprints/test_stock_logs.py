"""The stock log and reservation pages: filters, pagination, htmx contract, and the CSV exports read back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import InventoryLog, Product
from dashboard.services import inventory
from tests.factories import make_product

HX = {"HX-Request": "true"}
# 2026-03-01 23:30 in Shanghai is still 2026-03-01 15:30 UTC: the date filters are Shanghai days.
MARCH_1_LATE = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
MARCH_2_EARLY = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 2026-03-02 00:30 in Shanghai
MARCH_5 = datetime(2026, 3, 5, 4, 0, tzinfo=UTC)


@pytest.fixture
def viewer_client(login_as):
    return login_as("viewer")


@pytest.fixture
def history(app) -> dict[str, int]:
    """Two products with a few days of stock history."""
    fridge = make_product("FRIDGE01", name="海尔 冰箱 BCD-470")
    washer = make_product("WASHER01", name="海尔 滚筒洗衣机")
    with time_machine.travel(MARCH_1_LATE, tick=False):
        inventory.adjust_stock(fridge.id, "到货入库", "alice", delta=20)
    with time_machine.travel(MARCH_2_EARLY, tick=False):
        inventory.lock_stock(fridge.id, 3, "订单占用", "bob", reference="SO-100", source="api")
        inventory.adjust_stock(washer.id, "到货入库", "alice", delta=5)
    with time_machine.travel(MARCH_5, tick=False):
        inventory.sync_stock(washer.id, 7, warehouse_code="WA01")
    return {"fridge": fridge.id, "washer": washer.id}


def log_ids(html: str) -> list[int]:
    import re

    return [int(m) for m in re.findall(r'data-log-id="(\d+)"', html)]


def all_log_ids_newest_first() -> list[int]:
    return list(
        db.session.execute(
            select(InventoryLog.id).order_by(InventoryLog.created_at.desc(), InventoryLog.id.desc())
        ).scalars()
    )


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# --- the page ------------------------------------------------------------------------------------------------


def test_log_lists_every_entry_newest_first_with_product_links(viewer_client, history):
    html = viewer_client.get("/stock-logs/").get_data(as_text=True)

    assert log_ids(html) == all_log_ids_newest_first()
    assert f'href="/products/{history["fridge"]}"' in html
    assert "2026-03-02 00:30:00" in html  # Shanghai time on screen


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("change_type=lock", {("FRIDGE01", "lock")}),
        ("source=api", {("FRIDGE01", "lock")}),
        ("source=scheduler", {("WASHER01", "sync")}),
        ("operator=ALI", {("FRIDGE01", "adjust"), ("WASHER01", "adjust")}),
        ("q=洗衣机", {("WASHER01", "adjust"), ("WASHER01", "sync")}),
        ("q=fridge01", {("FRIDGE01", "adjust"), ("FRIDGE01", "lock")}),
        ("date_from=2026-03-02&date_to=2026-03-02", {("FRIDGE01", "lock"), ("WASHER01", "adjust")}),
        ("date_to=2026-03-01", {("FRIDGE01", "adjust")}),
        ("date_from=2026-03-03", {("WASHER01", "sync")}),
    ],
)
def test_filters(viewer_client, history, query, expected):
    html = viewer_client.get(f"/stock-logs/?{query}", headers=HX).get_data(as_text=True)

    rows = db.session.execute(
        select(Product.code, InventoryLog.change_type).join(Product).where(InventoryLog.id.in_(log_ids(html)))
    ).all()
    assert {tuple(r) for r in rows} == expected


def test_product_filter_from_the_product_page_link(viewer_client, history):
    html = viewer_client.get(f"/stock-logs/?product_id={history['washer']}").get_data(as_text=True)

    assert len(log_ids(html)) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("change_type=steal", "变动类型参数无效"),
        ("source=fax", "来源参数无效"),
        ("date_from=yesterday", "开始日期格式无效"),
        ("date_from=2026-03-05&date_to=2026-03-01", "晚于结束日期"),
        ("product_id=abc", "商品编号参数无效"),
    ],
)
def test_invalid_filters_are_a_clear_400(viewer_client, query, message):
    response = viewer_client.get(f"/stock-logs/?{query}")

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_pagination_keeps_the_filter(make_app, database_uri, login_as):
    app = make_app(STOCK_LOGS_PER_PAGE=2)
    with app.app_context():
        product = make_product("PAGED")
        for _ in range(5):
            inventory.adjust_stock(product.id, "到货入库", "alice", delta=1)
        client = app.test_client()
        from dashboard.services import accounts

        accounts.create_user("pager", "viewer", "correct-horse-battery")
        client.post("/login", data={"username": "pager", "password": "correct-horse-battery"})

        first = client.get("/stock-logs/?change_type=adjust").get_data(as_text=True)
        last = client.get("/stock-logs/?change_type=adjust&page=3").get_data(as_text=True)

    assert "第 1 / 3 页，共 5 条" in first
    assert "change_type=adjust" in first.split('class="pager"')[1]
    assert len(log_ids(first)) == 2 and len(log_ids(last)) == 1


def test_export_link_carries_the_current_filter(viewer_client, history):
    html = viewer_client.get("/stock-logs/?change_type=lock&page=1", headers=HX).get_data(as_text=True)

    assert 'href="/stock-logs/export.csv?change_type=lock"' in html


def test_signed_out_user_is_sent_to_login(client):
    response = client.get("/stock-logs/")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/stock-logs/", "/reservations/"])
@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, False),
        (HX, True),
        ({**HX, "HX-Boosted": "true"}, False),
        ({**HX, "HX-History-Restore-Request": "true"}, False),
    ],
)
def test_htmx_contract(viewer_client, path, headers, fragment):
    response = viewer_client.get(path, headers=headers)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("<html" not in html) is fragment
    assert "<table" in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_filter_form_pushes_bookmarkable_urls(viewer_client):
    html = viewer_client.get("/stock-logs/").get_data(as_text=True)

    assert 'hx-get="/stock-logs/"' in html and 'hx-push-url="true"' in html


# --- log CSV --------------------------------------------------------------------------------------------------


def test_log_csv_matches_the_database(viewer_client, history):
    response = viewer_client.get("/stock-logs/export.csv")

    assert response.mimetype == "text/csv"
    rows = read_csv(response)
    assert rows[0][:6] == ["日志ID", "时间", "商品编码", "商品名称", "类型", "数量"]
    entries = {e.id: e for e in db.session.execute(select(InventoryLog)).scalars()}
    assert [int(r[0]) for r in rows[1:]] == all_log_ids_newest_first()
    labels = {"lock": "锁定", "release": "释放", "adjust": "调整", "sync": "同步"}
    sources = {"web": "网页", "api": "接口", "cli": "命令行", "scheduler": "定时任务"}
    for row in rows[1:]:
        entry = entries[int(row[0])]
        assert datetime.fromisoformat(row[1]) == entry.created_at.replace(microsecond=0)
        assert row[1].endswith("+08:00")
        assert row[2] == db.session.get(Product, entry.product_id).code
        assert row[4] == labels[entry.change_type]
        numbers = [int(v) for v in row[5:10]]
        assert numbers == [
            entry.quantity,
            entry.stock_before,
            entry.stock_after,
            entry.available_before,
            entry.available_after,
        ]
        assert row[10:14] == [entry.reason, entry.reference or "", entry.operator, sources[entry.source]]
        assert row[15] == ("" if entry.reservation_id is None else str(entry.reservation_id))


def test_log_csv_exports_exactly_the_filtered_rows(viewer_client, history):
    response = viewer_client.get("/stock-logs/export.csv?date_from=2026-03-02&date_to=2026-03-02")

    rows = read_csv(response)
    assert sorted(r[4] for r in rows[1:]) == ["调整", "锁定"]
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="stock-log_2026-03-02_2026-03-02.csv"'


def test_log_csv_filename_names_an_open_range(viewer_client, history):
    # Shortly after the session was signed: a cookie from the future, or one past its lifetime, is refused.
    moment = (datetime.now(UTC) + timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)
    with time_machine.travel(moment, tick=False):  # 18:00 UTC is the next day in Shanghai
        response = viewer_client.get("/stock-logs/export.csv")

    shanghai_day = (moment + timedelta(hours=8)).date().isoformat()
    assert f'filename="stock-log_all_{shanghai_day}.csv"' in response.headers["Content-Disposition"]


def test_empty_export_still_has_the_header(viewer_client):
    rows = read_csv(viewer_client.get("/stock-logs/export.csv"))

    assert len(rows) == 1 and rows[0][0] == "日志ID"


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_csv_cells_cannot_become_formulas(viewer_client, app, payload):
    product = make_product("FX1", name=payload)
    inventory.adjust_stock(product.id, f"其他：{payload}", "alice", delta=3, reference=payload)
    inventory.adjust_stock(product.id, payload, f"{payload}-user", delta=-1)

    rows = read_csv(viewer_client.get("/stock-logs/export.csv"))

    newest, oldest = rows[1], rows[2]
    assert newest[3] == "'" + payload  # the product name, stored as Haier sent it
    assert oldest[10] == f"其他：{payload}"  # a trigger that is not at the start is harmless
    assert newest[5] == "-1"  # numbers stay numbers a spreadsheet can sum
    number_columns = range(5, 10)
    for row in rows[1:]:
        for index, cell in enumerate(row):
            if index in number_columns:
                int(cell)
            else:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (index, cell)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-x", "'-x"), ("@a", "'@a"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("a=b", "a=b"), ("", ""), (None, ""), ("订单", "订单")],
)  # fmt: skip
def test_neutralise(value, expected):
    from dashboard.services.csv_export import neutralise

    assert neutralise(value) == expected


# --- reservations ---------------------------------------------------------------------------------------------


def test_reservations_page_filters_by_status(viewer_client, app):
    product = make_product("RSV1")
    inventory.adjust_stock(product.id, "到货入库", "alice", delta=10)
    kept = inventory.lock_stock(product.id, 2, "订单占用", "bob", reference="SO-KEEP")
    gone = inventory.lock_stock(product.id, 3, "订单占用", "bob", reference="SO-GONE")
    inventory.release_stock(gone.reservation_id, "订单取消", "bob")

    open_html = viewer_client.get("/reservations/?status=open", headers=HX).get_data(as_text=True)
    all_html = viewer_client.get("/reservations/").get_data(as_text=True)

    assert f'data-reservation-id="{kept.reservation_id}"' in open_html and "SO-GONE" not in open_html
    assert "SO-GONE" in all_html and "SO-KEEP" in all_html


def test_reservations_csv_matches_the_database(viewer_client, app):
    product = make_product("RSV2", name="海尔 冰箱")
    inventory.adjust_stock(product.id, "到货入库", "alice", delta=10)
    first = inventory.lock_stock(product.id, 4, "订单占用", "bob", reference="=cmd")
    inventory.release_stock(first.reservation_id, "订单取消", "bob", quantity=1)
    second = inventory.lock_stock(product.id, 2, "客户预留", "carol")
    inventory.release_stock(second.reservation_id, "订单取消", "carol")

    response = viewer_client.get("/reservations/export.csv")

    rows = read_csv(response)
    assert rows[0] == [
        "锁定记录ID", "商品编码", "商品名称", "锁定数量", "已释放", "未释放",
        "状态", "原因", "参考号", "操作人", "锁定时间", "释放时间",
    ]  # fmt: skip
    by_id = {int(r[0]): r for r in rows[1:]}
    assert by_id[first.reservation_id][1:10] == [
        "RSV2",
        "海尔 冰箱",
        "4",
        "1",
        "3",
        "锁定中",
        "订单占用",
        "'=cmd",
        "bob",
    ]
    assert by_id[first.reservation_id][11] == ""
    assert by_id[second.reservation_id][3:7] == ["2", "2", "0", "已释放"]
    assert by_id[second.reservation_id][11].endswith("+08:00")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="reservations_all_')
