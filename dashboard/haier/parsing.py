"""Wire → typed results. Haier's spellings stay here; nothing past this module sees them.

Every converter raises :class:`Unreadable` with a short reason; the client turns that into a
:class:`HaierProtocolError` carrying the masked raw body. Blank optional fields become ``None``;
a blank *required* figure (stock, balance) is unreadable, never a zero.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .types import (
    SHANGHAI,
    AccountBalance,
    DeliveryPromise,
    HaierPrice,
    HaierProduct,
    LogisticsInfo,
    WarehouseGrade,
    WarehouseStock,
)

_ERROR_KEYS = ("errorMsg", "msg", "error", "message")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
)


class Unreadable(Exception):
    """A reply (or a field of it) we cannot interpret."""


def load_json(raw: bytes) -> Any:
    try:
        # Decimal for JSON floats: money must never pass through binary floating point.
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unreadable(f"reply is not JSON ({exc.__class__.__name__})") from None


def unwrap(body: Any) -> tuple[bool, Any, str | None]:
    """Split the ``{"success": …, "data": …}`` envelope into (success, data, error message)."""
    if not isinstance(body, dict):
        raise Unreadable("reply is not a JSON object")
    success = body.get("success")
    if isinstance(success, str) and success.lower() in ("true", "false"):
        success = success.lower() == "true"
    if not isinstance(success, bool):
        raise Unreadable("reply has no boolean 'success'")
    message = next((str(body[k]) for k in _ERROR_KEYS if body.get(k)), None)
    return success, body.get("data"), message


def as_rows(data: Any) -> list[dict]:
    """``data`` as a list of objects: a list stays, one object becomes a list, null becomes []."""
    if data is None:
        return []
    rows = [data] if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise Unreadable("'data' is neither an object nor a list of objects")
    return rows


def text(row: dict, *keys: str) -> str | None:
    for key in keys:
        value = row.get(key)
        if value is None:
            continue
        if isinstance(value, dict | list):
            raise Unreadable(f"'{key}' is not a scalar")
        value = str(value).strip()
        if value:
            return value
    return None


def required_text(row: dict, key: str) -> str:
    value = text(row, key)
    if value is None:
        raise Unreadable(f"'{key}' is missing")
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def decimal(row: dict, key: str) -> Decimal | None:
    value = row.get(key)
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise Unreadable(f"'{key}' is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Unreadable(f"'{key}' is not a number: {value!r}") from None
    if not number.is_finite():
        raise Unreadable(f"'{key}' is not a finite number")
    return number


def integer(row: dict, key: str) -> int | None:
    number = decimal(row, key)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise Unreadable(f"'{key}' is not a whole number: {row[key]!r}")
    return int(number)


def flag(row: dict, *keys: str) -> bool | None:
    for key in keys:
        value = row.get(key)
        if _blank(value):
            continue
        normal = str(value).strip().lower()
        if normal in ("1", "true", "y", "yes"):
            return True
        if normal in ("0", "false", "n", "no"):
            return False
        raise Unreadable(f"'{key}' is not a 0/1 flag: {value!r}")
    return None


def required_flag(row: dict, key: str) -> bool:
    value = flag(row, key)
    if value is None:
        raise Unreadable(f"'{key}' is missing")
    return value


def local_datetime(row: dict, key: str) -> datetime | None:
    value = text(row, key)
    if value is None:
        return None
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    raise Unreadable(f"'{key}' is not a date-time: {value!r}")


def product(row: dict) -> HaierProduct:
    is_sales = required_flag(row, "isSales")
    return HaierProduct(
        code=required_text(row, "productCode"),
        model=text(row, "productModel"),
        name=text(row, "productName"),
        group=text(row, "productGroupNamd", "productGroupName"),
        brand=text(row, "productBrandName"),
        image_url=text(row, "productImageUrl"),
        detail_image_urls=_url_list(row, "productLageUrls", "productLargeUrls"),
        is_sales=is_sales,
        no_sales_reason=text(row, "noSalesReason"),
    )


def _url_list(row: dict, *keys: str) -> list[str]:
    for key in keys:
        value = row.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            # Some integrations send one comma-separated string instead of a list.
            return [u.strip() for u in value.split(",") if u.strip()]
        if isinstance(value, list) and all(isinstance(u, str) for u in value):
            return [u.strip() for u in value if u.strip()]
        raise Unreadable(f"'{key}' is not a list of URLs")
    return []


def price(row: dict) -> HaierPrice:
    try:
        direct_discount, rebate_policy = decimal(row, "stockRebatePolicy"), None
    except Unreadable:
        if isinstance(row.get("stockRebatePolicy"), bool):
            raise
        # Documented both as a number (直扣) and as a rebate-type string: keep the string.
        direct_discount, rebate_policy = None, text(row, "stockRebatePolicy")
    is_sales = required_flag(row, "isSales")
    return HaierPrice(
        code=required_text(row, "productCode"),
        supply_price=decimal(row, "supplyPrice"),
        invoice_price=decimal(row, "invoicePrice"),
        direct_discount=direct_discount,
        rebate=decimal(row, "rebateMoney"),
        is_sales=is_sales,
        reason=text(row, "reason"),
        rebate_policy=rebate_policy,
    )


def warehouse(row: dict) -> WarehouseStock:
    stock = integer(row, "stock")
    if stock is None:
        raise Unreadable("'stock' is blank: the quantity is unknown, not zero")
    if stock < 0:
        raise Unreadable(f"'stock' is negative: {stock}")
    grade_text = text(row, "warehouseGrade")
    try:
        grade = WarehouseGrade(grade_text) if grade_text is not None else None
    except ValueError:
        raise Unreadable(f"'warehouseGrade' is unknown: {grade_text!r}") from None
    return WarehouseStock(
        sec_code=required_text(row, "secCode"),
        stock=stock,
        grade=grade,
        promise=_promise(row.get("timelinessData")),
    )


def _promise(data: Any) -> DeliveryPromise | None:
    if data is None or data == {} or data == []:
        return None
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        raise Unreadable("'timelinessData' is not an object")
    promise = DeliveryPromise(
        cut_time=text(data, "cutTime"),
        estimated_delivery=local_datetime(data, "achieveUserOrderCut"),
        hours=integer(data, "hour"),
        is_transfer=flag(data, "isTranfer", "isTransfer"),
    )
    return None if promise == DeliveryPromise(None, None, None, None) else promise


def logistics(order_code: str, data: Any) -> LogisticsInfo:
    if isinstance(data, list):
        if len(data) > 1:
            raise Unreadable("logistics 'data' is a list of several objects")
        data = data[0] if data else None
    if data is None:
        return LogisticsInfo(order_code=order_code)
    if not isinstance(data, dict):
        raise Unreadable("logistics 'data' is not an object")
    return LogisticsInfo(
        order_code=order_code,
        unified=_plain_rows(data.get("getAllLogisticsInfoByOrderCode")),
        delivery_records=_plain_rows(data.get("getStockDeliveryLogisticsRecord")),
        third_party=_plain_rows(data.get("getStockDeliveryLogisticsRecordThirdparty")),
    )


def _plain_rows(value: Any) -> list[dict]:
    return [_plain(row) for row in as_rows(value)]


def _plain(value: Any) -> Any:
    """Logistics items are shown generically; Decimals become strings so they stay JSON-friendly."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def balance(row: dict) -> AccountBalance:
    amount = decimal(row, "payerAccountBalance")
    if amount is None:
        raise Unreadable("'payerAccountBalance' is blank: the balance is unknown, not zero")
    return AccountBalance(
        sale_group_code=text(row, "saleGroupCode"),
        sale_group_name=text(row, "saleGroupName"),
        payer_account_code=text(row, "payerAccountCode"),
        payer_account_name=text(row, "payerAccountName"),
        balance=amount,
    )
