"""The shape of successful replies: Haier's field names (misspellings included) and wire types."""

from decimal import Decimal

from dashboard.haier.sandbox.catalogue import catalogue

PRODUCTS = catalogue(300)


def test_product_reply_uses_haiers_field_names(gateway):
    product = PRODUCTS[0]

    [row] = gateway.call("products", productCodes=[product.code]).json["data"]

    assert row["productCode"] == product.code
    assert row["productModel"] == product.model
    assert row["productGroupNamd"] == product.group
    assert row["productBrandName"] == product.brand
    assert row["productImageUrl"] == product.image_url
    assert row["productLageUrls"] == list(product.detail_image_urls)
    assert row["isSales"] in ("0", "1")


def test_product_query_without_codes_returns_every_purchasable_product(gateway):
    reply = gateway.call("products", productCodes=...)

    codes = {row["productCode"] for row in reply.json["data"]}
    assert codes == {p.code for p in PRODUCTS if p.is_sales}


def test_not_purchasable_product_says_why(gateway):
    product = next(p for p in PRODUCTS if not p.is_sales)

    [row] = gateway.call("products", productCodes=[product.code]).json["data"]

    assert row["isSales"] == "0"
    assert row["noSalesReason"] == product.no_sales_reason


def test_price_reply_carries_exact_money_and_the_invoice_formula(gateway):
    product = next(p for p in PRODUCTS if p.is_sales and p.price_effective and p.rebate and p.direct_discount)

    [row] = gateway.call("prices", productCodes=[product.code]).json["data"]

    assert Decimal(str(row["supplyPrice"])) == product.supply_price
    assert Decimal(str(row["invoicePrice"])) == product.invoice_price
    assert Decimal(str(row["rebateMoney"])) == product.rebate
    assert Decimal(str(row["stockRebatePolicy"])) == product.direct_discount
    assert (row["isSales"], row["reason"]) == ("1", "")


def test_product_without_a_price_in_force_answers_price_not_effective(gateway):
    product = next(p for p in PRODUCTS if not p.price_effective)

    [row] = gateway.call("prices", productCodes=[product.code]).json["data"]

    assert row["reason"] == "价格未生效"
    assert row["supplyPrice"] is None and row["invoicePrice"] is None


def test_prices_answer_each_code_once_however_often_asked(gateway):
    codes = [PRODUCTS[1].code, PRODUCTS[2].code, PRODUCTS[1].code]

    rows = gateway.call("prices", productCodes=codes).json["data"]

    assert sorted(row["productCode"] for row in rows) == sorted({PRODUCTS[1].code, PRODUCTS[2].code})


def test_logistics_reply_has_the_three_lists_with_plausible_items(gateway):
    data = gateway.call("logistics").json["data"]

    assert set(data) == {
        "getAllLogisticsInfoByOrderCode",
        "getStockDeliveryLogisticsRecord",
        "getStockDeliveryLogisticsRecordThirdparty",
    }
    first = data["getAllLogisticsInfoByOrderCode"][0]
    assert first["time"].startswith("2019-01-06")
    assert first["status"]


def test_some_orders_went_by_courier_with_a_tracking_number(gateway):
    couriers = [
        gateway.call("logistics", orderCode=f"SO.20250101.{n:06d}").json["data"][
            "getStockDeliveryLogisticsRecordThirdparty"
        ]
        for n in range(20)
    ]

    with_courier = [items for items in couriers if items]
    assert with_courier and len(with_courier) < 20
    assert all(item["trackingNo"] and item["courier"] for item in with_courier[0])


def test_balance_reply_lists_payer_accounts_with_decimal_balances(gateway):
    rows = gateway.call("balance").json["data"]

    assert rows
    for row in rows:
        assert set(row) == {
            "saleGroupCode",
            "saleGroupName",
            "payerAccountCode",
            "payerAccountName",
            "payerAccountBalance",
        }
        balance = Decimal(str(row["payerAccountBalance"]))
        assert balance == balance.quantize(Decimal("0.01"))
