import pytest

from dashboard.haier.sandbox.catalogue import catalogue

REQUIRED = {
    "products": ["customerCode", "sendToCode", "supplierCode", "searchType", "passWord"],
    "prices": ["customerCode", "sendToCode", "productCodes", "priceType", "passWord"],
    "stock": ["salesCode", "senderCode", "productCode", "countyCode", "source", "sellerPassword"],
    "logistics": ["orderCode", "sellerCode", "sellerPassword"],
    "balance": ["customerCode", "customerPassword"],
}
CASES = [(endpoint, field) for endpoint, fields in REQUIRED.items() for field in fields]


@pytest.mark.parametrize("endpoint", list(REQUIRED))
def test_valid_request_succeeds(gateway, endpoint):
    reply = gateway.call(endpoint)

    assert reply.status_code == 200
    assert reply.json["success"] is True


@pytest.mark.parametrize(("endpoint", "field"), CASES)
def test_missing_required_field_is_400(gateway, state, endpoint, field):
    reply = gateway.call(endpoint, **{field: ...})

    assert reply.status_code == 400
    assert reply.json["success"] is False
    assert field in reply.json["errorMsg"]
    assert state.counters()["calls"][endpoint] == {"400": 1}


@pytest.mark.parametrize(("endpoint", "field"), [("stock", "countyCode"), ("products", "passWord")])
def test_field_of_wrong_type_is_400(gateway, endpoint, field):
    assert gateway.call(endpoint, **{field: 110105}).status_code == 400


@pytest.mark.parametrize("endpoint", ["products", "prices"])
def test_twenty_codes_pass_and_twenty_one_are_400(gateway, endpoint):
    codes = [p.code for p in catalogue(300)[:21]]

    assert gateway.call(endpoint, productCodes=codes[:20]).status_code == 200
    reply = gateway.call(endpoint, productCodes=codes)
    assert reply.status_code == 400
    assert "20" in reply.json["errorMsg"]


def test_product_codes_must_be_a_list_of_strings(gateway):
    assert gateway.call("prices", productCodes="GA0SZC00U").status_code == 400
    assert gateway.call("prices", productCodes=[1, 2]).status_code == 400


@pytest.mark.parametrize(
    ("endpoint", "field", "value"),
    [
        ("products", "searchType", "PT"),
        ("prices", "priceType", "PTJSH"),
        ("stock", "source", "JSH-A"),
    ],
)
def test_wrong_fixed_value_is_400(gateway, endpoint, field, value):
    reply = gateway.call(endpoint, **{field: value})

    assert reply.status_code == 400
    assert field in reply.json["errorMsg"]


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("products", "passWord"),
        ("prices", "passWord"),
        ("stock", "sellerPassword"),
        ("logistics", "sellerPassword"),
        ("balance", "customerPassword"),
    ],
)
def test_wrong_password_is_a_business_error(gateway, state, endpoint, field):
    reply = gateway.call(endpoint, **{field: "guess"})

    assert reply.status_code == 200
    assert reply.json == {"success": False, "errorMsg": "密码错误", "data": None}
    assert state.counters()["calls"][endpoint] == {"business_error": 1}


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("products", "customerCode"),
        ("products", "sendToCode"),
        ("prices", "customerCode"),
        ("stock", "salesCode"),
        ("stock", "senderCode"),
        ("logistics", "sellerCode"),
        ("balance", "customerCode"),
    ],
)
def test_customer_or_ship_to_code_that_is_not_ours_is_a_business_error(gateway, endpoint, field):
    reply = gateway.call(endpoint, **{field: "8800000000"})

    assert reply.status_code == 200
    assert reply.json["success"] is False
    assert reply.json["errorMsg"]


def test_supplier_other_than_haier_is_a_business_error(gateway):
    reply = gateway.call("products", supplierCode="2002")

    assert reply.json["success"] is False


@pytest.mark.parametrize("county", ["11010", "1101050", "11010a", "110105 "])
def test_county_code_not_six_digits_is_400(gateway, county):
    assert gateway.call("stock", countyCode=county).status_code == 400


@pytest.mark.parametrize("county", ["999999", "110100", "110000"])
def test_unknown_or_non_county_code_is_a_business_error(gateway, county):
    reply = gateway.call("stock", countyCode=county)

    assert reply.status_code == 200
    assert reply.json["success"] is False
    assert "区县编码不存在" in reply.json["errorMsg"]


def test_unknown_product_in_stock_query_is_a_business_error(gateway):
    reply = gateway.call("stock", productCode="ZZ0000000")

    assert reply.json["success"] is False
    assert "ZZ0000000" in reply.json["errorMsg"]


def test_unknown_codes_are_left_out_of_product_and_price_replies(gateway):
    known = catalogue(300)[5].code

    for endpoint in ("products", "prices"):
        reply = gateway.call(endpoint, productCodes=["ZZ0000000", known])
        assert [row["productCode"] for row in reply.json["data"]] == [known]


def test_body_that_is_not_a_json_object_is_400(gateway):
    assert gateway.call("balance", body=["customerCode"]).status_code == 400


def test_member_id_must_be_an_integer(gateway):
    assert gateway.call("logistics", memberId="12").status_code == 400
    assert gateway.call("logistics", memberId=12).status_code == 200


def test_unknown_order_and_mismatched_delivery_record_are_business_errors(gateway):
    assert gateway.call("logistics", orderCode="PO-1").json["success"] is False
    mismatched = gateway.call("logistics", deliveryRecordCode="SO.20190107.000001.F1")
    assert mismatched.json["success"] is False
    matched = gateway.call("logistics", deliveryRecordCode="SO.20190106.000003.F1")
    assert matched.json["success"] is True
