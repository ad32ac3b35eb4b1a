"""The five business calls: validate a request body and build the wire `data` (Haier's field names, misspellings
and all). Each handler raises BadRequest or BusinessFailure; the view turns those into Haier's replies.

Unknown product codes in a product or price query are left out of `data` (the gateway answers for what it knows),
so the client must match replies by productCode. Money goes out as JSON numbers; stock figures as strings, as
Haier sends them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from . import validation as v
from .catalogue import SandboxProduct, products_by_code
from .divisions import is_county
from .state import SandboxState
from .stock import SHANGHAI, NotPurchasable, stock_rows, unit

SUPPLIER_HAIER = "1001"
NOT_PURCHASABLE_REASON = "商品暂不可采"
NO_PRICE_REASON = "价格未生效"
ORDER_PATTERN = re.compile(r"^SO\.(\d{8})\.(\d{6})$")


def _catalogue(state: SandboxState) -> dict[str, SandboxProduct]:
    return products_by_code(state.settings.catalogue_size, state.settings.seed)


def _money(amount: Decimal) -> float:
    # Haier sends plain JSON numbers; a two-decimal value survives the float round trip exactly as text.
    return float(amount)


def product_wire(product: SandboxProduct) -> dict[str, Any]:
    return {
        "productCode": product.code,
        "productModel": product.model,
        "productName": product.name,
        "productGroupNamd": product.group,
        "productBrandName": product.brand,
        "productImageUrl": product.image_url,
        "productLageUrls": list(product.detail_image_urls),
        "isSales": "1" if product.is_sales else "0",
        "noSalesReason": product.no_sales_reason,
    }


def price_wire(product: SandboxProduct) -> dict[str, Any]:
    if not product.price_effective:
        return {
            "productCode": product.code,
            "supplyPrice": None,
            "invoicePrice": None,
            "stockRebatePolicy": None,
            "rebateMoney": None,
            "isSales": "0",
            "reason": NO_PRICE_REASON,
        }
    return {
        "productCode": product.code,
        "supplyPrice": _money(product.supply_price),
        "invoicePrice": _money(product.invoice_price),
        "stockRebatePolicy": float(product.direct_discount),
        "rebateMoney": _money(product.rebate),
        "isSales": "1" if product.is_sales else "0",
        "reason": "" if product.is_sales else NOT_PURCHASABLE_REASON,
    }


def products(state: SandboxState, body: dict[str, Any]) -> list[dict[str, Any]]:
    settings = state.settings
    customer = v.required_str(body, "customerCode")
    send_to = v.required_str(body, "sendToCode")
    supplier = v.required_str(body, "supplierCode")
    v.expect(body, "searchType", "PTJSH")
    password = v.required_str(body, "passWord")
    codes = v.product_codes(body, required=False)
    v.check_secret(password, settings.password)
    v.check_customer(customer, settings.customer_code)
    v.check_send_to(send_to, settings.send_to_code)
    if supplier != SUPPLIER_HAIER:
        raise v.BusinessFailure("供货方编码不存在")
    known = _catalogue(state)
    if not codes:
        return [product_wire(product) for product in known.values() if product.is_sales]
    return [product_wire(known[code]) for code in dict.fromkeys(codes) if code in known]


def prices(state: SandboxState, body: dict[str, Any]) -> list[dict[str, Any]]:
    settings = state.settings
    customer = v.required_str(body, "customerCode")
    send_to = v.required_str(body, "sendToCode")
    codes = v.product_codes(body, required=True)
    v.expect(body, "priceType", "PT")
    password = v.required_str(body, "passWord")
    v.check_secret(password, settings.password)
    v.check_customer(customer, settings.customer_code)
    v.check_send_to(send_to, settings.send_to_code)
    known = _catalogue(state)
    return [price_wire(known[code]) for code in dict.fromkeys(codes) if code in known]


def stock(state: SandboxState, body: dict[str, Any]) -> list[dict[str, Any]]:
    settings = state.settings
    sales_code = v.required_str(body, "salesCode")
    sender_code = v.required_str(body, "senderCode")
    product_code = v.required_str(body, "productCode")
    county = v.county_code(body)
    v.expect(body, "source", "JSH-B")
    password = v.required_str(body, "sellerPassword")
    v.check_secret(password, settings.seller_password)
    v.check_customer(sales_code, settings.customer_code)
    v.check_send_to(sender_code, settings.send_to_code)
    if not is_county(county):
        raise v.BusinessFailure(f"区县编码不存在: {county}")
    product = _catalogue(state).get(product_code)
    if product is None:
        raise v.BusinessFailure(f"商品编码不存在: {product_code}")
    try:
        rows = stock_rows(product, county, state.step(), settings.drift_seconds)
    except NotPurchasable as exc:
        raise v.BusinessFailure(exc.reason) from exc
    return [row.to_wire() for row in rows]


def _events(order_code: str, kind: str, placed: datetime, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
    count = 1 + int(unit("events", order_code, kind) * len(statuses))
    events = []
    for n, status in enumerate(statuses[:count]):
        moment = placed + timedelta(hours=3 * n + 1, minutes=int(unit("minute", order_code, kind, n) * 60))
        events.append(
            {
                "time": moment.strftime("%Y-%m-%d %H:%M:%S"),
                "status": status,
                "description": status,
            }
        )
    return events


def logistics(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    settings = state.settings
    order_code = v.required_str(body, "orderCode")
    delivery_record = v.optional_str(body, "deliveryRecordCode")
    member_id = body.get("memberId")
    if member_id is not None and (isinstance(member_id, bool) or not isinstance(member_id, int)):
        raise v.BadRequest("参数类型错误: memberId 必须是整数")
    seller = v.required_str(body, "sellerCode")
    password = v.required_str(body, "sellerPassword")
    v.check_secret(password, settings.seller_password)
    v.check_customer(seller, settings.customer_code)
    match = ORDER_PATTERN.match(order_code)
    if match is None:
        raise v.BusinessFailure(f"订单不存在: {order_code}")
    if delivery_record is not None and not delivery_record.startswith(order_code + "."):
        raise v.BusinessFailure("发货单号与订单不匹配")
    placed = datetime.strptime(match.group(1), "%Y%m%d").replace(tzinfo=SHANGHAI, hour=9)
    cloud = _events(
        order_code,
        "cloud",
        placed,
        ("订单已审核", "仓库已出库", "干线运输中", "到达网点", "已签收"),
    )
    delivery = _events(order_code, "delivery", placed, ("已分配仓库", "已拣货", "已出库"))
    for event in delivery:
        event["secCode"] = "HFR2"
    third_party = []
    if unit("courier", order_code) < 0.5:
        tracking = f"SF{int(unit('tracking', order_code) * 10**12):012d}"
        third_party = _events(order_code, "courier", placed, ("快递已揽收", "运输中", "派送中", "已签收"))
        for event in third_party:
            event.update(courier="顺丰速运", trackingNo=tracking)
    return {
        "getAllLogisticsInfoByOrderCode": cloud,
        "getStockDeliveryLogisticsRecord": delivery,
        "getStockDeliveryLogisticsRecordThirdparty": third_party,
    }


def balance(state: SandboxState, body: dict[str, Any]) -> list[dict[str, Any]]:
    settings = state.settings
    customer = v.required_str(body, "customerCode")
    password = v.required_str(body, "customerPassword")
    v.check_secret(password, settings.seller_password)
    v.check_customer(customer, settings.customer_code)
    groups = (
        ("HA01", "海尔智家-冰冷"),
        ("HA02", "海尔智家-洗护"),
        ("HA03", "海尔智家-空调"),
    )
    accounts = []
    for code, name in groups:
        cents = int(unit("balance", settings.seed, code) * 50_000_000)
        accounts.append(
            {
                "saleGroupCode": code,
                "saleGroupName": name,
                "payerAccountCode": settings.customer_code,
                "payerAccountName": "沙箱家电商贸有限公司",
                "payerAccountBalance": _money(Decimal(cents).scaleb(-2)),
            }
        )
    return accounts
