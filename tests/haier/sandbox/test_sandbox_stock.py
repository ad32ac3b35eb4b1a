"""Stock: deterministic per (product, county, step), drifting between steps, with both warehouse grades."""

import re
from datetime import datetime

import pytest
import time_machine
from _sandbox_wire import Gateway, make_app

from dashboard.haier.sandbox.catalogue import catalogue
from dashboard.haier.sandbox.divisions import county_codes
from dashboard.haier.sandbox.stock import is_blocked_in_region, warehouses_for

PRODUCTS = catalogue(300)
SOLD = [p for p in PRODUCTS if p.is_sales]
COUNTIES = sorted(county_codes())[::40]


def _sellable(county):
    return [p for p in SOLD if not is_blocked_in_region(p.code, county)]


def _stock(gateway, product_code, county):
    reply = gateway.call("stock", productCode=product_code, countyCode=county)
    assert reply.status_code == 200
    return reply.json


@pytest.fixture
def frozen(app, state):
    state.freeze_clock()
    return state


def test_rows_have_haiers_wire_fields_as_strings(gateway, frozen):
    rows = _stock(gateway, _sellable("110105")[0].code, "110105")["data"]

    assert rows
    for row in rows:
        assert re.fullmatch(r"H[A-Z]{2}\d", row["secCode"])
        assert row["stock"].isdigit()
        assert row["warehouseGrade"] in ("0", "1")
        promise = row["timelinessData"]
        assert promise["cutTime"] == "18:00"
        datetime.strptime(promise["achieveUserOrderCut"], "%Y-%m-%d %H:%M")
        assert promise["hour"] in ("24", "48", "72")
        assert promise["isTranfer"] in ("0", "1")


def test_same_step_gives_the_same_answer(gateway, frozen):
    product = _sellable("310104")[0].code

    assert _stock(gateway, product, "310104") == _stock(gateway, product, "310104")


def test_two_sandbox_apps_agree_at_the_same_step():
    product = _sellable("440305")[0].code
    with time_machine.travel("2025-11-25 10:00:00 +0800", tick=False):
        answers = [_stock(Gateway(make_app().test_client()), product, "440305") for _ in range(2)]

    assert answers[0]["success"] is True
    assert answers[0] == answers[1]


def test_advancing_the_clock_makes_some_stock_drift(app, gateway, frozen):
    county = "330106"
    products = [p.code for p in _sellable(county)[:30]]
    before = [_stock(gateway, code, county)["data"] for code in products]

    moved = app.test_client().post("/_sandbox/clock", json={"advance_steps": 1}).json
    after = [_stock(gateway, code, county)["data"] for code in products]

    assert moved["offset_seconds"] == 300
    changed = [b for b, a in zip(before, after, strict=True) if b != a]
    assert changed
    assert [[r["secCode"] for r in rows] for rows in before] == [
        [r["secCode"] for r in rows] for rows in after
    ]


def test_clock_offset_returns_to_an_earlier_answer(app, gateway, frozen):
    product = _sellable("330106")[0].code
    first = _stock(gateway, product, "330106")
    control = app.test_client()

    control.post("/_sandbox/clock", json={"advance_steps": 7})
    control.post("/_sandbox/clock", json={"offset_seconds": 0})

    assert _stock(gateway, product, "330106") == first


def test_some_counties_are_served_by_the_higher_level_warehouse_only_and_others_by_both():
    grades = {county: tuple(grade for _, grade in warehouses_for(county)) for county in COUNTIES}

    assert ("1",) in grades.values()
    assert ("1", "0") in grades.values()


def test_both_warehouse_grades_come_back_over_the_wire(gateway, frozen):
    upper_only = next(c for c in COUNTIES if len(warehouses_for(c)) == 1)
    both = next(c for c in COUNTIES if len(warehouses_for(c)) == 2)

    upper_rows = _stock(gateway, _sellable(upper_only)[0].code, upper_only)["data"]
    both_rows = _stock(gateway, _sellable(both)[0].code, both)["data"]

    assert [r["warehouseGrade"] for r in upper_rows] == ["1"]
    assert sorted(r["warehouseGrade"] for r in both_rows) == ["0", "1"]
    local = next(r for r in both_rows if r["warehouseGrade"] == "0")
    assert local["timelinessData"]["hour"] == "24"


def test_some_warehouses_hold_none_of_a_product_and_others_hold_some(gateway, frozen):
    upper_only = next(c for c in COUNTIES if len(warehouses_for(c)) == 1)
    totals = [
        sum(int(r["stock"]) for r in _stock(gateway, p.code, upper_only)["data"])
        for p in _sellable(upper_only)[:60]
    ]

    assert 0 in totals
    assert any(total > 0 for total in totals)


def test_product_blocked_in_a_region_is_a_business_error_there_and_sold_elsewhere(gateway):
    county, product = next((c, p) for c in COUNTIES for p in SOLD if is_blocked_in_region(p.code, c))
    elsewhere = next(c for c in COUNTIES if not is_blocked_in_region(product.code, c))

    blocked = _stock(gateway, product.code, county)

    assert blocked["success"] is False
    assert blocked["errorMsg"] == "该商品在当前区域暂不可采"
    assert _stock(gateway, product.code, elsewhere)["success"] is True


def test_product_not_on_sale_is_a_business_error_everywhere(gateway):
    product = next(p for p in PRODUCTS if not p.is_sales)

    reply = _stock(gateway, product.code, "110105")

    assert reply == {"success": False, "errorMsg": product.no_sales_reason, "data": None}
