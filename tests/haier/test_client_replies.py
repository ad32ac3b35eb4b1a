"""Reading replies: data shapes, numbers as strings or blanks, Haier's spellings, batching."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from _haier_fakes import (
    BALANCE_URL,
    LOGISTICS_URL,
    PRICES_URL,
    PRODUCTS_URL,
    STOCK_URL,
    make_client,
    mock_token,
    ok,
)

from dashboard.haier import (
    AccountBalance,
    DeliveryPromise,
    HaierBadRequest,
    HaierBusinessError,
    HaierPrice,
    HaierProduct,
    HaierProtocolError,
    LogisticsInfo,
    StockResult,
    WarehouseGrade,
)
from dashboard.haier.types import SHANGHAI

LOCAL = {
    "secCode": "HFR2",
    "stock": "30",
    "warehouseGrade": "0",
    "timelinessData": {
        "cutTime": "18:00",
        "achieveUserOrderCut": "2025-11-26 18:00",
        "hour": "24",
        "isTranfer": "0",
    },
}
UPPER = {
    "secCode": "BJC1",
    "stock": 12,
    "warehouseGrade": "1",
    "timelinessData": {
        "cutTime": "16:00",
        "achieveUserOrderCut": "2025-11-28 18:00",
        "hour": 72,
        "isTranfer": "1",
    },
}


@pytest.fixture(autouse=True)
def token(requests_mock):
    return mock_token(requests_mock)


def stock_reply(requests_mock, data):
    return requests_mock.post(STOCK_URL, json=ok(data))


def test_stock_request_body(requests_mock):
    stock = stock_reply(requests_mock, [])
    make_client().check_stock("GA0SZC00U", "110105")
    assert stock.last_request.json() == {
        "salesCode": "8800633175",
        "senderCode": "8800633176",
        "productCode": "GA0SZC00U",
        "countyCode": "110105",
        "source": "JSH-B",
        "sellerPassword": "seller-pass-888",
    }


def test_stock_list_keeps_rows_sums_total_and_sorts_best_promise_first(requests_mock):
    stock_reply(requests_mock, [UPPER, LOCAL])
    result = make_client().check_stock("GA0SZC00U", "110105")
    assert [w.sec_code for w in result.warehouses] == ["HFR2", "BJC1"]
    assert result.total == 42
    local = result.warehouses[0]
    assert (local.stock, local.grade, local.grade.label) == (
        30,
        WarehouseGrade.LOCAL,
        "本级仓",
    )
    assert result.warehouses[1].grade.label == "上级仓"
    assert local.promise == DeliveryPromise(
        cut_time="18:00",
        estimated_delivery=datetime(2025, 11, 26, 18, 0, tzinfo=SHANGHAI),
        hours=24,
        is_transfer=False,
    )
    assert result.best_promise is local.promise
    assert result.warehouses[1].promise.is_transfer is True
    assert result.checked_at.tzinfo is UTC


def test_stock_single_object_data_is_one_warehouse(requests_mock):
    stock_reply(requests_mock, LOCAL)
    result = make_client().check_stock("GA0SZC00U", "110105")
    assert (len(result.warehouses), result.total) == (1, 30)


@pytest.mark.parametrize("data", [[], None], ids=["empty-list", "null"])
def test_stock_with_no_warehouse_is_a_real_zero(requests_mock, data):
    stock_reply(requests_mock, data)
    result = make_client().check_stock("GA0SZC00U", "110105")
    assert (result.warehouses, result.total, result.best_promise) == ([], 0, None)


def test_blank_optional_fields_become_none(requests_mock):
    row = {
        "secCode": "HFR2",
        "stock": " 7 ",
        "warehouseGrade": "",
        "timelinessData": {
            "cutTime": "",
            "achieveUserOrderCut": "",
            "hour": "",
            "isTranfer": "",
        },
    }
    stock_reply(requests_mock, [row])
    result = make_client().check_stock("GA0SZC00U", "110105")
    assert result.warehouses[0].stock == 7
    assert result.warehouses[0].grade is None
    assert result.warehouses[0].promise is None


def test_correctly_spelled_transfer_flag_is_accepted_too(requests_mock):
    stock_reply(requests_mock, [{**LOCAL, "timelinessData": {"isTransfer": "1"}}])
    result = make_client().check_stock("GA0SZC00U", "110105")
    assert result.warehouses[0].promise.is_transfer is True


def test_zero_stock_rows_sort_after_rows_that_can_ship(requests_mock):
    stock_reply(requests_mock, [{**LOCAL, "stock": "0"}, UPPER])
    result = make_client().check_stock("GA0SZC00U", "110105")
    assert [w.sec_code for w in result.warehouses] == ["BJC1", "HFR2"]
    assert result.best_promise.hours == 72


@pytest.mark.parametrize(
    "row",
    [
        {**LOCAL, "stock": ""},
        {**LOCAL, "stock": None},
        {**LOCAL, "stock": "many"},
        {**LOCAL, "stock": "2.5"},
        {**LOCAL, "stock": "-3"},
        {**LOCAL, "warehouseGrade": "9"},
        {**LOCAL, "secCode": ""},
        {**LOCAL, "timelinessData": {"achieveUserOrderCut": "next week"}},
    ],
    ids=[
        "blank",
        "null",
        "word",
        "fraction",
        "negative",
        "grade",
        "no-warehouse",
        "date",
    ],
)
def test_unreadable_stock_is_a_protocol_error_never_zero(requests_mock, row):
    stock_reply(requests_mock, [LOCAL, row])
    with pytest.raises(HaierProtocolError) as info:
        make_client().check_stock("GA0SZC00U", "110105")
    assert info.value.raw_body is not None and "HFR2" in info.value.raw_body


@pytest.mark.parametrize(
    "body",
    ['{"data": []}', '{"success": "maybe"}', "[1, 2]", "{not json", ""],
    ids=["no-success", "odd-success", "array", "broken", "empty"],
)
def test_unreadable_envelope_is_a_protocol_error(requests_mock, body):
    requests_mock.post(STOCK_URL, text=body)
    with pytest.raises(HaierProtocolError):
        make_client().check_stock("GA0SZC00U", "110105")


@pytest.mark.parametrize("key", ["errorMsg", "msg", "error"])
def test_business_error_message_from_each_key(requests_mock, key):
    requests_mock.post(STOCK_URL, json={"success": False, key: "价格未生效", "data": None})
    with pytest.raises(HaierBusinessError) as info:
        make_client().check_stock("GA0SZC00U", "110105")
    assert info.value.message == "价格未生效"
    assert info.value.endpoint == "check_stock"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", "110105"), "product_code"),
        (("  ", "110105"), "product_code"),
        ((None, "110105"), "product_code"),
        (("GA0 SZC", "110105"), "product_code"),
        (("GA0SZC00U", "11010"), "county_code"),
        (("GA0SZC00U", "1101050"), "county_code"),
        (("GA0SZC00U", 110105), "county_code"),
        (("GA0SZC00U", "北京朝阳"), "county_code"),
        (("GA0SZC00U", "110105", ""), "source"),
    ],
)
def test_own_bad_arguments_fail_before_any_call(requests_mock, args, field):
    with pytest.raises(HaierBadRequest) as info:
        make_client().check_stock(*args)
    assert info.value.field == field
    assert requests_mock.call_count == 0


PRODUCT = {
    "productCode": "GA0SZC00U",
    "productModel": "EC6001-HT3",
    "productGroupNamd": "电热水器",
    "productBrandName": "海尔",
    "productImageUrl": "https://img.test/a.jpg",
    "productLageUrls": ["https://img.test/a1.jpg", "https://img.test/a2.jpg"],
    "isSales": "1",
    "noSalesReason": "",
}


def test_product_fields_mapped_from_haier_spellings(requests_mock):
    products = requests_mock.post(PRODUCTS_URL, json=ok([PRODUCT]))
    [product] = make_client().get_products(["GA0SZC00U"])
    assert product == HaierProduct(
        code="GA0SZC00U",
        model="EC6001-HT3",
        name=None,
        group="电热水器",
        brand="海尔",
        image_url="https://img.test/a.jpg",
        detail_image_urls=["https://img.test/a1.jpg", "https://img.test/a2.jpg"],
        is_sales=True,
        no_sales_reason=None,
    )
    assert products.last_request.json() == {
        "customerCode": "8800633175",
        "sendToCode": "8800633176",
        "supplierCode": "1001",
        "searchType": "PTJSH",
        "passWord": "agreed-pass-777",
        "productCodes": ["GA0SZC00U"],
    }


def test_product_not_purchasable_keeps_the_reason(requests_mock):
    row = {
        **PRODUCT,
        "isSales": "0",
        "noSalesReason": "该区域未上市",
        "productLageUrls": None,
    }
    requests_mock.post(PRODUCTS_URL, json=ok(row))
    [product] = make_client().get_products(["GA0SZC00U"])
    assert (product.is_sales, product.no_sales_reason) == (False, "该区域未上市")
    assert product.detail_image_urls == []


def test_all_products_when_no_codes_given(requests_mock):
    products = requests_mock.post(PRODUCTS_URL, json=ok([PRODUCT, {**PRODUCT, "productCode": "B"}]))
    assert [p.code for p in make_client().get_products()] == ["GA0SZC00U", "B"]
    assert "productCodes" not in products.last_request.json()


def test_a_lone_string_is_not_taken_for_a_list_of_codes(requests_mock):
    with pytest.raises(HaierBadRequest):
        make_client().get_products("GA0SZC00U")
    assert requests_mock.call_count == 0


def echo_rows(make_row, reverse=False):
    def reply(request, context):
        codes = request.json()["productCodes"]
        rows = [make_row(code) for code in codes if not code.endswith("X")]
        return ok(rows[::-1] if reverse else rows)

    return reply


@pytest.mark.parametrize("reverse", [False, True], ids=["in-order", "out-of-order"])
def test_45_codes_go_as_20_20_5_and_merge_by_product_code(requests_mock, reverse):
    codes = [f"P{i:03d}" for i in range(45)]
    products = requests_mock.post(
        PRODUCTS_URL,
        json=echo_rows(lambda c: {**PRODUCT, "productCode": c}, reverse=reverse),
    )
    result = make_client().get_products(codes)
    assert [len(r.json()["productCodes"]) for r in products.request_history] == [
        20,
        20,
        5,
    ]
    sent = [code for r in products.request_history for code in r.json()["productCodes"]]
    assert sent == codes
    assert [p.code for p in result] == codes


def test_duplicate_codes_are_asked_once_and_unknown_codes_are_absent(requests_mock):
    products = requests_mock.post(PRODUCTS_URL, json=echo_rows(lambda c: {**PRODUCT, "productCode": c}))
    result = make_client().get_products(["A", "BX", "A", "C"])
    assert products.last_request.json()["productCodes"] == ["A", "BX", "C"]
    assert [p.code for p in result] == ["A", "C"]


PRICE = {
    "productCode": "GA0SZC00U",
    "supplyPrice": 1299.5,
    "invoicePrice": "1168.55",
    "stockRebatePolicy": "0.05",
    "rebateMoney": "66",
    "isSales": "1",
    "reason": None,
}


def test_prices_are_decimal_and_matched_by_code(requests_mock):
    prices = requests_mock.post(
        PRICES_URL,
        json=ok([{**PRICE, "productCode": "B", "supplyPrice": "10.10"}, PRICE]),
    )
    result = make_client().get_product_prices(["GA0SZC00U", "B"])
    assert result[0] == HaierPrice(
        code="GA0SZC00U",
        supply_price=Decimal("1299.5"),
        invoice_price=Decimal("1168.55"),
        direct_discount=Decimal("0.05"),
        rebate=Decimal(66),
        is_sales=True,
        reason=None,
    )
    assert (result[1].code, result[1].supply_price) == ("B", Decimal("10.10"))
    assert prices.last_request.json() == {
        "customerCode": "8800633175",
        "sendToCode": "8800633176",
        "productCodes": ["GA0SZC00U", "B"],
        "priceType": "PT",
        "passWord": "agreed-pass-777",
    }


def test_price_without_price_keeps_reason_and_blank_money_is_none(requests_mock):
    row = {
        **PRICE,
        "supplyPrice": "",
        "invoicePrice": None,
        "rebateMoney": "",
        "stockRebatePolicy": "",
        "isSales": "0",
        "reason": "价格未生效",
    }
    requests_mock.post(PRICES_URL, json=ok([row]))
    [price] = make_client().get_product_prices(["GA0SZC00U"])
    assert (
        price.supply_price,
        price.invoice_price,
        price.rebate,
        price.direct_discount,
    ) == (
        None,
        None,
        None,
        None,
    )
    assert (price.is_sales, price.reason) == (False, "价格未生效")


def test_rebate_policy_as_a_type_string_is_kept_not_misread(requests_mock):
    requests_mock.post(PRICES_URL, json=ok([{**PRICE, "stockRebatePolicy": "直扣"}]))
    [price] = make_client().get_product_prices(["GA0SZC00U"])
    assert (price.direct_discount, price.rebate_policy) == (None, "直扣")


def test_prices_of_no_products_make_no_call(requests_mock):
    assert make_client().get_product_prices([]) == []
    assert requests_mock.call_count == 0


def test_45_price_codes_are_batched(requests_mock):
    codes = [f"P{i:03d}" for i in range(45)]
    prices = requests_mock.post(
        PRICES_URL, json=echo_rows(lambda c: {**PRICE, "productCode": c}, reverse=True)
    )
    result = make_client().get_product_prices(codes)
    assert [len(r.json()["productCodes"]) for r in prices.request_history] == [
        20,
        20,
        5,
    ]
    assert [p.code for p in result] == codes


def test_logistics_lists_and_optional_fields(requests_mock):
    item = {"time": "2025-11-20 10:00", "status": "已出库", "weight": 12.5}
    logistics = requests_mock.post(
        LOGISTICS_URL,
        json=ok(
            {
                "getAllLogisticsInfoByOrderCode": [item],
                "getStockDeliveryLogisticsRecord": None,
                "getStockDeliveryLogisticsRecordThirdparty": {
                    "courier": "顺丰",
                    "trackingNo": "SF1",
                },
            }
        ),
    )
    info = make_client().get_logistics_info("SO.20190106.000003", "SO.20190106.000003.F1", 42)
    assert info == LogisticsInfo(
        order_code="SO.20190106.000003",
        unified=[{"time": "2025-11-20 10:00", "status": "已出库", "weight": "12.5"}],
        delivery_records=[],
        third_party=[{"courier": "顺丰", "trackingNo": "SF1"}],
    )
    assert logistics.last_request.json() == {
        "orderCode": "SO.20190106.000003",
        "deliveryRecordCode": "SO.20190106.000003.F1",
        "memberId": 42,
        "sellerCode": "8800633175",
        "sellerPassword": "seller-pass-888",
    }


def test_logistics_null_data_is_empty_and_optional_fields_omitted(requests_mock):
    logistics = requests_mock.post(LOGISTICS_URL, json=ok(None))
    info = make_client().get_logistics_info("SO.1")
    assert (info.unified, info.delivery_records, info.third_party) == ([], [], [])
    assert set(logistics.last_request.json()) == {
        "orderCode",
        "sellerCode",
        "sellerPassword",
    }


@pytest.mark.parametrize("member_id", ["42", -1, True, 4.2])
def test_logistics_member_id_must_be_an_integer(requests_mock, member_id):
    with pytest.raises(HaierBadRequest):
        make_client().get_logistics_info("SO.1", member_id=member_id)
    assert requests_mock.call_count == 0


BALANCE = {
    "saleGroupCode": "G1",
    "saleGroupName": "青岛",
    "payerAccountCode": "P1",
    "payerAccountName": "某某电器",
    "payerAccountBalance": "12345.67",
}


@pytest.mark.parametrize("data", [[BALANCE], BALANCE], ids=["list", "object"])
def test_account_balance(requests_mock, data):
    balance = requests_mock.post(BALANCE_URL, json=ok(data))
    assert make_client().get_account_balance() == [
        AccountBalance("G1", "青岛", "P1", "某某电器", Decimal("12345.67"))
    ]
    assert balance.last_request.json() == {
        "customerCode": "8800633175",
        "customerPassword": "seller-pass-888",
    }


def test_blank_balance_is_unknown_not_zero(requests_mock):
    requests_mock.post(BALANCE_URL, json=ok([{**BALANCE, "payerAccountBalance": ""}]))
    with pytest.raises(HaierProtocolError):
        make_client().get_account_balance()


def test_results_round_trip_through_json(requests_mock):
    stock_reply(requests_mock, [LOCAL, UPPER, {"secCode": "X", "stock": "0"}])
    requests_mock.post(PRODUCTS_URL, json=ok([PRODUCT]))
    requests_mock.post(PRICES_URL, json=ok([PRICE]))
    requests_mock.post(BALANCE_URL, json=ok([BALANCE]))
    client = make_client()
    for value in (
        client.check_stock("GA0SZC00U", "110105"),
        client.get_products(["GA0SZC00U"])[0],
        client.get_product_prices(["GA0SZC00U"])[0],
        client.get_account_balance()[0],
        LogisticsInfo("SO.1", [{"a": 1}], [], []),
    ):
        stored = json.loads(json.dumps(value.to_dict()))
        assert type(value).from_dict(stored) == value
    assert isinstance(StockResult.from_dict(client.check_stock("A", "110105").to_dict()), StockResult)
